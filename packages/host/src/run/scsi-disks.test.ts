import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadVmxConfig } from '@vm/machine';
import { createDisk, openDisk, VirtualDisk } from '@vm/vdisk';
import type { FileLike, FileSystemLike, OpenMode } from '@vm/vdisk';
import { NodeFileSystem } from '@vm/vdisk/node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseRunArgs } from '../cli/run-args.js';
import { diskModeFor, openCommandLineDisks, openVmxDisks } from './scsi-disks.js';
import { closePrepared, prepareFromVmx, runVm } from './run-vm.js';

/** The Node file system, counting files open right now (to prove every disk is closed). */
class CountingFileSystem implements FileSystemLike {
  readonly inner = new NodeFileSystem();
  openFiles = 0;
  readonly opened: string[] = [];
  private track(f: FileLike, path: string): FileLike {
    this.openFiles++;
    this.opened.push(path);
    const close = f.close.bind(f);
    f.close = async () => {
      this.openFiles--;
      await close();
    };
    return f;
  }
  async open(path: string, mode: OpenMode): Promise<FileLike> {
    return this.track(await this.inner.open(path, mode), path);
  }
  async create(path: string): Promise<FileLike> {
    return this.track(await this.inner.create(path), path);
  }
  exists(path: string): Promise<boolean> {
    return this.inner.exists(path);
  }
  remove(path: string): Promise<void> {
    return this.inner.remove(path);
  }
}
const countingFs = (): CountingFileSystem => new CountingFileSystem();

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vm-scsi-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const node = new NodeFileSystem();
async function makeDisk(name: string, fill: number, format: 'raw' | 'vmdk' = 'vmdk'): Promise<string> {
  const path = join(dir, name);
  const d = await createDisk(node, path, { size: 2 ** 20, format });
  await d.write(0, new Uint8Array(512).fill(fill));
  await d.close();
  return path;
}
async function sector0(path: string, mode: 'persistent' | 'undoable' = 'persistent'): Promise<number> {
  const d = await openDisk(node, path, { mode, readOnly: mode === 'persistent' });
  const b = new Uint8Array(512);
  await d.read(0, b);
  await d.close();
  return b[0]!;
}

const TWO_ADAPTERS = `config.version = "6"
virtualHW.version = "3"
memsize = "32"
displayName = "scsi test"
scsi0.present = "TRUE"
scsi0.virtualDev = "vmxlsilogic"
scsi0:0.present = "TRUE"
scsi0:0.fileName = "disks/system.vmdk"
scsi0:3.present = "TRUE"
scsi0:3.fileName = "scratch.img"
scsi0:3.mode = "nonpersistent"
scsi0:2.present = "FALSE"
scsi0:2.fileName = "absent.vmdk"
scsi1.present = "TRUE"
scsi1.virtualDev = "buslogic"
scsi1:1.present = "TRUE"
scsi1:1.fileName = "data.vmdk"
scsi1:1.mode = "undoable"
scsi1:4.present = "TRUE"
scsi1:4.deviceType = "cdrom-image"
scsi1:4.fileName = "debian.iso"
scsi2.present = "FALSE"
scsi2:0.present = "TRUE"
scsi2:0.fileName = "unused.vmdk"
`;

describe('openVmxDisks', () => {
  it('wires two adapters with their modes into the pc preset and closes every disk', async () => {
    await mkdir(join(dir, 'disks'));
    const system = await makeDisk('disks/system.vmdk', 0x11);
    const scratch = await makeDisk('scratch.img', 0x22, 'raw');
    const data = await makeDisk('data.vmdk', 0x33);
    const fs = countingFs();
    const warnings: string[] = [];
    const att = await openVmxDisks(loadVmxConfig(TWO_ADAPTERS), dir, fs, (m) => warnings.push(m));
    expect(att.scsi.map((a) => [a.virtualDev, a.disks.map((d) => d.id)])).toEqual([
      ['lsilogic', [0, 3]],
      ['buslogic', [1]],
    ]);
    const backends = att.scsi.flatMap((a) => a.disks.map((d) => d.backend as VirtualDisk));
    expect(backends.every((b) => b instanceof VirtualDisk)).toBe(true);
    expect(backends.map((b) => b.mode)).toEqual(['persistent', 'nonpersistent', 'undoable']);
    expect(att.disks).toEqual(backends);
    expect(warnings).toEqual(['scsi1:4: cdrom-image is not emulated yet; skipped']);
    expect(fs.opened.some((p) => p.endsWith('unused.vmdk') || p.endsWith('absent.vmdk'))).toBe(false);
    // The undoable disk's redo log sits next to the disk.
    expect(await node.exists(`${data}.REDO`)).toBe(true);
    expect(fs.openFiles).toBeGreaterThan(0);

    for (const b of backends) await b.write(0, new Uint8Array(512).fill(0x99));
    await att.close();
    expect(fs.openFiles).toBe(0);
    await att.close(); // twice is harmless
    // persistent: written through; nonpersistent: thrown away; undoable: in the redo log only.
    expect(await sector0(system)).toBe(0x99);
    expect(await sector0(scratch)).toBe(0x22);
    expect(await sector0(data)).toBe(0x33);
    expect(await sector0(data, 'undoable')).toBe(0x99);
  });

  it('names the .vmx entry and closes the disks already open when one fails', async () => {
    await mkdir(join(dir, 'disks'));
    await makeDisk('disks/system.vmdk', 1);
    await makeDisk('scratch.img', 2, 'raw');
    await writeFile(join(dir, 'data.vmdk'), 'KDMV is not enough');
    const fs = countingFs();
    const err = await openVmxDisks(loadVmxConfig(TWO_ADAPTERS), dir, fs, () => undefined).catch((e: unknown) => e);
    expect(String(err)).toMatch(/scsi1:1 \(.*data\.vmdk\): /);
    expect(fs.openFiles).toBe(0);
    const missing = await openVmxDisks(loadVmxConfig('scsi0.present = "TRUE"\nscsi0:0.present = "TRUE"\nscsi0:0.fileName = "nope.vmdk"\n'), dir, fs, () => undefined).catch(
      (e: unknown) => e,
    );
    expect(String(missing)).toMatch(/scsi0:0 \(.*nope\.vmdk\): no such file/);
  });

  it('maps every .vmx disk mode', () => {
    expect(diskModeFor('persistent')).toBe('persistent');
    expect(diskModeFor('independent-persistent')).toBe('persistent');
    expect(diskModeFor('nonpersistent')).toBe('nonpersistent');
    expect(diskModeFor('independent-nonpersistent')).toBe('nonpersistent');
    expect(diskModeFor('undoable')).toBe('undoable');
    expect(diskModeFor('append')).toBe('undoable');
  });
});

describe('openCommandLineDisks', () => {
  it('puts --disk images on an LSI Logic scsi0 at ids 0.. skipping 7', async () => {
    const paths = await Promise.all(Array.from({ length: 9 }, (_, i) => makeDisk(`d${i}.vmdk`, i)));
    const fs = countingFs();
    const att = await openCommandLineDisks(paths, fs);
    expect(att.scsi).toHaveLength(1);
    expect(att.scsi[0]!.virtualDev).toBe('lsilogic');
    expect(att.scsi[0]!.disks.map((d) => d.id)).toEqual([0, 1, 2, 3, 4, 5, 6, 8, 9]);
    await att.close();
    expect(fs.openFiles).toBe(0);
    expect((await openCommandLineDisks([], fs)).scsi).toEqual([]);
  });
});

/** A 64 KiB firmware image whose reset vector jumps to `cli; hlt`: the machine goes idle at once. */
function haltRom(): Uint8Array {
  const rom = new Uint8Array(0x10000).fill(0xff);
  rom.set([0xfa, 0xf4], 0xe000); // F000:E000
  rom.set([0xea, 0x00, 0xe0, 0x00, 0xf0], 0xfff0); // jmp far F000:E000
  return rom;
}

describe('runVm with disks', () => {
  it('runs a .vmx with SCSI disks on both adapter kinds and closes them when the run ends', async () => {
    await mkdir(join(dir, 'disks'));
    const system = await makeDisk('disks/system.vmdk', 1);
    await makeDisk('scratch.img', 2, 'raw');
    const data = await makeDisk('data.vmdk', 3);
    await writeFile(join(dir, 'halt.rom'), haltRom());
    await writeFile(join(dir, 'm.vmx'), `${TWO_ADAPTERS}bios440.filename = "halt.rom"\n`);
    const fs = countingFs();
    const warnings: string[] = [];
    const o = parseRunArgs([join(dir, 'm.vmx'), '--serial', 'none', '--clock', 'deterministic', '--time-limit', '1']);
    const outcome = await runVm(o, { fs, warn: (m) => warnings.push(m) });
    // cli; hlt with the timers still armed: the run ends idle or at the time limit, and either way closes the disks.
    expect(['idle', 'time-limit']).toContain(outcome.reason);
    expect(fs.opened.some((p) => p === system)).toBe(true);
    expect(fs.opened.some((p) => p === `${data}.REDO`)).toBe(true);
    expect(fs.openFiles).toBe(0);
    expect(warnings).toContain('scsi1:4: cdrom-image is not emulated yet; skipped');
  });

  it('puts scsi0 (LSI Logic 53C1030) and scsi1 (BusLogic BT-958) on the PCI bus where VMware does', async () => {
    await mkdir(join(dir, 'disks'));
    await makeDisk('disks/system.vmdk', 1);
    await makeDisk('scratch.img', 2, 'raw');
    await makeDisk('data.vmdk', 3);
    await writeFile(join(dir, 'halt.rom'), haltRom());
    await writeFile(join(dir, 'm.vmx'), `${TWO_ADAPTERS}bios440.filename = "halt.rom"\n`);
    const fs = countingFs();
    const o = parseRunArgs([join(dir, 'm.vmx'), '--serial', 'none']);
    const p = await prepareFromVmx(join(dir, 'm.vmx'), o, () => undefined, { fs, warn: () => undefined });
    // Vendor:device at 00:10.0 and 00:11.0 (PCI config offset 0).
    expect(p.pc.pci.configRead(16, 0, 0, 4)).toBe(0x00301000);
    expect(p.pc.pci.configRead(17, 0, 0, 2)).toBe(0x104b);
    expect(p.pc.pci.configRead(18, 0, 0, 2)).toBe(0xffff);
    expect(p.disks.disks).toHaveLength(3);
    // The preset gets the disks themselves: the machine wakes its own run loop on their interrupts.
    expect(p.pc.machine.devices.some((d) => d.name === 'scsi0')).toBe(true);
    await closePrepared(p);
    expect(fs.openFiles).toBe(0);
  });

  it('closes --disk images when preparing the machine fails', async () => {
    const d = await makeDisk('a.vmdk', 1);
    const fs = countingFs();
    const o = parseRunArgs(['--bios', join(dir, 'missing.rom'), '--disk', d, '--serial', 'none']);
    await expect(runVm(o, { fs })).rejects.toThrow(/cannot read firmware/);
    expect(fs.opened).toContain(d);
    expect(fs.openFiles).toBe(0);
  });

  it('reports a --disk that is not a disk with the disk named', async () => {
    await writeFile(join(dir, 'bad.vmdk'), new Uint8Array(100));
    const o = parseRunArgs(['--bios', join(dir, 'x.rom'), '--disk', join(dir, 'bad.vmdk'), '--serial', 'none']);
    await expect(runVm(o, { fs: countingFs() })).rejects.toThrow(/--disk scsi0:0 \(.*bad\.vmdk\)/);
  });
});
