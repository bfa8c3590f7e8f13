import { describe, expect, it } from 'vitest';
import { le16, le32 } from '../bytes.js';
import { LoadFlags, SetupHeaderOffset as H } from '../linux/setup-header.js';
import { buildSyntheticBzImage, patternBytes } from '../test/index.js';
import { buildLinuxBootDisk } from './linux-boot-disk.js';
import { MBR_LOADER, MBR_LOADER_TABLE } from './mbr-loader.js';

const entry = (img: Uint8Array, i: number): [number, number, number] => {
  const at = MBR_LOADER_TABLE + i * 12;
  return [le32(img, at), le32(img, at + 4), le32(img, at + 8)];
};

describe('buildLinuxBootDisk', () => {
  const kernel = buildSyntheticBzImage({ setupSects: 30 });
  const initrd = patternBytes(100_000, 7);

  it('lays out MBR, command line, kernel and initrd, and tells the loader where each goes', () => {
    const { image, kernelLba, initrdLba } = buildLinuxBootDisk({ kernel, initrd, cmdline: 'console=ttyS0 quiet' });
    expect(image.subarray(0, MBR_LOADER.length)).toEqual(MBR_LOADER);
    expect([image[510], image[511]]).toEqual([0x55, 0xaa]);
    expect(new TextDecoder().decode(image.subarray(512, 512 + 19))).toBe('console=ttyS0 quiet');
    expect(image[512 + 19]).toBe(0);
    expect(kernelLba).toBe(2);
    const kSectors = Math.ceil(kernel.length / 512);
    expect(initrdLba).toBe(kernelLba + kSectors);
    expect(entry(image, 0)).toEqual([kernelLba, 31, 0x90000]);
    expect(entry(image, 1)).toEqual([1, 1, 0x9e000]);
    expect(entry(image, 2)).toEqual([kernelLba + 31, kSectors - 31, 0x100000]);
    expect(entry(image, 3)).toEqual([initrdLba, Math.ceil(initrd.length / 512), 0x4000000]);
    expect(entry(image, 4)[1]).toBe(0); // end of the table
    expect(image.subarray(initrdLba * 512, initrdLba * 512 + initrd.length)).toEqual(initrd);
    expect(image.length).toBe((initrdLba + Math.ceil(initrd.length / 512)) * 512);
  });

  it('fills in the boot loader fields of the setup header and keeps the rest of the kernel', () => {
    const { image, kernelLba } = buildLinuxBootDisk({ kernel, initrd, cmdline: 'x', initrdAddress: 0x2000000 });
    const k = kernelLba * 512;
    expect(image[k + H.typeOfLoader]).toBe(0xff);
    expect(image[k + H.loadflags]! & (LoadFlags.CanUseHeap | LoadFlags.LoadedHigh)).toBe(LoadFlags.CanUseHeap | LoadFlags.LoadedHigh);
    expect(le16(image, k + H.heapEndPtr)).toBe(0xde00);
    expect(le32(image, k + H.cmdLinePtr)).toBe(0x9e000);
    expect(le32(image, k + H.ramdiskImage)).toBe(0x2000000);
    expect(le32(image, k + H.ramdiskSize)).toBe(initrd.length);
    expect(image.subarray(k + 31 * 512, k + kernel.length)).toEqual(kernel.subarray(31 * 512));
  });

  it('describes the payload as one active partition', () => {
    const { image } = buildLinuxBootDisk({ kernel, initrd, cmdline: 'x', size: 8 * 1024 * 1024 });
    expect(image.length).toBe(8 * 1024 * 1024);
    expect(image[0x1be]).toBe(0x80);
    expect(image[0x1be + 4]).toBe(0xda);
    expect(le32(image, 0x1be + 8)).toBe(1);
    expect(le32(image, 0x1be + 12)).toBe(8 * 2048 - 1);
    for (let p = 1; p < 4; p++) expect(image[0x1be + p * 16 + 4]).toBe(0);
  });

  it('works without an initrd', () => {
    const { image, initrdLba } = buildLinuxBootDisk({ kernel, cmdline: 'console=ttyS0' });
    expect(initrdLba).toBe(0);
    expect(entry(image, 3)[1]).toBe(0);
    expect(le32(image, 2 * 512 + H.ramdiskSize)).toBe(0);
  });

  it('refuses what cannot boot, saying why', () => {
    expect(() => buildLinuxBootDisk({ kernel: new Uint8Array(4096), cmdline: '' })).toThrow(/HdrS/);
    expect(() => buildLinuxBootDisk({ kernel, cmdline: 'a'.repeat(5000) })).toThrow(/longer than the kernel accepts/);
    expect(() => buildLinuxBootDisk({ kernel, cmdline: 'caf\u00e9' })).toThrow(/ASCII/);
    expect(() => buildLinuxBootDisk({ kernel, initrd, cmdline: '', initrdAddress: 0x100000 })).toThrow(/overlaps the kernel/);
    expect(() => buildLinuxBootDisk({ kernel, initrd, cmdline: '', initrdAddress: 0x123 })).toThrow(/page-aligned/);
    expect(() => buildLinuxBootDisk({ kernel, initrd, cmdline: '', size: 4096 })).toThrow(/too small/);
    expect(() => buildLinuxBootDisk({ kernel, initrd, cmdline: '', size: 1_000_001 })).toThrow(/whole number of sectors/);
    const low = buildSyntheticBzImage({ initrdAddrMax: 0x3ffffff });
    expect(() => buildLinuxBootDisk({ kernel: low, initrd, cmdline: '' })).toThrow(/initrd_addr_max/);
  });
});
