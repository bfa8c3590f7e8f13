/**
 * String instructions (MOVS, CMPS, STOS, LODS, SCAS, INS, OUTS) with REP,
 * REPE and REPNE. A repeated instruction runs a bounded number of iterations
 * per step and then re-executes itself (EIP left at the instruction), so
 * interrupts are recognised between iterations as on hardware; registers are
 * updated after every iteration so a fault leaves a precise state.
 *
 * @module
 */

import type { Cpu } from '../cpu.js';
import { Flag } from '../constants.js';
import { alu } from './alu.js';
import type { Op } from './types.js';
import { ioPermission } from '../protected.js';

/** Iterations a REP instruction runs before yielding to the run loop. */
const CHUNK = 4096;

function elemSize(cpu: Cpu): number {
  return (cpu.opcode & 1) === 0 ? 1 : cpu.os32 !== 0 ? 4 : 2;
}

function rd(cpu: Cpu, seg: number, off: number, n: number): number {
  return n === 1 ? cpu.read8(seg, off) : n === 2 ? cpu.read16(seg, off) : cpu.read32(seg, off);
}
function wr(cpu: Cpu, seg: number, off: number, v: number, n: number): void {
  if (n === 1) cpu.write8(seg, off, v);
  else if (n === 2) cpu.write16(seg, off, v);
  else cpu.write32(seg, off, v);
}

/** Continue a REP instruction: returns the iterations allowed now (0 = done). */
function repCount(cpu: Cpu): number {
  if (cpu.rep === 0) return 1;
  const c = cpu.regA(1);
  return c === 0 ? 0 : c;
}

function finishChunk(cpu: Cpu, left: number): void {
  // more iterations remain: run this instruction again from the top
  if (left !== 0) {
    cpu.eip = cpu.opStart;
    cpu.breakLoop = true;
  }
}

/**
 * Fast path for forward REP MOVS/STOS: handle as many elements as fit in the
 * current source and destination pages (and segment limits) with direct RAM
 * access. Returns the number of elements done (0 = take the exact path).
 * Only RAM pages already in the TLB qualify, so MMIO, ROM, watched pages and
 * anything that would fault go element by element.
 */
function repFast(cpu: Cpu, n: number, movs: boolean, value: number): number {
  // Registers stay int32 here (unsigned only inside comparisons): values above
  // 2^30 held as doubles made V8 deoptimize this function over and over.
  const count = cpu.regA(1) | 0;
  const di = cpu.regA(7) | 0;
  const dMax = cpu.segWrMax[0]!;
  if (dMax < 0 || (di >>> 0) > dMax + 3) return 0;
  const dLin = (cpu.segBase[0]! + di) | 0;
  const de = cpu.wrTab[dLin >>> 12]!;
  if (de < 0) return 0;
  // at most the rest of the page (a small int), then the segment, the count and the 64 KiB wrap
  let elems = ((0x1000 - (dLin & 0xfff)) / n) | 0;
  if (dMax + 4 - (di >>> 0) < elems * n) elems = ((dMax + 4 - (di >>> 0)) / n) | 0;
  if ((count >>> 0) < elems) elems = count;
  if (cpu.as32 === 0) {
    const w = ((0x10000 - (di & 0xffff)) / n) | 0;
    if (w < elems) elems = w;
  }
  let src = 0;
  let si = 0;
  if (movs) {
    si = cpu.regA(6) | 0;
    const seg = cpu.eaSeg;
    const sMax = cpu.segRdMax[seg]!;
    if (sMax < 0 || (si >>> 0) > sMax + 3) return 0;
    if (sMax + 4 - (si >>> 0) < elems * n) elems = ((sMax + 4 - (si >>> 0)) / n) | 0;
    const sLin = (cpu.segBase[seg]! + si) | 0;
    const se = cpu.rdTab[sLin >>> 12]!;
    if (se < 0) return 0;
    const sPage = ((0x1000 - (sLin & 0xfff)) / n) | 0;
    if (sPage < elems) elems = sPage;
    if (cpu.as32 === 0) {
      const w = ((0x10000 - (si & 0xffff)) / n) | 0;
      if (w < elems) elems = w;
    }
    src = se | (sLin & 0xfff);
  }
  if (elems <= 0) return 0;
  const ram = cpu.ram;
  const dst = de | (dLin & 0xfff);
  const bytes = elems * n;
  if (movs) {
    // x86 copies forward element by element: overlapping ranges replicate, unlike memmove
    if (dst <= src || dst >= src + bytes) ram.copyWithin(dst, src, src + bytes);
    else if (dst - src >= n) for (let i = 0; i < bytes; i++) ram[dst + i] = ram[src + i]!;
    else {
      // destination inside the element being read: each element is read whole, then written
      for (let i = 0; i < bytes; i += n) {
        const b0 = ram[src + i]!;
        const b1 = ram[src + i + 1]!;
        const b2 = n === 4 ? ram[src + i + 2]! : 0;
        const b3 = n === 4 ? ram[src + i + 3]! : 0;
        ram[dst + i] = b0;
        ram[dst + i + 1] = b1;
        if (n === 4) {
          ram[dst + i + 2] = b2;
          ram[dst + i + 3] = b3;
        }
      }
    }
    cpu.setRegA(6, (si + bytes) | 0);
  } else if (n === 1) ram.fill(value & 0xff, dst, dst + bytes);
  else {
    for (let i = 0; i < bytes; i += n) {
      ram[dst + i] = value;
      ram[dst + i + 1] = value >> 8;
      if (n === 4) {
        ram[dst + i + 2] = value >> 16;
        ram[dst + i + 3] = value >> 24;
      }
    }
  }
  cpu.setRegA(7, (di + bytes) | 0);
  cpu.setRegA(1, (count - elems) | 0);
  return elems;
}

function movs(cpu: Cpu): void {
  const n = elemSize(cpu);
  const d = (cpu.flags & Flag.DF) !== 0 ? -n : n;
  const seg = cpu.eaSeg;
  let count = repCount(cpu);
  if (count === 0) return;
  let i = 0;
  const rep = cpu.rep !== 0;
  const fast = rep && d > 0;
  for (;;) {
    if (fast) {
      const done = repFast(cpu, n, true, 0);
      if (done > 0) {
        if ((count = cpu.regA(1)) === 0) return;
        i += done;
        if (i >= CHUNK * 4) return finishChunk(cpu, count);
        continue;
      }
    }
    const si = cpu.regA(6);
    const di = cpu.regA(7);
    wr(cpu, 0, di, rd(cpu, seg, si, n), n);
    cpu.setRegA(6, (si + d) | 0);
    cpu.setRegA(7, (di + d) | 0);
    if (!rep) return;
    count = (count - 1) >>> 0;
    cpu.setRegA(1, count);
    if (count === 0 || (count = cpu.regA(1)) === 0) return;
    if ((i += 4) >= CHUNK * 4) return finishChunk(cpu, count);
  }
}

function stos(cpu: Cpu): void {
  const n = elemSize(cpu);
  const d = (cpu.flags & Flag.DF) !== 0 ? -n : n;
  const v = n === 1 ? cpu.reg8[0]! : cpu.reg32[0]!;
  let count = repCount(cpu);
  if (count === 0) return;
  let i = 0;
  const rep = cpu.rep !== 0;
  const fast = rep && d > 0;
  for (;;) {
    if (fast) {
      const done = repFast(cpu, n, false, v);
      if (done > 0) {
        if ((count = cpu.regA(1)) === 0) return;
        i += done;
        if (i >= CHUNK * 4) return finishChunk(cpu, count);
        continue;
      }
    }
    const di = cpu.regA(7);
    wr(cpu, 0, di, v, n);
    cpu.setRegA(7, (di + d) | 0);
    if (!rep) return;
    count = (count - 1) >>> 0;
    cpu.setRegA(1, count);
    if ((count = cpu.regA(1)) === 0) return;
    if ((i += 4) >= CHUNK * 4) return finishChunk(cpu, count);
  }
}

function lods(cpu: Cpu): void {
  const n = elemSize(cpu);
  const d = (cpu.flags & Flag.DF) !== 0 ? -n : n;
  const seg = cpu.eaSeg;
  let count = repCount(cpu);
  if (count === 0) return;
  let i = 0;
  const rep = cpu.rep !== 0;
  for (;;) {
    const si = cpu.regA(6);
    const v = rd(cpu, seg, si, n);
    if (n === 1) cpu.reg8[0] = v;
    else if (n === 2) cpu.reg16[0] = v;
    else cpu.reg32[0] = v;
    cpu.setRegA(6, (si + d) | 0);
    if (!rep) return;
    count = (count - 1) >>> 0;
    cpu.setRegA(1, count);
    if ((count = cpu.regA(1)) === 0) return;
    if ((i += 4) >= CHUNK * 4) return finishChunk(cpu, count);
  }
}

function cmps(cpu: Cpu): void {
  const n = elemSize(cpu);
  const d = (cpu.flags & Flag.DF) !== 0 ? -n : n;
  const seg = cpu.eaSeg;
  let count = repCount(cpu);
  if (count === 0) return;
  let i = 0;
  const rep = cpu.rep;
  for (;;) {
    const si = cpu.regA(6);
    const di = cpu.regA(7);
    const a = rd(cpu, seg, si, n);
    const b = rd(cpu, 0, di, n);
    alu(cpu, 7, a, b, n * 8);
    cpu.setRegA(6, (si + d) | 0);
    cpu.setRegA(7, (di + d) | 0);
    if (rep === 0) return;
    count = (count - 1) >>> 0;
    cpu.setRegA(1, count);
    if ((count = cpu.regA(1)) === 0) return;
    if ((cpu.zf() !== 0) !== (rep === 0xf3)) return;
    if ((i += 4) >= CHUNK * 4) return finishChunk(cpu, count);
  }
}

/** Fast path for forward REPE/REPNE SCASB within one RAM page; returns bytes consumed (0 = exact path). */
function scasbFast(cpu: Cpu, al: number, untilEqual: boolean): number {
  const count = cpu.regA(1) >>> 0;
  const di = cpu.regA(7) >>> 0;
  const max = cpu.segRdMax[0]!;
  if (max < 0 || di > max + 3) return 0;
  let elems = max + 3 - di + 1;
  const lin = (cpu.segBase[0]! + di) | 0;
  const e = cpu.rdTab[lin >>> 12]!;
  if (e < 0) return 0;
  const inPage = 0x1000 - (lin & 0xfff);
  if (inPage < elems) elems = inPage;
  if (count < elems) elems = count;
  if (cpu.as32 === 0 && 0x10000 - di < elems) elems = 0x10000 - di;
  if (elems <= 0) return 0;
  const ram = cpu.ram;
  const start = e | (lin & 0xfff);
  let k: number;
  if (untilEqual) {
    k = 0;
    while (k < elems && ram[start + k] !== al) k++;
    k = k < elems ? k + 1 : elems;
  } else {
    k = 0;
    while (k < elems && ram[start + k] === al) k++;
    k = k < elems ? k + 1 : elems;
  }
  alu(cpu, 7, al, ram[start + k - 1]!, 8);
  cpu.setRegA(7, (di + k) | 0);
  cpu.setRegA(1, (count - k) | 0);
  return k;
}

function scas(cpu: Cpu): void {
  const n = elemSize(cpu);
  const d = (cpu.flags & Flag.DF) !== 0 ? -n : n;
  const acc = n === 1 ? cpu.reg8[0]! : n === 2 ? cpu.reg16[0]! : cpu.reg32[0]!;
  let count = repCount(cpu);
  if (count === 0) return;
  let i = 0;
  const rep = cpu.rep;
  const fast = rep !== 0 && n === 1 && d > 0;
  for (;;) {
    if (fast) {
      const done = scasbFast(cpu, acc, rep === 0xf2);
      if (done > 0) {
        if ((count = cpu.regA(1)) === 0) return;
        if ((cpu.zf() !== 0) !== (rep === 0xf3)) return;
        i += done;
        if (i >= CHUNK * 4) return finishChunk(cpu, count);
        continue;
      }
    }
    const di = cpu.regA(7);
    alu(cpu, 7, acc, rd(cpu, 0, di, n), n * 8);
    cpu.setRegA(7, (di + d) | 0);
    if (rep === 0) return;
    count = (count - 1) >>> 0;
    cpu.setRegA(1, count);
    if ((count = cpu.regA(1)) === 0) return;
    if ((cpu.zf() !== 0) !== (rep === 0xf3)) return;
    if ((i += 4) >= CHUNK * 4) return finishChunk(cpu, count);
  }
}

function ins(cpu: Cpu): void {
  const n = elemSize(cpu);
  const port = cpu.reg16[4]!;
  ioPermission(cpu, port, n);
  const d = (cpu.flags & Flag.DF) !== 0 ? -n : n;
  let count = repCount(cpu);
  if (count === 0) return;
  let i = 0;
  const rep = cpu.rep !== 0;
  const io = cpu.platform.io;
  for (;;) {
    const di = cpu.regA(7);
    // probe the destination before the port read (a read can have side effects)
    cpu.segCheck(0, di, n, true);
    cpu.probeWrite((cpu.segBase[0]! + di) | 0, n);
    const v = n === 1 ? io.in8(port) : n === 2 ? io.in16(port) : io.in32(port);
    wr(cpu, 0, di, v, n);
    cpu.setRegA(7, (di + d) | 0);
    if (!rep) return;
    count = (count - 1) >>> 0;
    cpu.setRegA(1, count);
    if ((count = cpu.regA(1)) === 0) return;
    if ((i += 4) >= CHUNK * 4) return finishChunk(cpu, count);
  }
}

function outs(cpu: Cpu): void {
  const n = elemSize(cpu);
  const port = cpu.reg16[4]!;
  ioPermission(cpu, port, n);
  const d = (cpu.flags & Flag.DF) !== 0 ? -n : n;
  const seg = cpu.eaSeg;
  let count = repCount(cpu);
  if (count === 0) return;
  let i = 0;
  const rep = cpu.rep !== 0;
  const io = cpu.platform.io;
  for (;;) {
    const si = cpu.regA(6);
    const v = rd(cpu, seg, si, n);
    if (n === 1) io.out8(port, v & 0xff);
    else if (n === 2) io.out16(port, v & 0xffff);
    else io.out32(port, v >>> 0);
    cpu.setRegA(6, (si + d) | 0);
    if (!rep) return;
    count = (count - 1) >>> 0;
    cpu.setRegA(1, count);
    if ((count = cpu.regA(1)) === 0) return;
    if ((i += 4) >= CHUNK * 4) return finishChunk(cpu, count);
  }
}

/** Install string instructions. */
export function installString(ops: Op[]): void {
  ops[0x6c] = ops[0x6d] = ins;
  ops[0x6e] = ops[0x6f] = outs;
  ops[0xa4] = ops[0xa5] = movs;
  ops[0xa6] = ops[0xa7] = cmps;
  ops[0xaa] = ops[0xab] = stos;
  ops[0xac] = ops[0xad] = lods;
  ops[0xae] = ops[0xaf] = scas;
}
