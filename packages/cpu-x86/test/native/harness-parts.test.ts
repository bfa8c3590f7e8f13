/**
 * Unit tests of the suite's own parts: the encoder against encodings from
 * the Intel SDM (vol. 2, ModRM/SIB tables 2-2 and 2-3), the PRNG's
 * determinism, and the masked comparison.
 */
import { describe, expect, it } from 'vitest';
import { Asm, EAX, EBP, EBX, ECX, EDI, ESI, m, r } from './asm.js';
import { CF, CONTROLLED, DATA_SIZE, draft, finish, maskData, maskReg, OF } from './case.js';
import { caseId, compareResults, explain, parseKnown, relaxationFor } from './compare.js';
import { Prng } from './prng.js';
import { NO_EXCEPTION, type CaseResult } from './vectors.js';

function enc(f: (a: Asm) => void): string {
  const a = new Asm();
  f(a);
  return Array.from(a.code(), (b) => b.toString(16).padStart(2, '0')).join(' ');
}

describe('Asm', () => {
  it('encodes register and memory ModRM forms', () => {
    expect(enc((a) => a.op([0x01], ESI, r(EBX)))).toBe('01 f3'); // add ebx, esi
    expect(enc((a) => a.op([0x01], ESI, m(EBX, 0x10)))).toBe('01 73 10'); // add [ebx+0x10], esi
    expect(enc((a) => a.op([0x01], ESI, m(EBX, 0)))).toBe('01 33'); // add [ebx], esi
    expect(enc((a) => a.op([0x8b], EAX, m(EBP, 0)))).toBe('8b 45 00'); // mov eax, [ebp] needs disp8
    expect(enc((a) => a.op([0x8b], ECX, m(EDI, 0x1234)))).toBe('8b 8f 34 12 00 00'); // disp32
    expect(enc((a) => a.op([0x8b], EAX, m(EBX, -8, ESI, 2)))).toBe('8b 44 b3 f8'); // [ebx+esi*4-8]
    expect(enc((a) => a.op([0x8b], EAX, m(-1, 0x101000)))).toBe('8b 05 00 10 10 00'); // [disp32]
    expect(enc((a) => a.op([0x8d], EAX, m(-1, 0x10, ECX, 3)))).toBe('8d 04 cd 10 00 00 00'); // lea eax, [ecx*8+0x10]
  });

  it('encodes prefixes and immediates', () => {
    expect(enc((a) => a.osz(16).op([0x81], 0, r(EAX)).imm(16, 0x1234))).toBe('66 81 c0 34 12');
    expect(enc((a) => a.op([0x80], 7, r(4)).imm(8, 0x80))).toBe('80 fc 80'); // cmp ah, 0x80
  });
});

describe('Prng', () => {
  it('is deterministic per seed and differs between seeds', () => {
    const a = new Prng(42);
    const b = new Prng(42);
    const c = new Prng(43);
    const xs = Array.from({ length: 8 }, () => a.u32());
    expect(Array.from({ length: 8 }, () => b.u32())).toEqual(xs);
    expect(Array.from({ length: 8 }, () => c.u32())).not.toEqual(xs);
    const r2 = new Prng(1);
    for (let i = 0; i < 1000; i++) {
      const v = r2.below(7);
      expect(v >= 0 && v < 7).toBe(true);
    }
  });
});

describe('compareResults', () => {
  const rng = new Prng(7);
  const d = draft(rng, 'test', 'shl eax, 3');
  d.undefFlags |= OF;
  maskReg(d, ECX, 0xff);
  maskData(d, 5, 1, 0x0f);
  const c = finish(d);
  const base = (): CaseResult => ({ exception: NO_EXCEPTION, regs: new Uint32Array(8), eflags: 0x202, eip: 0, data: new Uint8Array(DATA_SIZE) });

  it('ignores undefined flags, register bits and data bits', () => {
    const n = base();
    const e = base();
    e.eflags ^= OF;
    e.regs[ECX] = 0x7f;
    e.data[5] = 0x0c;
    expect(c.flagsMask).toBe(CONTROLLED & ~OF);
    expect(compareResults(c, n, e)).toEqual([]);
  });

  it('reports defined differences', () => {
    const n = base();
    const e = base();
    e.eflags ^= CF;
    e.regs[ECX] = 0x100;
    e.data[5] = 0x10;
    const diffs = compareResults(c, n, e);
    expect(diffs).toHaveLength(3);
    expect(diffs[0]).toMatch(/^ecx/);
    expect(diffs[1]).toMatch(/CF=0\/1/);
    expect(diffs[2]).toMatch(/\+5: 0x00\/0x10/);
  });

  it('compares every controlled flag and the fault EIP when the case faulted', () => {
    const n = { ...base(), exception: 0, eip: 0x100000 };
    const e = { ...base(), exception: 0, eip: 0x100002 };
    e.eflags ^= OF;
    expect(compareResults(c, n, e)).toHaveLength(2);
    expect(compareResults(c, n, { ...base(), exception: NO_EXCEPTION })[0]).toMatch(/^exception: native #0, emulator none/);
  });

  it('matches known differences by class and name, and requires a reason', () => {
    const known = parseKnown({ differences: [{ class: 'test', name: '^shl', reason: 'because' }] });
    expect(explain(c, known)?.reason).toBe('because');
    expect(explain({ ...c, cls: 'alu' }, known)).toBeUndefined();
    expect(() => parseKnown({ differences: [{ class: 'test', name: 'x', reason: ' ' }] })).toThrow(/reason/);
    // The case id makes a single case addressable.
    const one = parseKnown({ differences: [{ class: 'test', name: `#${caseId(c)}$`, reason: 'this one' }] });
    expect(explain(c, one)?.reason).toBe('this one');
  });

  it('limits an entry to the kinds of difference it names', () => {
    const known = parseKnown({ differences: [{ class: 'test', name: '.', reason: 'data only', explains: ['data'] }] });
    expect(explain(c, known, ['data @0x00101f80 (native/emulator): +1: 0x00/0x01'])?.reason).toBe('data only');
    expect(explain(c, known, ['eflags (native/emulator): CF=0/1'])).toBeUndefined();
    expect(() => parseKnown({ differences: [{ class: 'test', name: '.', reason: 'x', explains: ['memory'] }] })).toThrow(/explains/);
  });

  it('applies ignore entries as relaxations, not explanations', () => {
    const known = parseKnown({ differences: [{ class: 'test', name: '.', reason: 'flags', ignore: { flags: CF, data: [[5, 0x30]] } }] });
    expect(explain(c, known)).toBeUndefined();
    const relaxed = relaxationFor(c, known)!;
    const n = base();
    const e = base();
    e.eflags ^= CF;
    e.data[5] = 0x30;
    expect(compareResults(c, n, e)).toHaveLength(2);
    expect(compareResults(c, n, e, relaxed.relax)).toEqual([]);
    e.data[5] = 0x70; // bit 6 is neither undefined (the case masks 0x0f) nor ignored
    expect(compareResults(c, n, e, relaxed.relax)).toHaveLength(1);
  });
});

describe('layout', () => {
  it('harness.c uses the same addresses and record sizes as the TypeScript side', async () => {
    const { readFileSync } = await import('node:fs');
    const { CODE_ADDR, CODE_MAX, DATA_ADDR: DA } = await import('./case.js');
    const { IN_SIZE, OUT_SIZE } = await import('./vectors.js');
    const src = readFileSync(new URL('./harness.c', import.meta.url), 'utf8');
    const def = (name: string): number => Number(/#define (\w+) (0x[0-9a-f]+|\d+)/g.exec(src.slice(src.indexOf(`#define ${name} `)))![2]!.replace(/u$/, ''));
    expect(def('CODE_ADDR')).toBe(CODE_ADDR);
    expect(def('DATA_ADDR')).toBe(DA);
    expect(def('DATA_SIZE')).toBe(DATA_SIZE);
    expect(def('CODE_MAX')).toBe(CODE_MAX);
    expect(def('IN_SIZE')).toBe(IN_SIZE);
    expect(def('OUT_SIZE')).toBe(OUT_SIZE);
  });
});

describe('EmulatorRunner', () => {
  it('runs with paging on and reports a fault with its vector and EIP', async () => {
    const { EmulatorRunner } = await import('./emulator.js');
    const { CODE_ADDR, DATA_ADDR: DA } = await import('./case.js');
    const emu = new EmulatorRunner();
    expect(emu.cpu.cr0 >>> 31).toBe(1);
    const d = draft(new Prng(3), 'test', 'mov eax, [ebx]');
    d.regs[EBX] = DA + 0x100; // second page of the data area
    d.asm.db(0x90).op([0x8b], EAX, m(EBX, 0)); // nop; mov eax, [ebx]
    const c = finish(d);
    expect(emu.run(c).exception).toBe(NO_EXCEPTION);
    // Unmap that page: the load must fault (#PF) at the MOV, after the NOP.
    emu.memory.write32(0x5000 + ((DA + 0x100) >>> 12) * 4, 0);
    emu.cpu.flushTlbAll();
    const res = emu.run(c);
    expect(res.exception).toBe(14);
    expect(res.eip).toBe(CODE_ADDR + 1);
  });
});
