import { createHash } from 'node:crypto';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { commitRedo, createDisk, defaultRedoPath, discardRedo, openDisk } from '@vm/vdisk';
import type { VirtualDisk } from '@vm/vdisk';
import { NodeFileSystem } from '@vm/vdisk/node';
import { DiskGuest } from './disk-guest.js';
import { loadGuests } from './guests.js';

const guests = loadGuests();
if (typeof guests === 'string') console.warn(`disk persistence system test skipped: ${guests}`);
const hasQemuImg = spawnSync('qemu-img', ['--version']).status === 0;

const MiB = 1024 * 1024;
/** Wall-clock limit of each boot's test (minutes of a loaded 2-core host). */
const BOOT_TIMEOUT_MS = 90 * 60_000;
/** Size of every test disk. */
const DISK_BYTES = 16 * MiB;
const SECTORS = DISK_BYTES / 512;
/** Where the guest writes on the raw-mode disks (nonpersistent, undoable): 1 MiB at 1 MiB. */
const REGION = { offset: MiB, length: MiB };

const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
/** A recognisable, non-zero base image. */
const pattern = (n: number, salt: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (i * 7 + salt + (i >>> 9)) & 0xff);
/** What `seq 1 N | head -c L` prints. */
function seqBytes(length: number): Uint8Array {
  let s = '';
  for (let i = 1; s.length < length; i++) s += `${i}\n`;
  return Buffer.from(s.slice(0, length));
}

/** The files the guest puts on each filesystem, and the command that makes them. */
const FILES = ['seq.txt', 'rand.bin', 'dir/hello'];
const SEQ_TXT = seqBytes(588_895); // `seq 1 100000` in full

describe.skipIf(typeof guests === 'string')('virtual disks keep what a Linux guest wrote (LSI Logic and BusLogic)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vm-disk-persist-'));
  const fs = new NodeFileSystem();
  const p = (name: string): string => join(dir, name);
  const open: VirtualDisk[] = [];
  let guest: DiskGuest | null = null;
  /** Guest sha256sum output per filesystem disk, from the first boot. */
  const sums = new Map<string, string>();
  const base = { np: pattern(DISK_BYTES, 1), u1: pattern(DISK_BYTES, 2), u2: pattern(DISK_BYTES, 3) };
  /** The host-side checks judge what the first boot did: they fail (not pass vacuously) without it. */
  let firstBootDone = false;

  async function closeAll(): Promise<void> {
    guest?.pc.machine.destroy();
    guest = null;
    for (const d of open.splice(0)) await d.close();
  }

  afterAll(async () => {
    await closeAll();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Guest command: filesystem on `dev`, three files, their sha256, unmounted. */
  const makeFs = (dev: string, tag: string): string =>
    `mke2fs ${'/dev/' + dev} >/dev/null && mkdir -p /mnt/${tag} && mount -t ext4 /dev/${dev} /mnt/${tag} && ` +
    `seq 1 100000 > /mnt/${tag}/seq.txt && dd if=/dev/urandom of=/mnt/${tag}/rand.bin bs=64k count=8 2>/dev/null && ` +
    `mkdir /mnt/${tag}/dir && echo hello-${tag} > /mnt/${tag}/dir/hello && cd /mnt/${tag} && sha256sum ${FILES.join(' ')} && cd / && ` +
    `umount /mnt/${tag}`;
  const checkFs = (dev: string, tag: string): string =>
    `mkdir -p /mnt/${tag} && mount -t ext4 /dev/${dev} /mnt/${tag} && cd /mnt/${tag} && sha256sum ${FILES.join(' ')} && cd / && umount /mnt/${tag}`;

  it('first boot: every disk appears with its size; filesystems, raw writes and a dd copy of the VMDK device', async () => {
    if (typeof guests === 'string') return;
    open.push(await createDisk(fs, p('lsi-raw.img'), { size: DISK_BYTES, format: 'raw' }));
    open.push(await createDisk(fs, p('lsi.vmdk'), { size: DISK_BYTES, adapterType: 'lsilogic' }));
    open.push(await createDisk(fs, p('copy.img'), { size: DISK_BYTES, format: 'raw' }));
    writeFileSync(p('np.img'), base.np);
    writeFileSync(p('u1.img'), base.u1);
    writeFileSync(p('u2.img'), base.u2);
    open.push(await openDisk(fs, p('np.img'), { mode: 'nonpersistent', format: 'raw' }));
    open.push(await openDisk(fs, p('u1.img'), { mode: 'undoable', format: 'raw' }));
    open.push(await openDisk(fs, p('u2.img'), { mode: 'undoable', format: 'raw' }));
    open.push(await createDisk(fs, p('bl-raw.img'), { size: DISK_BYTES, format: 'raw' }));
    const [lsiRaw, lsiVmdk, copy, np, u1, u2, blRaw] = open;
    guest = new DiskGuest(guests, [
      {
        virtualDev: 'lsilogic',
        disks: [
          { id: 0, backend: lsiRaw! },
          { id: 1, backend: lsiVmdk! },
          { id: 2, backend: copy! },
          { id: 3, backend: np! },
          { id: 4, backend: u1! },
          { id: 5, backend: u2! },
        ],
      },
      { virtualDev: 'buslogic', disks: [{ id: 0, backend: blRaw! }] },
    ]);
    await guest.boot();
    const disks = await guest.scsiDisks();
    const want = ['mptspi:0', 'mptspi:1', 'mptspi:2', 'mptspi:3', 'mptspi:4', 'mptspi:5', 'BusLogic:0'];
    expect([...disks.keys()].sort()).toEqual(want.sort());
    for (const k of want) expect(disks.get(k)!.sectors, k).toBe(SECTORS);
    const dev = (k: string): string => disks.get(k)!.dev;

    // ext2 filesystems (mounted by ext4) on the raw and VMDK disks of the LSI adapter and on the BusLogic disk
    for (const [k, tag] of [['mptspi:0', 'lsiraw'], ['mptspi:1', 'lsivmdk'], ['BusLogic:0', 'blraw']] as const) {
      const out = await guest.ok(makeFs(dev(k), tag));
      const lines = out.split(/\r?\n/).filter((l) => /^[0-9a-f]{64} {2}/.test(l));
      expect(lines.length, out).toBe(FILES.length);
      // the guest's file holds what the host computes for the same command
      expect(lines[0]).toBe(`${sha(SEQ_TXT)}  seq.txt`);
      sums.set(tag, lines.join('\n'));
    }

    // the guest copies the VMDK's device onto the raw disk, as it reads it
    await guest.ok(`dd if=/dev/${dev('mptspi:1')} of=/dev/${dev('mptspi:2')} bs=256k conv=fsync 2>/dev/null && sync`);

    // nonpersistent: the guest sees its own write; undoable: the same bytes into two redo logs
    const region = `bs=64k seek=${REGION.offset / 65536} count=${REGION.length / 65536}`;
    const seqRegion = seqBytes(REGION.length);
    await guest.ok(`dd if=/dev/urandom of=/dev/${dev('mptspi:3')} ${region} conv=fsync 2>/dev/null`);
    const npBack = await guest.ok(`echo 3 > /proc/sys/vm/drop_caches; dd if=/dev/${dev('mptspi:3')} bs=64k skip=16 count=16 2>/dev/null | sha256sum`);
    expect(npBack).not.toContain(sha(base.np.subarray(REGION.offset, REGION.offset + REGION.length)));
    for (const k of ['mptspi:4', 'mptspi:5']) {
      await guest.ok(`seq 1 200000 | head -c ${REGION.length} | dd of=/dev/${dev(k)} ${region.replace(/count=\d+/, '')} conv=fsync 2>/dev/null`);
      const back = await guest.ok(`echo 3 > /proc/sys/vm/drop_caches; dd if=/dev/${dev(k)} bs=64k skip=16 count=16 2>/dev/null | sha256sum`);
      expect(back).toContain(sha(seqRegion));
    }
    await guest.ok('sync');
    await guest.powerOff();
    expect(guest.pc.machine.powerOffInfo?.code).toBe(0);
    await closeAll();
    firstBootDone = true;
  }, BOOT_TIMEOUT_MS);

  it('the nonpersistent disk is byte-identical to before the guest ran', () => {
    expect(firstBootDone).toBe(true);
    expect(sha(readFileSync(p('np.img')))).toBe(sha(base.np));
  });

  it("committing an undoable disk's redo log puts the guest's writes in the base", async () => {
    expect(firstBootDone).toBe(true);
    expect(existsSync(p('u1.img.REDO'))).toBe(true);
    expect(sha(readFileSync(p('u1.img')))).toBe(sha(base.u1)); // untouched until the commit
    await commitRedo(fs, p('u1.img'));
    expect(existsSync(defaultRedoPath(p('u1.img')))).toBe(false);
    const want = base.u1.slice();
    want.set(seqBytes(REGION.length), REGION.offset);
    expect(sha(readFileSync(p('u1.img')))).toBe(sha(want));
  });

  it("discarding an undoable disk's redo log leaves the base as it was", async () => {
    expect(firstBootDone).toBe(true);
    expect(existsSync(p('u2.img.REDO'))).toBe(true);
    await discardRedo(fs, p('u2.img'));
    expect(existsSync(p('u2.img.REDO'))).toBe(false);
    expect(sha(readFileSync(p('u2.img')))).toBe(sha(base.u2));
  });

  it.skipIf(!hasQemuImg)('qemu-img finds the VMDK clean and identical to the raw copy the guest made of it', () => {
    expect(firstBootDone).toBe(true);
    const check = spawnSync('qemu-img', ['check', p('lsi.vmdk')], { encoding: 'utf8' });
    expect(check.status, check.stdout + check.stderr).toBe(0);
    expect(check.stdout).toContain('No errors were found');
    const cmp = spawnSync('qemu-img', ['compare', '-f', 'vmdk', '-F', 'raw', p('lsi.vmdk'), p('copy.img')], { encoding: 'utf8' });
    expect(cmp.status, cmp.stdout + cmp.stderr).toBe(0);
    expect(cmp.stdout).toContain('Images are identical');
    // and the raw image qemu-img makes of the VMDK is the one the guest read
    execFileSync('qemu-img', ['convert', '-f', 'vmdk', '-O', 'raw', p('lsi.vmdk'), p('qemu.raw')]);
    expect(sha(readFileSync(p('qemu.raw')))).toBe(sha(readFileSync(p('copy.img'))));
  });

  it('second boot on the same files: every filesystem mounts and holds the same bytes', async () => {
    if (typeof guests === 'string') return;
    expect(firstBootDone).toBe(true);
    open.push(await openDisk(fs, p('lsi-raw.img'), { format: 'raw' }));
    open.push(await openDisk(fs, p('lsi.vmdk')));
    open.push(await openDisk(fs, p('bl-raw.img'), { format: 'raw' }));
    const [lsiRaw, lsiVmdk, blRaw] = open;
    guest = new DiskGuest(guests, [
      { virtualDev: 'lsilogic', disks: [{ id: 0, backend: lsiRaw! }, { id: 1, backend: lsiVmdk! }] },
      { virtualDev: 'buslogic', disks: [{ id: 0, backend: blRaw! }] },
    ]);
    await guest.boot();
    const disks = await guest.scsiDisks();
    for (const [k, tag] of [['mptspi:0', 'lsiraw'], ['mptspi:1', 'lsivmdk'], ['BusLogic:0', 'blraw']] as const) {
      const out = await guest.ok(checkFs(disks.get(k)!.dev, tag));
      const lines = out.split(/\r?\n/).filter((l) => /^[0-9a-f]{64} {2}/.test(l));
      expect(lines.join('\n'), tag).toBe(sums.get(tag));
    }
    await guest.powerOff();
    await closeAll();
    if (hasQemuImg) {
      const check = spawnSync('qemu-img', ['check', p('lsi.vmdk')], { encoding: 'utf8' });
      expect(check.status, check.stdout + check.stderr).toBe(0);
    }
  }, BOOT_TIMEOUT_MS);
});
