// The disk bench: boots the Debian guest once with an LSI Logic 53C1030 and a
// BusLogic BT-958, each with a raw disk and a monolithicSparse VMDK, and times
// sequential O_DIRECT writes and reads with dd inside the guest (guest clock,
// /proc/uptime) and on the host's wall clock. The machine runs as `vm run` runs
// it: the host loop on a real-time clock. `pnpm bench -- disk [--mib=N]`.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bootLinux, createPc } from '@vm/machine';
import { findGuest, snapshotGuest } from '../boot/guest.js';
import { GuestShell } from './guest-shell.js';
import { formatDiskTable, type DiskResult } from './report.js';
import { createDisk } from '@vm/vdisk';
import type { VirtualDisk } from '@vm/vdisk';
import { NodeFileSystem } from '@vm/vdisk/node';

const MiB = 1024 * 1024;

function parseMib(argv: readonly string[]): number {
  const a = argv.find((x) => x.startsWith('--mib='));
  const n = a === undefined ? 32 : Number(a.slice(6));
  if (!Number.isInteger(n) || n < 1 || n > 64) throw new Error(`--mib must be 1..64, got ${a}`);
  return n;
}

async function main(): Promise<number> {
  const mib = parseMib(process.argv.slice(2));
  const found = findGuest(null);
  if (typeof found === 'string') {
    console.error(found);
    return 1;
  }
  const guest = snapshotGuest(found);
  const dir = mkdtempSync(join(tmpdir(), 'vm-bench-disk-'));
  const fs = new NodeFileSystem();
  const disks: VirtualDisk[] = [];
  const size = (mib + 8) * MiB;
  try {
    const layout = [
      { adapter: 'lsilogic', driver: 'mptspi', kind: 'raw' },
      { adapter: 'lsilogic', driver: 'mptspi', kind: 'vmdk' },
      { adapter: 'buslogic', driver: 'BusLogic', kind: 'raw' },
      { adapter: 'buslogic', driver: 'BusLogic', kind: 'vmdk' },
    ] as const;
    for (const d of layout) {
      const path = join(dir, `${d.adapter}-${d.kind}.${d.kind === 'raw' ? 'img' : 'vmdk'}`);
      disks.push(await createDisk(fs, path, d.kind === 'raw' ? { size, format: 'raw' } : { size, adapterType: d.adapter }));
    }
    const shell = new GuestShell();
    const pc = createPc({
      memoryMB: 256,
      serial: [shell],
      clock: { mode: 'realtime', hostNowMs: () => performance.now() },
      startTime: 1_764_000_000,
      scsi: [
        { virtualDev: 'lsilogic', disks: [{ id: 0, backend: disks[0]! }, { id: 1, backend: disks[1]! }] },
        { virtualDev: 'buslogic', disks: [{ id: 0, backend: disks[2]! }, { id: 1, backend: disks[3]! }] },
      ],
    });
    const t0 = Date.now();
    bootLinux(pc, readFileSync(guest.kernel), readFileSync(guest.initrd), 'console=ttyS0 quiet');
    shell.start(pc.machine);
    await shell.waitFor(/VM-GUEST-READY/);
    console.log(`booted in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    await shell.ok('modprobe mptspi && modprobe BusLogic && modprobe sd_mod && sleep 2');
    // "<dev> <host>:<target>" and the host numbers' drivers
    const hosts = new Map<string, string>();
    for (const l of (await shell.ok('for h in /sys/class/scsi_host/host*; do echo "${h##*/} $(cat $h/proc_name)"; done')).split(/\r?\n/)) {
      const [h, name] = l.trim().split(/\s+/);
      if (h && name) hosts.set(h.slice(4), name);
    }
    const devs = new Map<string, string>();
    for (const l of (await shell.ok('for b in /sys/block/sd*; do l=$(readlink $b/device); echo "${b##*/} ${l##*/}"; done')).split(/\r?\n/)) {
      const m = /^(sd[a-z]+) (\d+):\d+:(\d+):\d+$/.exec(l.trim());
      if (m) devs.set(`${hosts.get(m[2]!)}:${m[3]}`, m[1]!);
    }
    // the data written: random, so sparse VMDKs allocate every grain
    console.log(`disks: ${[...devs].map(([k, v]) => `${k}=${v}`).join(' ')}`);
    await shell.ok(`dd if=/dev/urandom of=/tmp/src bs=1M count=${mib} 2>/dev/null`);
    const results: DiskResult[] = [];
    for (const [i, d] of layout.entries()) {
      const dev = devs.get(`${d.driver}:${i % 2}`);
      if (dev === undefined) throw new Error(`no guest disk for ${d.driver} target ${i % 2} (have ${[...devs.keys()].join(', ')})`);
      const timed = async (cmd: string): Promise<{ guest: number; host: number }> => {
        await shell.ok('sync; echo 3 > /proc/sys/vm/drop_caches');
        const h0 = performance.now();
        const out = await shell.ok(`read a x < /proc/uptime; ${cmd} 2>/dev/null; read b x < /proc/uptime; echo "T $a $b"`);
        const host = (performance.now() - h0) / 1000;
        const m = /T ([\d.]+) ([\d.]+)/.exec(out);
        if (!m) throw new Error(`no timing in ${out}`);
        return { guest: Number(m[2]) - Number(m[1]), host };
      };
      const w = await timed(`dd if=/tmp/src of=/dev/${dev} bs=1M count=${mib} oflag=direct`);
      console.log(`${d.adapter} ${d.kind} (${dev}): write ${w.guest.toFixed(2)} s guest, ${w.host.toFixed(2)} s host`);
      const r = await timed(`dd if=/dev/${dev} of=/dev/null bs=1M count=${mib} iflag=direct`);
      console.log(`${d.adapter} ${d.kind} (${dev}): read ${r.guest.toFixed(2)} s guest, ${r.host.toFixed(2)} s host`);
      // the bytes read back are the bytes written
      const same = await shell.ok(`dd if=/dev/${dev} bs=1M count=${mib} iflag=direct 2>/dev/null | sha256sum; sha256sum < /tmp/src`);
      const sums = same.match(/[0-9a-f]{64}/g) ?? [];
      if (sums.length !== 2 || sums[0] !== sums[1]) throw new Error(`${d.adapter} ${d.kind}: read back differs from what was written`);
      results.push({ adapter: d.adapter, kind: d.kind, dev, mib, write: w, read: r });
    }
    console.log(`\nsequential ${mib} MiB, bs=1M, O_DIRECT (MB/s = MiB per second)\n`);
    console.log(formatDiskTable(results));
    await shell.halt();
    pc.machine.destroy();
    return 0;
  } finally {
    for (const d of disks) await d.close();
    rmSync(dir, { recursive: true, force: true });
    guest.dispose();
  }
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
