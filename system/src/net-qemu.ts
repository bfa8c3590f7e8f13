import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { join } from 'node:path';
import { UPLINK_PORT_POLICY } from '@vm/vmnet';
import type { Vmnet, VmnetPort } from '@vm/vmnet';
import { UdpUplink } from '@vm/vmnet/node';
import { SerialShell, type NetLab } from '@vm/example-firewall/lab';

/** Debian's QEMU for i386 guests. */
export const QEMU_I386 = 'qemu-system-i386';

/** True when qemu-system-i386 is on the PATH. */
export function qemuAvailable(): boolean {
  return spawnSync('sh', ['-c', `command -v ${QEMU_I386}`]).status === 0;
}

/** A UDP port on 127.0.0.1 that was free a moment ago. */
async function freeUdpPort(): Promise<number> {
  const s = createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', r));
  const port = s.address().port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** Options of {@link QemuGuest.start}. */
export interface QemuGuestOptions {
  /** Directory with vmlinuz and initramfs.cpio.gz (the same guest our VMs boot). */
  readonly guestDir: string;
  /** The QEMU NIC's MAC. */
  readonly mac: string;
  /** QEMU's NIC model (default e1000). */
  readonly nic?: string;
}

/** Host time one QEMU step may take (its TCG boots the guest in well under a minute). */
const QEMU_STEP_MS = 120_000;

/**
 * The same Linux guest booted in QEMU (TCG), its NIC on a QEMU `dgram`
 * netdev tunnelled to a {@link UdpUplink} port of a VMnet, its serial
 * console on stdio and driven by a {@link SerialShell}. Waiting on it runs
 * the lab's VMs (paced to the host clock, as QEMU runs in real time).
 */
export class QemuGuest {
  private constructor(
    private readonly lab: NetLab,
    private readonly child: ChildProcess,
    private readonly uplink: UdpUplink,
    private readonly port: VmnetPort,
    private readonly poller: () => void,
    /** The guest's console. */
    readonly shell: SerialShell,
  ) {}

  /** Open the uplink on `vmnet` and start QEMU. */
  static async start(lab: NetLab, vmnet: Vmnet, options: QemuGuestOptions): Promise<QemuGuest> {
    const port = vmnet.createPort({ name: 'qemu-uplink', policy: UPLINK_PORT_POLICY });
    const qemuPort = await freeUdpPort();
    const uplink = await UdpUplink.open(port, { localAddress: '127.0.0.1', remoteAddress: '127.0.0.1', remotePort: qemuPort });
    const child = spawn(
      QEMU_I386,
      [
        '-M', 'pc', '-m', '128', '-nodefaults', '-display', 'none', '-monitor', 'none', '-serial', 'stdio',
        '-kernel', join(options.guestDir, 'vmlinuz'),
        '-initrd', join(options.guestDir, 'initramfs.cpio.gz'),
        '-append', 'console=ttyS0 quiet',
        '-netdev',
        `dgram,id=n0,local.type=inet,local.host=127.0.0.1,local.port=${qemuPort},` +
          `remote.type=inet,remote.host=127.0.0.1,remote.port=${uplink.localPort}`,
        '-device', `${options.nic ?? 'e1000'},netdev=n0,mac=${options.mac},romfile=`, // no boot ROM: direct kernel boot, and no ipxe package needed
      ],
      { stdio: ['pipe', 'pipe', 'pipe'] },
    );
    const shell = new SerialShell('qemu', (bytes) => child.stdin?.write(bytes));
    child.stdout?.on('data', (b: Buffer) => shell.feed(b));
    let stderr = '';
    child.stderr?.on('data', (b: Buffer) => (stderr += b.toString()));
    child.on('exit', (code) => {
      if (code !== 0 && code !== null) shell.text += `\n[qemu exited with ${code}: ${stderr}]`;
    });
    const poller = (): void => shell.pump();
    lab.pollers.push(poller);
    lab.paceToHostClock(true);
    return new QemuGuest(lab, child, uplink, port, poller, shell);
  }

  /** Wait for QEMU's guest to reach its shell. */
  async ready(): Promise<void> {
    await this.lab.runUntil(() => /VM-GUEST-READY/.test(this.shell.text), Infinity, 'QEMU guest boot', QEMU_STEP_MS);
    await this.sh('true');
  }

  /** Run a command in QEMU's guest while the lab's VMs run. */
  async sh(command: string): Promise<{ out: string; status: number }> {
    const c = this.shell.run(command);
    await this.lab.runUntil(() => c.done, Infinity, `qemu: ${command}\nqemu: ${this.shell.tail()}`, QEMU_STEP_MS);
    return { out: c.output, status: c.status };
  }

  /** Stop QEMU and remove the uplink. */
  async stop(): Promise<void> {
    this.lab.paceToHostClock(false);
    const i = this.lab.pollers.indexOf(this.poller);
    if (i >= 0) this.lab.pollers.splice(i, 1);
    this.child.kill();
    await this.uplink.close();
    this.port.disconnect();
  }
}
