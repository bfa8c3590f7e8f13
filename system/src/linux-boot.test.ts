import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootLinux, createPc } from '@vm/machine';
import type { Pc } from '@vm/machine';
import { createDisk } from '@vm/vdisk';
import type { VirtualDisk } from '@vm/vdisk';
import { NodeFileSystem } from '@vm/vdisk/node';
import { GuestConsole } from './guest-console.js';
import { loadGuests } from './guests.js';

const guests = loadGuests();
if (typeof guests === 'string') console.warn(`linux system test skipped: ${guests}`);

/** The RTC's time at power-on (a fixed date, so runs are reproducible). */
const START_TIME = 1_764_000_000;
/** Most guest instructions one step may take before the test calls the guest hung. */
const BOOT_BUDGET = 12_000_000_000;
const STEP_BUDGET = 3_000_000_000;
/** Size of each test disk. */
const DISK_MIB = 64;

describe.skipIf(typeof guests === 'string')('Debian Linux on the pc machine', () => {
  let pc: Pc;
  const con = new GuestConsole();
  let seq = 0;

  const disks: VirtualDisk[] = [];
  let diskDir = '';

  /** Run a shell command in the guest; returns its output and exit status. */
  async function sh(cmd: string, budget = STEP_BUDGET): Promise<{ out: string; status: number }> {
    const tag = `VM-RC-${++seq}`;
    const from = con.text.length;
    con.type(`${cmd}; echo ${tag}=$?\n`);
    const m = await con.runUntil(pc.machine, new RegExp(`\\r?\\n${tag}=(\\d+)`), from, budget);
    const all = con.text.slice(from);
    // drop the echoed command line
    const body = all.slice(0, m.index).split(/\r?\n/).slice(1).join('\n');
    return { out: body, status: Number(m[1]) };
  }

  beforeAll(async () => {
    if (typeof guests === 'string') return;
    // One boot serves every check: a raw disk on an LSI Logic adapter and a sparse VMDK on a BusLogic one.
    diskDir = mkdtempSync(join(tmpdir(), 'vm-systest-'));
    const fs = new NodeFileSystem();
    disks.push(await createDisk(fs, join(diskDir, 'lsi.img'), { size: DISK_MIB * 1024 * 1024, format: 'raw' }));
    disks.push(await createDisk(fs, join(diskDir, 'buslogic.vmdk'), { size: DISK_MIB * 1024 * 1024, adapterType: 'buslogic' }));
    pc = createPc({
      memoryMB: 128,
      serial: [con],
      startTime: START_TIME,
      scsi: [
        { virtualDev: 'lsilogic', disks: [{ id: 0, backend: disks[0]! }] },
        { virtualDev: 'buslogic', disks: [{ id: 0, backend: disks[1]! }] },
      ],
    });
    bootLinux(pc, guests.kernel, guests.initrd, 'console=ttyS0 quiet');
    await con.runUntil(pc.machine, /VM-GUEST-READY uptime=[\d.]+/, 0, BOOT_BUDGET);
    await con.runUntil(pc.machine, /vmguest# /, 0, STEP_BUDGET);
  });

  afterAll(async () => {
    pc?.machine.destroy();
    for (const d of disks) await d.close();
    if (diskDir) rmSync(diskDir, { recursive: true, force: true });
  });

  it('boots to the busybox shell prompt', () => {
    expect(con.text).toContain('vm guest: interactive shell');
  });

  it('uname -r names the Debian kernel', async () => {
    if (typeof guests === 'string') return;
    const r = await sh('uname -r');
    expect(r.status).toBe(0);
    expect(r.out.trim()).toBe(guests.release);
  });

  it("/proc/cpuinfo shows our CPU's features", async () => {
    const r = await sh('grep -m1 ^flags /proc/cpuinfo; grep -m1 ^vendor_id /proc/cpuinfo');
    const flags = r.out.split(/\s+/);
    for (const f of ['fpu', 'tsc', 'cx8', 'sep', 'cmov', 'mmx', 'fxsr', 'sse', 'sse2']) expect(flags).toContain(f);
    expect(r.out).toContain('GenuineIntel');
  });

  it('sha256sum of a guest-generated file equals the host hash of the same bytes', async () => {
    const r = await sh('seq 1 20000 > /tmp/f && sha256sum /tmp/f');
    const hostBytes = Array.from({ length: 20000 }, (_, i) => `${i + 1}\n`).join('');
    const want = createHash('sha256').update(hostBytes).digest('hex');
    expect(r.out).toContain(`${want}  /tmp/f`);
  });

  it('date advances with virtual time', async () => {
    const r = await sh('date +%s; sleep 1; date +%s');
    const [a, b] = r.out.trim().split(/\s+/).map(Number);
    expect(a).toBeGreaterThanOrEqual(START_TIME);
    expect(b! - a!).toBeGreaterThanOrEqual(1);
    expect(b! - a!).toBeLessThanOrEqual(2);
  });

  it('sleep 2 takes two seconds of virtual time', async () => {
    const t0 = pc.machine.clock.now();
    await sh('sleep 2');
    const dt = (pc.machine.clock.now() - t0) / 1e9;
    expect(dt).toBeGreaterThanOrEqual(2);
    expect(dt).toBeLessThan(2.5);
  });

  it('Linux sees the LSI Logic (mptspi) and BusLogic disks with the right size', async () => {
    const r = await sh('modprobe mptspi && modprobe BusLogic && modprobe sd_mod && sleep 2 && cat /proc/partitions');
    expect(r.status).toBe(0);
    const sizes = [...r.out.matchAll(/^\s*8\s+(\d+)\s+(\d+)\s+(sd[a-z])$/gm)].map((m) => [m[3], Number(m[2])]);
    expect(sizes).toEqual([
      ['sda', DISK_MIB * 1024],
      ['sdb', DISK_MIB * 1024],
    ]);
  });

  it('an ext2 file system on each disk keeps a file across unmount and cache drop', async () => {
    const data = Array.from({ length: 30000 }, (_, i) => `${i + 1}\n`).join('');
    const want = createHash('sha256').update(data).digest('hex');
    for (const dev of ['sda', 'sdb']) {
      const w = await sh(`mke2fs -q /dev/${dev} && mkdir -p /mnt && mount /dev/${dev} /mnt && seq 1 30000 > /mnt/f && sync && umount /mnt`);
      expect(w.status, w.out).toBe(0);
      const r = await sh(`echo 3 > /proc/sys/vm/drop_caches; mount /dev/${dev} /mnt && sha256sum /mnt/f && umount /mnt`);
      expect(r.status, r.out).toBe(0);
      expect(r.out).toContain(`${want}  /mnt/f`);
    }
  });

  it('poweroff -f powers the machine off with exit code 0', async () => {
    con.type('poweroff -f\n');
    // ends at the match or at power-off, whichever comes first
    await con.runUntil(pc.machine, /VM-NEVER-PRINTED/, con.text.length, STEP_BUDGET).catch(() => undefined);
    expect(pc.machine.poweredOff).toBe(true);
    expect(pc.machine.powerOffInfo?.code).toBe(0);
  });
});
