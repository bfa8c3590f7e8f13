import { describe, expect, it } from 'vitest';
import { RamDmaSpace } from '@vm/bus/test';
import { le16, le32 } from '../bytes.js';
import { FirmwareError } from '../errors.js';
import { buildSyntheticBzImage, patternBytes } from '../test/index.js';
import { E820Type } from '../tables/e820.js';
import { BootParamsOffset as B } from './boot-params.js';
import { LinuxBootLayout, loadLinux } from './linux-loader.js';
import { parseSetupHeader, SetupHeaderOffset as H } from './setup-header.js';

const MiB = 1024 * 1024;

describe('parseSetupHeader', () => {
  it('reads the fields of a 2.15 header', () => {
    const img = buildSyntheticBzImage({ setupSects: 30, cmdlineSize: 4095, initSize: 0x1234000 });
    const h = parseSetupHeader(img);
    expect(h.version).toBe(0x020f);
    expect(h.setupSects).toBe(30);
    expect(h.protectedModeOffset).toBe(31 * 512);
    expect(h.protectedModeSize).toBe(8192);
    expect(h.cmdlineSize).toBe(4095);
    expect(h.initrdAddrMax).toBe(0x7fffffff);
    expect(h.kernelAlignment).toBe(0x2000);
    expect(h.relocatable).toBe(true);
    expect(h.code32Start).toBe(0x100000);
    expect(h.prefAddress).toBe(0x1000000);
    expect(h.initSize).toBe(0x1234000);
    expect(h.headerEnd).toBe(0x26c);
    expect(h.kernelVersion).toBe('6.1.0-test (synthetic)');
  });

  it('treats setup_sects 0 as 4', () => {
    expect(parseSetupHeader(buildSyntheticBzImage({ setupSects: 0 })).protectedModeOffset).toBe(5 * 512);
  });

  it('uses the protocol defaults for fields an old header lacks', () => {
    const h = parseSetupHeader(buildSyntheticBzImage({ version: 0x0204, cmdlineSize: 9999 }));
    expect(h.cmdlineSize).toBe(255);
    expect(h.relocatable).toBe(false);
    expect(h.initSize).toBe(0);
  });

  it('rejects a file that is not a bzImage', () => {
    const elf = new Uint8Array(4096);
    elf.set([0x7f, 0x45, 0x4c, 0x46]);
    expect(() => parseSetupHeader(elf)).toThrow(/no "HdrS" magic/);
    expect(() => parseSetupHeader(new Uint8Array(100))).toThrow(/only 100 bytes/);
    const noFlag = buildSyntheticBzImage();
    noFlag[0x1fe] = 0;
    expect(() => parseSetupHeader(noFlag)).toThrow(/0xAA55/);
  });

  it('rejects protocols older than 2.03 and zImages with a clear message', () => {
    const old = buildSyntheticBzImage({ version: 0x0202 });
    expect(() => parseSetupHeader(old)).toThrow(/2\.02 is too old/);
    try {
      parseSetupHeader(old);
    } catch (e) {
      expect(e).toBeInstanceOf(FirmwareError);
      expect((e as FirmwareError).kind).toBe('unsupported');
    }
    expect(() => parseSetupHeader(buildSyntheticBzImage({ loadflags: 0 }))).toThrow(/zImage/);
  });

  it('rejects a header whose setup sectors run past the file', () => {
    const img = buildSyntheticBzImage().subarray(0, 5 * 512);
    expect(() => parseSetupHeader(img)).toThrow(/truncated/);
  });
});

describe('loadLinux', () => {
  const ram = 64 * MiB;

  it('loads kernel, initrd and command line and fills boot_params', () => {
    const mem = new RamDmaSpace(ram);
    const payload = patternBytes(20000, 7);
    const kernel = buildSyntheticBzImage({ payload });
    const initrd = patternBytes(300000, 9);
    const r = loadLinux(mem, { kernel, initrd, cmdline: 'console=ttyS0 quiet', ramSize: ram, acpiRsdp: 0xf0010 });

    expect(mem.bytes.subarray(0x100000, 0x100000 + payload.length)).toEqual(payload);
    // initrd: page aligned, as high as possible below the end of RAM
    expect(r.initrd).not.toBeNull();
    const ib = r.initrd!.base;
    expect(ib % 4096).toBe(0);
    expect(ib + initrd.length).toBeLessThanOrEqual(ram);
    expect(ib + initrd.length).toBeGreaterThan(ram - 4096);
    expect(mem.bytes.subarray(ib, ib + initrd.length)).toEqual(initrd);
    // command line, NUL terminated
    const cl = LinuxBootLayout.cmdline;
    expect(new TextDecoder().decode(mem.bytes.subarray(cl, cl + 19))).toBe('console=ttyS0 quiet');
    expect(mem.bytes[cl + 19]).toBe(0);

    const zp = mem.bytes.subarray(r.zeroPage, r.zeroPage + 4096);
    expect(le32(zp, H.header)).toBe(0x53726448); // header copied
    expect(zp[H.typeOfLoader]).toBe(0xff);
    expect(zp[H.loadflags]! & 0x81).toBe(0x81); // LOADED_HIGH | CAN_USE_HEAP
    expect(le16(zp, H.heapEndPtr)).toBe(0xfe00);
    expect(le32(zp, H.cmdLinePtr)).toBe(cl);
    expect(le32(zp, H.ramdiskImage)).toBe(ib);
    expect(le32(zp, H.ramdiskSize)).toBe(initrd.length);
    expect(le32(zp, H.code32Start)).toBe(0x100000);
    expect(le16(zp, H.vidMode)).toBe(0xffff);
    expect(zp[B.sentinel]).toBe(0);
    expect(le32(zp, B.acpiRsdpAddr)).toBe(0xf0010);
    expect(zp[B.origVideoIsVga]).toBe(1);
    expect(zp[B.origVideoCols]).toBe(80);
    expect(zp[B.origVideoLines]).toBe(25);
    expect(le32(zp, B.altMemK)).toBe((ram - MiB) / 1024);
    expect(le16(zp, B.extMemK)).toBe(0xfc00);
    // e820 in boot_params
    const n = zp[B.e820Entries]!;
    expect(n).toBe(r.e820.length);
    const ramEntries = [];
    for (let i = 0; i < n; i++) {
      const at = B.e820Table + i * 20;
      if (le32(zp, at + 16) === E820Type.Ram) ramEntries.push([le32(zp, at), le32(zp, at + 8)]);
    }
    expect(ramEntries).toEqual([
      [0, 0x9fc00],
      [MiB, ram - MiB],
    ]);
  });

  it('returns the 32-bit boot protocol entry state', () => {
    const mem = new RamDmaSpace(ram);
    const r = loadLinux(mem, { kernel: buildSyntheticBzImage(), ramSize: ram });
    const e = r.entry;
    expect(e.mode).toBe('protected32');
    expect(e.eip).toBe(0x100000);
    expect(e.esi).toBe(r.zeroPage);
    expect([e.ebx, e.ebp, e.edi]).toEqual([0, 0, 0]);
    expect(e.eflags & 0x200).toBe(0); // IF clear
    expect(e.cr0 & 0x80000001).toBe(1); // PE, no PG
    expect(e.cs.selector).toBe(0x10);
    for (const s of [e.ds, e.es, e.ss]) expect(s.selector).toBe(0x18);
    for (const s of [e.cs, e.ds, e.es, e.ss]) {
      expect(s.base).toBe(0);
      expect(s.limit).toBe(0xffffffff);
    }
    // the GDT in memory matches the cached descriptors
    const g = e.gdtr.base;
    expect(Array.from(mem.bytes.subarray(g + 0x10, g + 0x18))).toEqual([0xff, 0xff, 0, 0, 0, 0x9b, 0xcf, 0]);
    expect(Array.from(mem.bytes.subarray(g + 0x18, g + 0x20))).toEqual([0xff, 0xff, 0, 0, 0, 0x93, 0xcf, 0]);
    expect(r.initrd).toBeNull();
    expect(le32(mem.bytes, r.zeroPage + H.ramdiskImage)).toBe(0);
  });

  it('keeps the initrd under initrd_addr_max', () => {
    const mem = new RamDmaSpace(ram);
    const kernel = buildSyntheticBzImage({ initrdAddrMax: 0x27fffff });
    const r = loadLinux(mem, { kernel, initrd: new Uint8Array(5000), ramSize: ram });
    expect(r.initrd!.base + 5000).toBeLessThanOrEqual(0x2800000);
    expect(r.initrd!.base).toBe(0x2800000 - 8192);
  });

  it('rejects too little RAM, a too-long command line and a non-bzImage', () => {
    const kernel = buildSyntheticBzImage({ initSize: 0x800000 });
    expect(() => loadLinux(new RamDmaSpace(ram), { kernel, ramSize: 16 * MiB })).toThrow(/kernel needs RAM up to/);
    expect(() =>
      loadLinux(new RamDmaSpace(ram), { kernel, initrd: new Uint8Array(41 * MiB), ramSize: ram }),
    ).toThrow(/initrd of \d+ bytes does not fit/);
    const shortCmd = buildSyntheticBzImage({ cmdlineSize: 10 });
    expect(() => loadLinux(new RamDmaSpace(ram), { kernel: shortCmd, cmdline: 'console=ttyS0', ramSize: ram })).toThrow(
      /longer than this kernel's cmdline_size \(10\)/,
    );
    expect(() => loadLinux(new RamDmaSpace(ram), { kernel: new Uint8Array(8192), ramSize: ram })).toThrow(FirmwareError);
  });

  it('reports a guest memory that is smaller than the stated RAM size', () => {
    const kernel = buildSyntheticBzImage();
    expect(() => loadLinux(new RamDmaSpace(4 * MiB), { kernel, initrd: new Uint8Array(100), ramSize: ram })).toThrow(
      /initrd \(100 bytes at 0x3fff000\) does not fit in guest RAM/,
    );
  });
});
