import type { BlockBackend } from '@vm/bus';
import { bootLinux, createPc } from '@vm/machine';
import type { Pc, PcOptions } from '@vm/machine';
import { GuestConsole } from './guest-console.js';
import type { Guests } from './guests.js';

/** A SCSI adapter of the PC and its disks. */
export type ScsiAdapterSpec = NonNullable<PcOptions['scsi']>[number];

/** busybox's prompt, followed by its cursor-position query (ESC [ 6 n). */
const PROMPT = new RegExp(`vmguest# ${String.fromCharCode(0x1b)}\\[6n`);
/** Most guest instructions the boot may take before the test calls the guest hung. */
const BOOT_BUDGET = 12_000_000_000;
/** Most guest instructions one shell command may take (a hang guard). */
const STEP_BUDGET = 20_000_000_000;
/** The RTC's time at power-on (a fixed date, so runs are reproducible). */
const START_TIME = 1_764_000_000;

/**
 * A disk as the guest's adapter sees it, counting the host requests in
 * flight, so the test's run loop can wait for them with the guest's clock
 * standing still (a deterministic clock would otherwise skip from timer to
 * timer while the host file I/O completes, and the guest would spend its
 * time in timer interrupts and SCSI timeouts).
 */
export class TrackedDisk implements BlockBackend {
  /** Requests started and not yet settled, of all tracked disks. */
  static inFlight = 0;
  /** @inheritDoc */
  readonly sectorSize: number;
  /** @inheritDoc */
  readonly sectorCount: number;
  /** @inheritDoc */
  readonly readOnly: boolean;

  /** @param inner the disk */
  constructor(private readonly inner: BlockBackend) {
    this.sectorSize = inner.sectorSize;
    this.sectorCount = inner.sectorCount;
    this.readOnly = inner.readOnly;
  }
  private track(p: Promise<void>): Promise<void> {
    TrackedDisk.inFlight++;
    return p.finally(() => TrackedDisk.inFlight--);
  }
  /** @inheritDoc */
  read(sector: number, dst: Uint8Array): Promise<void> {
    return this.track(this.inner.read(sector, dst));
  }
  /** @inheritDoc */
  write(sector: number, src: Uint8Array): Promise<void> {
    return this.track(this.inner.write(sector, src));
  }
  /** @inheritDoc */
  flush(): Promise<void> {
    return this.track(this.inner.flush());
  }
}

const hostTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** A booted Linux guest with SCSI disks, driven through its serial console shell. */
export class DiskGuest {
  /** The machine. */
  readonly pc: Pc;
  /** Its COM1. */
  readonly con = new GuestConsole();
  private seq = 0;
  private promptFrom = 0;

  /**
   * Build the PC with `scsi` adapters (not yet running).
   * @param guests the guest kernel and initramfs
   * @param scsi SCSI adapters and their disks
   */
  constructor(
    private readonly guests: Guests,
    scsi: readonly ScsiAdapterSpec[],
  ) {
    const tracked = scsi.map((a) => ({ ...a, disks: a.disks.map((d) => ({ id: d.id, backend: new TrackedDisk(d.backend) })) }));
    this.pc = createPc({ memoryMB: 128, serial: [this.con], startTime: START_TIME, scsi: tracked });
  }

  /**
   * Run the guest until its output after `from` matches `pattern`. Whenever
   * the guest has disk requests at the host, wait for them before running on.
   */
  async runUntil(pattern: RegExp, from: number, budget: number): Promise<RegExpExecArray> {
    const con = this.con;
    const machine = this.pc.machine;
    let m: RegExpExecArray | null = null;
    const check = (): boolean => {
      con.receiverReady();
      m = pattern.exec(con.text.slice(from));
      return m !== null || machine.poweredOff;
    };
    const stop = (): boolean => check() || TrackedDisk.inFlight > 0;
    let left = budget;
    let idle = 0;
    while (left > 0 && !check()) {
      for (let i = 0; TrackedDisk.inFlight > 0 && i < 1_000_000; i++) await hostTurn();
      const r = machine.runUntil({ instructions: Math.min(left, 2_000_000), until: stop, maxSlices: 64 });
      left -= r.retired;
      // a halted guest with no timer and no I/O would wait forever
      idle = r.retired === 0 && TrackedDisk.inFlight === 0 ? idle + 1 : 0;
      if (idle > 100_000) break;
      await hostTurn();
    }
    if (m === null) throw new Error(`guest output never matched ${pattern} (tail: ${JSON.stringify(con.text.slice(-600))})`);
    return m;
  }

  /** Boot to the shell prompt. */
  async boot(): Promise<void> {
    bootLinux(this.pc, this.guests.kernel, this.guests.initrd, 'console=ttyS0 quiet');
    await this.runUntil(/VM-GUEST-READY uptime=[\d.]+/, 0, BOOT_BUDGET);
    await this.runUntil(PROMPT, 0, STEP_BUDGET);
  }

  /** Run a shell command; returns its output (without the echoed command line) and exit status. */
  async sh(cmd: string, budget = STEP_BUDGET): Promise<{ out: string; status: number }> {
    // Type only at a fresh prompt, after busybox's cursor-position query (answered by the
    // console): input typed before the query would be eaten as its answer.
    await this.runUntil(PROMPT, this.promptFrom, budget);
    const tag = `VM-RC-${++this.seq}`;
    const from = this.con.text.length;
    this.con.type(`${cmd}; echo ${tag}=$?\n`);
    const m = await this.runUntil(new RegExp(`\\r?\\n${tag}=(\\d+)`), from, budget);
    const body = this.con.text.slice(from, from + m.index).split(/\r?\n/).slice(1).join('\n');
    this.promptFrom = from + m.index + m[0].length;
    return { out: body, status: Number(m[1]) };
  }

  /** Run a command that must succeed; returns its output. */
  async ok(cmd: string, budget = STEP_BUDGET): Promise<string> {
    const r = await this.sh(cmd, budget);
    if (r.status !== 0) throw new Error(`guest command failed (${r.status}): ${cmd}\n${r.out}`);
    return r.out;
  }

  /**
   * Load the SCSI drivers and return the guest's disks by adapter and target:
   * `"<driver>:<target>"` (driver `mptspi` or `BusLogic`) to `{ dev, sectors }`.
   */
  async scsiDisks(): Promise<Map<string, { dev: string; sectors: number }>> {
    await this.ok('modprobe mptspi && modprobe BusLogic && modprobe sd_mod && modprobe crc32c_generic && modprobe ext4 && sleep 2');
    const hosts = new Map<string, string>();
    for (const line of (await this.ok('for h in /sys/class/scsi_host/host*; do echo "${h##*/} $(cat $h/proc_name)"; done')).split(/\r?\n/)) {
      const [h, name] = line.trim().split(/\s+/);
      if (h && name) hosts.set(h.replace('host', ''), name);
    }
    const disks = new Map<string, { dev: string; sectors: number }>();
    const list = await this.ok('for b in /sys/block/sd*; do l=$(readlink $b/device); echo "${b##*/} ${l##*/} $(cat $b/size)"; done');
    for (const line of list.split(/\r?\n/)) {
      const m = /^(sd[a-z]+) (\d+):\d+:(\d+):\d+ (\d+)$/.exec(line.trim());
      if (m) disks.set(`${hosts.get(m[2]!)}:${m[3]}`, { dev: m[1]!, sectors: Number(m[4]) });
    }
    return disks;
  }

  /** `poweroff -f` and run until the machine is off. */
  async powerOff(): Promise<void> {
    await this.runUntil(PROMPT, this.promptFrom, STEP_BUDGET);
    this.con.type('poweroff -f\n');
    // ends at the match or at power-off, whichever comes first
    await this.runUntil(/VM-NEVER-PRINTED/, this.con.text.length, STEP_BUDGET).catch(() => undefined);
    if (!this.pc.machine.poweredOff) throw new Error('guest did not power off');
  }
}
