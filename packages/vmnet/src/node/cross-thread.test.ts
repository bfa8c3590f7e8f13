import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { ManualClock } from '@vm/bus/test';
import { afterEach, describe, expect, it } from 'vitest';
import { RemotePortHost, createRemotePortChannel } from '../remote-port.js';
import { BROADCAST_MAC, ScriptedNic, ethernetFrame, framePayloadText } from '../test/index.js';
import { Vmnet } from '../vmnet.js';

const LOCAL = '00:50:56:00:00:01';
const REMOTE = '00:50:56:00:00:02';
const FIXTURE = fileURLToPath(new URL('./ring-echo-worker.fixture.ts', import.meta.url));
// Node 20 applies no module loader hooks inside workers, so the worker loads
// the TypeScript fixture through tsx's in-thread CommonJS hook instead.
const TSX_CJS = createRequire(import.meta.url).resolve('tsx/cjs');
const BOOT = `require(${JSON.stringify(TSX_CJS)}); require(${JSON.stringify(FIXTURE)});`;

type Reply = { type: string; [k: string]: unknown };

function nextMessage(worker: Worker, type: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: Reply): void => {
      if (m.type !== type) return;
      worker.off('message', onMessage);
      resolve(m);
    };
    worker.on('message', onMessage);
    worker.once('error', reject);
  });
}

let worker: Worker | null = null;
afterEach(async () => {
  await worker?.terminate();
  worker = null;
});

describe('a NIC in a worker thread on a switch in the main thread', () => {
  it('exchanges frames through shared rings, and a burst beyond the ring is dropped and counted', async () => {
    const clock = new ManualClock();
    const net = new Vmnet('vmnet0', { clock, timers: clock });
    const local = new ScriptedNic(net.createPort({ mac: LOCAL }));
    const remotePort = net.createPort({ mac: REMOTE, name: 'worker', policy: { allowForgedTransmits: false } });
    const channel = createRemotePortChannel({ slots: 16, slotBytes: 1518 });
    const host = new RemotePortHost(remotePort, channel);

    worker = new Worker(BOOT, { eval: true, workerData: { channel, mac: REMOTE } });
    await nextMessage(worker, 'ready');
    expect(host.start()).toBe(true);

    local.send(ethernetFrame({ dst: BROADCAST_MAC, src: LOCAL, payload: 'who is there' }));
    for (let i = 0; i < 5; i++) local.send(ethernetFrame({ dst: REMOTE, src: LOCAL, payload: `ping ${i}` }));
    await expect
      .poll(() => local.received.map(framePayloadText), { timeout: 10_000 })
      .toEqual(['echo who is there', 'echo ping 0', 'echo ping 1', 'echo ping 2', 'echo ping 3', 'echo ping 4']);
    expect(net.macTable().find((e) => e.mac === REMOTE)?.port).toBe('worker');

    // Stop the switch side from draining; a burst larger than the ring overflows it.
    host.stop();
    worker.postMessage({ type: 'burst', count: 40, to: LOCAL });
    const done = await nextMessage(worker, 'burst-done');
    expect(done['dropsFull']).toBe(24);
    local.clear();
    expect(host.pump()).toBe(16);
    expect(local.received.map(framePayloadText)).toEqual(Array.from({ length: 16 }, (_, i) => `burst ${i}`));
    expect(remotePort.stats.drops('forgedTransmit')).toBe(0);

    host.close();
    worker.postMessage({ type: 'stats' });
    const stats = await nextMessage(worker, 'stats');
    expect(stats).toMatchObject({ received: 6, linkUp: false });
  });
});
