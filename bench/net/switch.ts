import { performance } from 'node:perf_hooks';
import { NetLab } from '@vm/example-firewall/lab';

/** Frames per host second one VMnet forwards between two learned unicast ports. */
export function switchFramesPerSecond(bytes: number, frames = 2_000_000): number {
  // a lab without VMs: just its VMnet registry (the built @vm/vmnet)
  const lab = new NetLab({ kernel: new Uint8Array(0), initrd: new Uint8Array(0) });
  const net = lab.net('bench');
  const a = net.createPort({ mac: '00:50:56:00:00:01' });
  const b = net.createPort({ mac: '00:50:56:00:00:02' });
  let got = 0;
  a.attach({ receiveFrame: () => true });
  b.attach({ receiveFrame: () => (got++, true) });
  const frame = new Uint8Array(bytes);
  frame.set([0, 0x50, 0x56, 0, 0, 2, 0, 0x50, 0x56, 0, 0, 1, 0x08, 0x00]);
  // let the switch learn b
  b.sendFrame(Uint8Array.of(0, 0x50, 0x56, 0, 0, 1, 0, 0x50, 0x56, 0, 0, 2, 0x08, 0x00));
  const t = performance.now();
  for (let i = 0; i < frames; i++) a.sendFrame(frame);
  const s = (performance.now() - t) / 1000;
  lab.destroy();
  if (got !== frames) throw new Error(`switch delivered ${got} of ${frames} frames`);
  return frames / s;
}
