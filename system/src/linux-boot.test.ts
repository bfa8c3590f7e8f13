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
import { ManualClock } from '@vm/bus/test';
import { VmnetRegistry } from '@vm/vmnet';
import { ScriptedNic } from '@vm/vmnet/test';
import { GuestConsole } from './guest-console.js';
import { loadGuests } from './guests.js';

const guests = loadGuests();
if (typeof guests === 'string') console.warn(`linux system test skipped: ${guests}`);

/** The RTC's time at power-on (a fixed date, so runs are reproducible). */
const START_TIME = 1_764_000_000;
/** Most guest instructions one step may take before the test calls the guest hung. */
const BOOT_BUDGET = 12_000_000_000;
const STEP_BUDGET = 3_000_000_000;
/** busybox's prompt, followed by its cursor-position query (ESC [ 6 n). */
const PROMPT = /vmguest# \x1b\[6n/;
/** Size of each test disk. */
const DISK_MIB = 64;
/** The guest's PCnet (eth0) and e1000 (eth1) addresses, and the host peer's. */
const NIC_MACS = ['00:50:56:01:00:01', '00:50:56:01:00:02'] as const;
const PEER_MAC = '00:50:56:01:00:99';
const macBytes = (mac: string): Uint8Array => Uint8Array.from(mac.split(':').map((h) => parseInt(h, 16)));


describe.skipIf(typeof guests === 'string')('Debian Linux on the pc machine', () => {
  let pc: Pc;
  const con = new GuestConsole();
  let seq = 0;
  /** Where to look for the next prompt. */
  let promptFrom = 0;

  const disks: VirtualDisk[] = [];
  let diskDir = '';
  /** A host endpoint on the guest's VMnet that records what the guest's NICs send. */
  let peer: ScriptedNic;

  /** Run a shell command in the guest; returns its output and exit status. */
  async function sh(cmd: string, budget = STEP_BUDGET): Promise<{ out: string; status: number }> {
    // Type only at a fresh prompt, after busybox's cursor-position query (answered by the
    // console): input typed before the query would be eaten as its answer.
    await con.runUntil(pc.machine, PROMPT, promptFrom, budget);
    const tag = `VM-RC-${++seq}`;
    const from = con.text.length;
    con.type(`${cmd}; echo ${tag}=$?\n`);
    const m = await con.runUntil(pc.machine, new RegExp(`\\r?\\n${tag}=(\\d+)`), from, budget);
    const all = con.text.slice(from);
    // drop the echoed command line
    const body = all.slice(0, m.index).split(/\r?\n/).slice(1).join('\n');
    promptFrom = from + m.index + m[0].length;
    return { out: body, status: Number(m[1]) };
  }

  beforeAll(async () => {
    if (typeof guests === 'string') return;
    // One boot serves every check: a raw disk and a sparse VMDK on an LSI Logic adapter.
    diskDir = mkdtempSync(join(tmpdir(), 'vm-systest-'));
    const fs = new NodeFileSystem();
    disks.push(await createDisk(fs, join(diskDir, 'lsi.img'), { size: DISK_MIB * 1024 * 1024, format: 'raw' }));
    disks.push(await createDisk(fs, join(diskDir, 'lsi.vmdk'), { size: DISK_MIB * 1024 * 1024, adapterType: 'lsilogic' }));
    // the switch's MAC aging runs on its own clock here (it never ages out during the test)
    const switchTime = new ManualClock();
    const nets = new VmnetRegistry({ clock: switchTime, timers: switchTime });
    const vmnet = nets.create('vmnet0');
    peer = new ScriptedNic(vmnet.createPort({ name: 'peer', mac: PEER_MAC }));
    pc = createPc({
      memoryMB: 128,
      serial: [con],
      startTime: START_TIME,
      nics: [
        { virtualDev: 'vlance', backend: vmnet.createPort({ name: 'eth0', mac: NIC_MACS[0] }), mac: macBytes(NIC_MACS[0]) },
        { virtualDev: 'e1000', backend: vmnet.createPort({ name: 'eth1', mac: NIC_MACS[1] }), mac: macBytes(NIC_MACS[1]) },
      ],
      scsi: [
        {
          virtualDev: 'lsilogic',
          disks: [
            { id: 0, backend: disks[0]! },
            { id: 1, backend: disks[1]! },
          ],
        },
      ],
    });
    bootLinux(pc, guests.kernel, guests.initrd, 'console=ttyS0 quiet');
    await con.runUntil(pc.machine, /VM-GUEST-READY uptime=[\d.]+/, 0, BOOT_BUDGET);
    await con.runUntil(pc.machine, PROMPT, 0, STEP_BUDGET);
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

  it('Linux (mptspi) sees the raw and VMDK disks on the LSI Logic adapter with the right size', async () => {
    const r = await sh('modprobe mptspi && modprobe sd_mod && sleep 2 && cat /proc/partitions');
    expect(r.status, r.out).toBe(0);
    const sizes = [...r.out.matchAll(/^\s*8\s+(\d+)\s+(\d+)\s+(sd[a-z])$/gm)].map((m) => [m[3], Number(m[2])]);
    expect(sizes).toEqual([
      ['sda', DISK_MIB * 1024],
      ['sdb', DISK_MIB * 1024],
    ]);
  });

  it('blocks written through the adapter reach each disk file and read back after a cache drop', async () => {
    // 256 KiB of `seq` output at 1 MiB into each disk, synced, then read back from the device
    const data = Buffer.from(Array.from({ length: 60_000 }, (_, i) => `${i + 1}\n`).join('').slice(0, 1 << 18));
    const want = createHash('sha256').update(data).digest('hex');
    for (const [i, dev] of ['sda', 'sdb'].entries()) {
      const w = await sh(`seq 1 60000 | head -c 262144 > /tmp/blk && dd if=/tmp/blk of=/dev/${dev} bs=64k seek=16 conv=fsync 2>/dev/null && sync`);
      expect(w.status, w.out).toBe(0);
      const r = await sh(`echo 3 > /proc/sys/vm/drop_caches; dd if=/dev/${dev} bs=64k skip=16 count=4 2>/dev/null | sha256sum`);
      expect(r.status, r.out).toBe(0);
      expect(r.out).toContain(want);
      // the host reads the same bytes from the disk file (raw) or through the VMDK grain tables
      const back = new Uint8Array(data.length);
      await disks[i]!.read((1 << 20) / 512, back);
      expect(createHash('sha256').update(back).digest('hex')).toBe(want);
    }
  });

  it('pcnet32 and e1000 bind to the NICs and move frames through the VMnet', async () => {
    const r = await sh(
      'modprobe pcnet32 && modprobe e1000 && sleep 1 && cat /sys/class/net/eth0/address /sys/class/net/eth1/address && ' +
        'ip addr add 10.9.0.1/24 dev eth0 && ip link set eth0 up && ip link set eth1 up && sleep 2 && ' +
        'ping -c 2 -W 1 10.9.0.2; cat /sys/class/net/eth0/statistics/tx_packets /sys/class/net/eth1/statistics/rx_packets',
    );
    const lines = r.out.trim().split(/\r?\n/);
    expect(lines).toContain(NIC_MACS[0]);
    expect(lines).toContain(NIC_MACS[1]);
    // eth0 (PCnet) sent ARP requests for 10.9.0.2: the host peer saw them, and eth1 (e1000) received the flood
    const arps = peer.received.filter((f) => f[12] === 0x08 && f[13] === 0x06);
    expect(arps.length).toBeGreaterThan(0);
    const [tx, rx] = lines.slice(-2).map(Number);
    expect(tx).toBeGreaterThan(0);
    expect(rx).toBeGreaterThan(0);
  });

  it('poweroff -f powers the machine off with exit code 0', async () => {
    await con.runUntil(pc.machine, PROMPT, promptFrom, STEP_BUDGET);
    con.type('poweroff -f\n');
    // ends at the match or at power-off, whichever comes first
    await con.runUntil(pc.machine, /VM-NEVER-PRINTED/, con.text.length, STEP_BUDGET).catch(() => undefined);
    expect(pc.machine.poweredOff).toBe(true);
    expect(pc.machine.powerOffInfo?.code).toBe(0);
  });
});
