import { describe, expect, it } from 'vitest';
import { Cr0, Flag } from './constants.js';
import { loadSegmentRaw } from './protected.js';
import { createTestMachine, setRealSegment, type TestMachine, xorshift } from './test/index.js';

// Random instruction bytes must only ever produce guest-visible outcomes:
// `run` returns (exceptions go through the IDT/IVT, the worst case is a
// triple-fault shutdown), it never throws to the host.

const GDT = 0x1000;
const IDT = 0x2000;
const TSS = 0x3000;
const PD = 0x8000;
const PT = 0x9000;
const HANDLERS = 0x10000;
const CODE = 0x40000; // 64 KiB of random bytes
const CODE_SIZE = 0x10000;

// fixtures are written straight into RAM (the per-access fake accessors would dominate the run)
const views = new WeakMap<TestMachine, DataView>();
function w32(m: TestMachine, a: number, v: number): void {
  let dv = views.get(m);
  if (!dv) views.set(m, (dv = new DataView(m.memory.ram.buffer, m.memory.ram.byteOffset)));
  dv.setUint32(a, v >>> 0, true);
}

/** Rebuild descriptor tables, handlers (HLT), TSS and page tables (a random guest may have overwritten them). */
function fixture(m: TestMachine): void {
  const segs: [number, number][] = [
    [0x08, 0xc09b], [0x10, 0xc093], [0x18, 0xc0fb], [0x20, 0xc0f3],
  ];
  for (const [sel, ar] of segs) {
    w32(m, GDT + sel, 0x0000ffff);
    w32(m, GDT + sel + 4, ((ar & 0xf0ff) << 8) | 0xf0000);
  }
  w32(m, GDT + 0x28, ((TSS & 0xffff) << 16) | 0x67);
  w32(m, GDT + 0x2c, 0x8900 | ((TSS >>> 16) & 0xff));
  for (let v = 0; v < 256; v++) {
    const off = HANDLERS + v * 4;
    w32(m, IDT + v * 8, (0x08 << 16) | (off & 0xffff));
    w32(m, IDT + v * 8 + 4, (off & 0xffff0000) | 0xee00);
    m.memory.ram[off] = 0xf4;
    // real-mode IVT: every vector -> 0000:0500 (HLT)
    w32(m, v * 4, 0x0500);
  }
  m.memory.ram[0x500] = 0xf4;
  w32(m, TSS + 4, 0x7fff0);
  w32(m, TSS + 8, 0x10);
  w32(m, TSS + 0x64, 0x68 << 16);
  // identity-map the first 4 MiB with user pages, the tables themselves supervisor read-only
  w32(m, PD, PT | 7);
  for (let i = 0; i < 1024; i++) w32(m, PT + i * 4, (i << 12) | (i < 0x20 ? 1 : 7));
}

function randomize(m: TestMachine, rnd: () => number): void {
  for (let i = 0; i < CODE_SIZE; i += 4) w32(m, CODE + i, rnd());
}

type Mode = 'real' | 'v86' | 'cpl0' | 'cpl3';
type Engine = 'interpreter' | 'translator';

function enter(m: TestMachine, mode: Mode, rnd: () => number): void {
  const cpu = m.cpu;
  cpu.reset();
  fixture(m);
  for (let r = 0; r < 8; r++) cpu.reg32[r] = rnd();
  const eip = CODE + (rnd() % CODE_SIZE);
  if (mode === 'real') {
    for (const s of [0, 2, 3, 4, 5]) setRealSegment(cpu, s, (rnd() & 0x3fff) | 0);
    setRealSegment(cpu, 1, CODE >>> 4);
    cpu.eip = eip - CODE;
    cpu.setFlags(2 | (rnd() & 0xcd5));
    return;
  }
  cpu.gdtBase = GDT;
  cpu.gdtLimit = 0x2f;
  cpu.idtBase = IDT;
  cpu.idtLimit = 0x7ff;
  cpu.cr3 = PD;
  cpu.cr0 |= Cr0.PE | Cr0.PG | (rnd() & 1 ? Cr0.AM : 0);
  // VME/PVI, PSE and PGE at random: their paths must be as robust
  cpu.cr4 = rnd() & 0x93;
  loadSegmentRaw(cpu, 7, 0x28, TSS, 0x67, 0x8b, -1);
  cpu.reg32[4] = 0x70000 + (rnd() & 0xfffc);
  if (mode === 'v86') {
    cpu.setFlags(Flag.VM | 2 | Flag.IF | (rnd() & 0x1c3cd5));
    loadSegmentRaw(cpu, 1, CODE >>> 4, CODE, 0xffff, 0xfb, 3);
    for (const s of [0, 2, 3, 4, 5]) {
      const sel = (rnd() & 0x3fff) | 0;
      loadSegmentRaw(cpu, s, sel, sel << 4, 0xffff, 0xf3, -1);
    }
    cpu.eip = eip - CODE;
    cpu.reg32[4] &= 0xffff;
  } else {
    const cpl = mode === 'cpl0' ? 0 : 3;
    cpu.setFlags(2 | Flag.IF | (rnd() & 0x1c0cd5));
    loadSegmentRaw(cpu, 1, cpl === 0 ? 0x08 : 0x1b, 0, -1, cpl === 0 ? 0xc09b : 0xc0fb, cpl);
    for (const s of [0, 2, 3, 4, 5]) loadSegmentRaw(cpu, s, cpl === 0 ? 0x10 : 0x23, 0, -1, cpl === 0 ? 0xc093 : 0xc0f3, -1);
    cpu.eip = eip;
  }
  cpu.modeChanged();
  cpu.flushTlbAll();
}

function fuzz(mode: Mode, seed: number, target: number, engine: Engine): { retired: number; episodes: number; shutdowns: number } {
  const m = createTestMachine({ ramSize: 0x400000, engine, translator: { threshold: 1 } });
  const rnd = xorshift(seed);
  let retired = 0;
  let episodes = 0;
  let shutdowns = 0;
  while (retired < target) {
    if (episodes % 16 === 0) randomize(m, rnd);
    enter(m, mode, rnd);
    episodes++;
    // an episode ends at the first HLT (an exception handler or a random HLT) or shutdown
    for (let slice = 0; slice < 20 && m.cpu.runState === 0; slice++) {
      // interrupts arrive at random moments
      if ((rnd() & 7) === 0) {
        m.pendingVectors.push(rnd() & 0xff);
        m.cpu.intr.raise();
      } else m.cpu.intr.lower();
      if ((rnd() & 63) === 0) m.cpu.nmi.pulse();
      retired += m.cpu.run(500);
    }
    if (m.cpu.runState === 2) shutdowns++;
  }
  return { retired, episodes, shutdowns };
}

describe('fuzz: random instruction bytes never throw out of run()', () => {
  for (const engine of ['interpreter', 'translator'] as const) {
    for (const mode of ['real', 'v86', 'cpl0', 'cpl3'] as const) {
      it(`${mode} (${engine}): 400,000 instructions`, () => {
        const r = fuzz(mode, 0x9e3779b9 ^ mode.length * 7919 ^ mode.charCodeAt(0), 400_000, engine);
        expect(r.retired).toBeGreaterThanOrEqual(400_000);
        expect(r.episodes).toBeGreaterThan(10);
      }, 120_000);
    }
  }
});

/** Everything architectural a run can change, as text (for a readable diff). */
function state(m: TestMachine): string {
  const c = m.cpu;
  const r = Array.from(c.reg32, (v) => (v >>> 0).toString(16)).join(' ');
  const segs = Array.from(c.segSel, (v) => v.toString(16)).join(' ');
  return `regs ${r} eip ${(c.eip >>> 0).toString(16)} flags ${(c.getFlags() >>> 0).toString(16)} segs ${segs} cpl ${c.cpl} cr0 ${(c.cr0 >>> 0).toString(16)} cr2 ${(c.cr2 >>> 0).toString(16)} cr3 ${(c.cr3 >>> 0).toString(16)} run ${c.runState} retired ${c.retired}`;
}

/**
 * The translator against the interpreter on the same random programs, in
 * lockstep: after every run() both CPUs must agree on every register, EFLAGS,
 * EIP, CR2, the instruction count and (at the end of an episode) all of RAM.
 * Random stores into the code make this a self-modifying-code test too.
 */
function lockstep(mode: Mode, seed: number, target: number): { retired: number; compiled: number } {
  const a = createTestMachine({ ramSize: 0x400000, engine: 'interpreter' });
  const b = createTestMachine({ ramSize: 0x400000, engine: 'translator', translator: { threshold: 0 } });
  const ra = xorshift(seed);
  const rb = xorshift(seed);
  const ri = xorshift(seed ^ 0x5bd1e995);
  let retired = 0;
  let episodes = 0;
  while (retired < target) {
    if (episodes % 16 === 0) {
      randomize(a, ra);
      randomize(b, rb);
    }
    enter(a, mode, ra);
    enter(b, mode, rb);
    const start = state(a);
    episodes++;
    for (let slice = 0; slice < 20 && a.cpu.runState === 0; slice++) {
      if ((ri() & 7) === 0) {
        const v = ri() & 0xff;
        a.pendingVectors.push(v);
        b.pendingVectors.push(v);
        a.cpu.intr.raise();
        b.cpu.intr.raise();
      } else {
        a.cpu.intr.lower();
        b.cpu.intr.lower();
      }
      if ((ri() & 63) === 0) {
        a.cpu.nmi.pulse();
        b.cpu.nmi.pulse();
      }
      const budget = 1 + (ri() % 700);
      const na = a.cpu.run(budget);
      const nb = b.cpu.run(budget);
      retired += na;
      const sa = state(a);
      const sb = state(b);
      if (sa !== sb || na !== nb) {
        throw new Error(`episode ${episodes} slice ${slice}: interpreter ran ${na}, translator ${nb}\n  start       ${start}\n  interpreter ${sa}\n  translator  ${sb}`);
      }
    }
    const ma = a.memory.ram;
    const mb = b.memory.ram;
    if (Buffer.from(ma.buffer, ma.byteOffset, ma.length).equals(Buffer.from(mb.buffer, mb.byteOffset, mb.length))) continue;
    for (let i = 0; i < ma.length; i++) {
      if (ma[i] !== mb[i]) throw new Error(`episode ${episodes}: RAM differs at 0x${i.toString(16)} (interpreter ${ma[i]}, translator ${mb[i]})`);
    }
  }
  return { retired, compiled: b.cpu.jitStats!.compiledTotal };
}

describe('random-program differential: translator vs interpreter', () => {
  for (const mode of ['real', 'v86', 'cpl0', 'cpl3'] as const) {
    it(`${mode}: 150,000 instructions in lockstep`, () => {
      const r = lockstep(mode, 0x2545f491 ^ mode.charCodeAt(1) * 131, 150_000);
      expect(r.retired).toBeGreaterThanOrEqual(150_000);
      expect(r.compiled).toBeGreaterThan(100);
    }, 120_000);
  }
});
