/**
 * Segmentation and control transfer: segment register loads in real,
 * virtual-8086 and protected mode, far JMP/CALL/RET, IRET, interrupt and
 * exception delivery through the IDT, call/interrupt/trap/task gates, task
 * switching through 16- and 32-bit TSSs, the I/O permission bitmap, and the
 * LAR/LSL/VERR/VERW/LLDT/LTR instructions (SDM vol. 3, ch. 3, 5, 6, 7, 20).
 *
 * @module
 */

import type { Cpu } from './cpu.js';
import { Ar, AR_UNUSABLE, Cr0, Flag, Vec } from './constants.js';
import { FAULT } from './fault.js';

// The descriptor last read by readDescriptor (no allocation).
let dLo = 0;
let dHi = 0;
let dAddr = 0;

function descBase(lo: number, hi: number): number {
  return (lo >>> 16) | ((hi & 0xff) << 16) | (hi & 0xff000000);
}
function descLimit(lo: number, hi: number): number {
  const l = (lo & 0xffff) | (hi & 0xf0000);
  return (hi & 0x800000) !== 0 ? (l << 12) | 0xfff : l;
}
function descAr(hi: number): number {
  return (hi >> 8) & 0xf0ff;
}

/**
 * Read the descriptor for `sel` from the GDT or LDT into `dLo`/`dHi`. Raises
 * `vec`(sel & ~3) if the index is beyond the table limit. Returns false for a
 * null selector (GDT index 0).
 */
function readDescriptor(cpu: Cpu, sel: number, vec: number): boolean {
  const idx = sel & 0xfff8;
  let base: number;
  let limit: number;
  if ((sel & 4) !== 0) {
    if ((cpu.segAr[6]! & AR_UNUSABLE) !== 0 || cpu.segSel[6] === 0) cpu.raise(vec, sel & 0xfffc);
    base = cpu.segBase[6]!;
    limit = cpu.segLimit[6]! >>> 0;
  } else {
    if (idx === 0) return false;
    base = cpu.gdtBase;
    limit = cpu.gdtLimit >>> 0;
  }
  if (idx + 7 > limit) cpu.raise(vec, sel & 0xfffc);
  dAddr = (base + idx) | 0;
  dLo = cpu.sysRead32(dAddr);
  dHi = cpu.sysRead32((dAddr + 4) | 0);
  return true;
}

function setAccessed(cpu: Cpu): void {
  if ((dHi & 0x100) === 0) {
    dHi |= 0x100;
    cpu.sysWrite8((dAddr + 5) | 0, (dHi >> 8) & 0xff);
  }
}

/**
 * Load a segment cache directly. For CS, `cpl` becomes the new CPL (pass -1
 * to keep it). Used by SYSENTER/SYSEXIT, task switches and tests.
 */
export function loadSegmentRaw(cpu: Cpu, seg: number, sel: number, base: number, limit: number, ar: number, cpl: number): void {
  cpu.segSel[seg] = sel & 0xffff;
  cpu.segBase[seg] = base | 0;
  cpu.segLimit[seg] = limit | 0;
  cpu.segAr[seg] = ar;
  if (seg === 1 && cpl >= 0 && cpl !== cpu.cpl) {
    cpu.cpl = cpl;
    cpu.setCplTables();
  }
  cpu.updateSegFast(seg);
  if (seg === 1 || seg === 2) cpu.breakLoop = true;
}

function loadFromDesc(cpu: Cpu, seg: number, sel: number, cpl: number): void {
  loadSegmentRaw(cpu, seg, sel, descBase(dLo, dHi), descLimit(dLo, dHi), descAr(dHi), cpl);
}

/** Load segment register `seg` (not CS in protected mode) with `sel` by the rules of the current mode. */
export function loadSegment(cpu: Cpu, seg: number, sel: number): void {
  sel &= 0xffff;
  if ((cpu.cr0 & Cr0.PE) === 0) {
    // real mode: only selector and base change (limits stay: "unreal" mode works)
    cpu.segSel[seg] = sel;
    cpu.segBase[seg] = sel << 4;
    if (seg === 1) cpu.invalidateFetch();
    return;
  }
  if ((cpu.flags & Flag.VM) !== 0) {
    loadSegmentRaw(cpu, seg, sel, sel << 4, 0xffff, seg === 1 ? 0xfb : 0xf3, 3);
    return;
  }
  if (seg === 2) {
    if ((sel & 0xfffc) === 0) cpu.gp(0);
    if ((sel & 3) !== cpu.cpl) cpu.gp(sel & 0xfffc);
    readDescriptor(cpu, sel, Vec.GP);
    const ar = descAr(dHi);
    if ((ar & (Ar.S | Ar.CODE | Ar.RW)) !== (Ar.S | Ar.RW) || ((ar >> 5) & 3) !== cpu.cpl) cpu.gp(sel & 0xfffc);
    if ((ar & Ar.P) === 0) cpu.raise(Vec.SS, sel & 0xfffc);
    setAccessed(cpu);
    loadFromDesc(cpu, 2, sel, -1);
    return;
  }
  if ((sel & 0xfffc) === 0) {
    loadSegmentRaw(cpu, seg, sel, 0, 0, AR_UNUSABLE, -1);
    return;
  }
  readDescriptor(cpu, sel, Vec.GP);
  const ar = descAr(dHi);
  if ((ar & Ar.S) === 0 || (ar & (Ar.CODE | Ar.RW)) === Ar.CODE) cpu.gp(sel & 0xfffc);
  if ((ar & (Ar.CODE | Ar.DC)) !== (Ar.CODE | Ar.DC)) {
    const dpl = (ar >> 5) & 3;
    if ((sel & 3) > dpl || cpu.cpl > dpl) cpu.gp(sel & 0xfffc);
  }
  if ((ar & Ar.P) === 0) cpu.raise(Vec.NP, sel & 0xfffc);
  setAccessed(cpu);
  loadFromDesc(cpu, seg, sel, -1);
}

/** POP into a segment register (the stack pointer moves only if the load succeeds). */
export function popSegment(cpu: Cpu, seg: number): void {
  const sp = cpu.sp();
  const v = cpu.read16(2, sp);
  loadSegment(cpu, seg, v);
  cpu.setSp((sp + (cpu.os32 !== 0 ? 4 : 2)) | 0);
}

/** After a return to an outer level, null data segments the new CPL may not use (SDM RET). */
function nullInaccessible(cpu: Cpu): void {
  for (const s of DATA_SEGS) {
    const ar = cpu.segAr[s]!;
    if ((ar & AR_UNUSABLE) !== 0) continue;
    const dpl = (ar >> 5) & 3;
    if (((ar & (Ar.CODE | Ar.DC)) !== (Ar.CODE | Ar.DC)) && dpl < cpu.cpl) loadSegmentRaw(cpu, s, 0, 0, 0, AR_UNUSABLE, -1);
  }
}
const DATA_SEGS = [0, 3, 4, 5];

// ------------------------------------------------------------ saved state

/** Snapshot of what a privilege-changing transfer modifies, to undo on a fault. */
const saved = { ssSel: 0, ssBase: 0, ssLimit: 0, ssAr: 0, csSel: 0, csBase: 0, csLimit: 0, csAr: 0, cpl: 0, esp: 0, flags: 0 };
function save(cpu: Cpu): void {
  saved.ssSel = cpu.segSel[2]!;
  saved.ssBase = cpu.segBase[2]!;
  saved.ssLimit = cpu.segLimit[2]!;
  saved.ssAr = cpu.segAr[2]!;
  saved.csSel = cpu.segSel[1]!;
  saved.csBase = cpu.segBase[1]!;
  saved.csLimit = cpu.segLimit[1]!;
  saved.csAr = cpu.segAr[1]!;
  saved.cpl = cpu.cpl;
  saved.esp = cpu.reg32[4]!;
  saved.flags = cpu.getFlags();
}
function restore(cpu: Cpu): void {
  cpu.setFlags(saved.flags);
  loadSegmentRaw(cpu, 1, saved.csSel, saved.csBase, saved.csLimit, saved.csAr, saved.cpl);
  loadSegmentRaw(cpu, 2, saved.ssSel, saved.ssBase, saved.ssLimit, saved.ssAr, -1);
  cpu.reg32[4] = saved.esp;
  cpu.modeChanged();
}

function pushW(cpu: Cpu, v: number, size32: boolean): void {
  if (size32) cpu.push32(v);
  else cpu.push16(v);
}

/** Read the inner-level stack pointer for `dpl` from the current TSS (SDM 6.12.1). */
function tssStack(cpu: Cpu, dpl: number): void {
  const ar = cpu.segAr[7]!;
  const is32 = (ar & 0x8) !== 0;
  const base = cpu.segBase[7]!;
  const lim = cpu.segLimit[7]! >>> 0;
  if (is32) {
    const off = 4 + dpl * 8;
    if (off + 5 > lim) cpu.raise(Vec.TS, cpu.segSel[7]! & 0xfffc);
    tsEsp = cpu.sysRead32((base + off) | 0);
    tsSs = cpu.sysRead16((base + off + 4) | 0);
  } else {
    const off = 2 + dpl * 4;
    if (off + 3 > lim) cpu.raise(Vec.TS, cpu.segSel[7]! & 0xfffc);
    tsEsp = cpu.sysRead16((base + off) | 0);
    tsSs = cpu.sysRead16((base + off + 2) | 0);
  }
}
let tsEsp = 0;
let tsSs = 0;

/** Validate and load an inner stack segment `sel` for privilege `dpl` (faults are #TS). */
function loadInnerSs(cpu: Cpu, sel: number, dpl: number, ext: number): void {
  if ((sel & 0xfffc) === 0) cpu.raise(Vec.TS, ext);
  if (!readDescriptor(cpu, sel, Vec.TS)) cpu.raise(Vec.TS, ext);
  const ar = descAr(dHi);
  if ((sel & 3) !== dpl || ((ar >> 5) & 3) !== dpl || (ar & (Ar.S | Ar.CODE | Ar.RW)) !== (Ar.S | Ar.RW)) cpu.raise(Vec.TS, (sel & 0xfffc) | ext);
  if ((ar & Ar.P) === 0) cpu.raise(Vec.SS, (sel & 0xfffc) | ext);
  setAccessed(cpu);
  loadFromDesc(cpu, 2, sel, -1);
}

// ----------------------------------------------------------- interrupts

/** Deliver `vector` in protected mode (SDM vol. 3, 6.12). */
export function deliverProtected(cpu: Cpu, vector: number, error: number, ext: number, soft: number): void {
  const vm = (cpu.flags & Flag.VM) !== 0;
  const idtErr = (vector << 3) | 2 | ext;
  if ((vector << 3) + 7 > cpu.idtLimit >>> 0) cpu.gp(idtErr);
  const gLo = cpu.sysRead32((cpu.idtBase + (vector << 3)) | 0);
  const gHi = cpu.sysRead32((cpu.idtBase + (vector << 3) + 4) | 0);
  const type = (gHi >> 8) & 0x1f;
  if (type !== 0x05 && type !== 0x06 && type !== 0x07 && type !== 0x0e && type !== 0x0f) cpu.gp(idtErr);
  if (soft !== 0 && ((gHi >> 13) & 3) < cpu.cpl) cpu.gp(idtErr);
  if ((gHi & 0x8000) === 0) cpu.raise(Vec.NP, idtErr);
  if (type === 0x05) {
    taskSwitch(cpu, gLo >>> 16, 1, ext);
    if (error >= 0) {
      if ((cpu.segAr[7]! & 0x8) !== 0) cpu.push32(error);
      else cpu.push16(error);
    }
    return;
  }
  const gate32 = (type & 8) !== 0;
  const sel = gLo >>> 16;
  const off = gate32 ? (gLo & 0xffff) | (gHi & 0xffff0000) : gLo & 0xffff;
  if ((sel & 0xfffc) === 0) cpu.gp(ext);
  readDescriptor(cpu, sel, Vec.GP);
  const ar = descAr(dHi);
  const dpl = (ar >> 5) & 3;
  if ((ar & (Ar.S | Ar.CODE)) !== (Ar.S | Ar.CODE) || dpl > cpu.cpl) cpu.gp((sel & 0xfffc) | ext);
  if ((ar & Ar.P) === 0) cpu.raise(Vec.NP, (sel & 0xfffc) | ext);
  const base = descBase(dLo, dHi);
  const limit = descLimit(dLo, dHi);
  if (off >>> 0 > limit >>> 0) cpu.gp(ext);
  const conforming = (ar & Ar.DC) !== 0;
  const flags = cpu.getFlags();
  const oldCs = cpu.segSel[1]!;
  const oldEip = cpu.eip;
  save(cpu);
  try {
    if (!conforming && dpl < cpu.cpl) {
      // inner privilege: switch to the stack for `dpl` from the TSS
      tssStack(cpu, dpl);
      const oldSs = cpu.segSel[2]!;
      const oldEsp = cpu.reg32[4]!;
      const newEsp = tsEsp;
      const newSs = tsSs;
      const descLo = dLo;
      const descHi = dHi;
      if (vm && dpl !== 0) cpu.gp((sel & 0xfffc) | ext);
      // leave v86 before loading the protected-mode stack (SS.B must count)
      if (vm) cpu.setFlags(flags & ~Flag.VM);
      loadInnerSs(cpu, newSs, dpl, ext);
      dLo = descLo;
      dHi = descHi;
      cpu.cpl = dpl;
      cpu.setCplTables();
      cpu.reg32[4] = cpu.ssB !== 0 ? newEsp : (cpu.reg32[4]! & ~0xffff) | (newEsp & 0xffff);
      if (vm) {
        pushW(cpu, cpu.segSel[5]!, gate32);
        pushW(cpu, cpu.segSel[4]!, gate32);
        pushW(cpu, cpu.segSel[3]!, gate32);
        pushW(cpu, cpu.segSel[0]!, gate32);
      }
      pushW(cpu, oldSs, gate32);
      pushW(cpu, oldEsp, gate32);
    } else {
      if (vm) cpu.gp((sel & 0xfffc) | ext);
    }
    pushW(cpu, flags, gate32);
    pushW(cpu, oldCs, gate32);
    pushW(cpu, oldEip, gate32);
    if (error >= 0) pushW(cpu, error, gate32);
  } catch (e) {
    if (e === FAULT) restore(cpu);
    throw e;
  }
  const newCpl = conforming ? cpu.cpl : dpl;
  loadSegmentRaw(cpu, 1, (sel & 0xfffc) | newCpl, base, limit, ar, newCpl);
  if (vm) {
    for (const s of DATA_SEGS) loadSegmentRaw(cpu, s, 0, 0, 0, AR_UNUSABLE, -1);
  }
  let nf = flags & ~(Flag.TF | Flag.NT | Flag.RF | Flag.VM);
  if ((type & 1) === 0) nf &= ~Flag.IF;
  cpu.setFlags(nf);
  cpu.eip = off;
  cpu.modeChanged();
}

// ------------------------------------------------------- far transfers

function checkCodeTarget(cpu: Cpu, sel: number, ar: number, forCall: boolean): void {
  void forCall;
  const dpl = (ar >> 5) & 3;
  if ((ar & (Ar.S | Ar.CODE)) !== (Ar.S | Ar.CODE)) cpu.gp(sel & 0xfffc);
  if ((ar & Ar.DC) !== 0) {
    if (dpl > cpu.cpl) cpu.gp(sel & 0xfffc);
  } else if ((sel & 3) > cpu.cpl || dpl !== cpu.cpl) cpu.gp(sel & 0xfffc);
  if ((ar & Ar.P) === 0) cpu.raise(Vec.NP, sel & 0xfffc);
}

/** Far JMP to `sel:off` (SDM JMP). */
export function farJump(cpu: Cpu, sel: number, off: number): void {
  sel &= 0xffff;
  if (cpu.os32 === 0) off &= 0xffff;
  if (!cpu.isProtected()) {
    if (off >>> 0 > cpu.segLimit[1]! >>> 0) cpu.gp(0);
    loadSegment(cpu, 1, sel);
    cpu.eip = off;
    return;
  }
  if ((sel & 0xfffc) === 0) cpu.gp(0);
  readDescriptor(cpu, sel, Vec.GP);
  const ar = descAr(dHi);
  if ((ar & Ar.S) !== 0) {
    checkCodeTarget(cpu, sel, ar, false);
    const limit = descLimit(dLo, dHi);
    if (off >>> 0 > limit >>> 0) cpu.gp(0);
    setAccessed(cpu);
    loadSegmentRaw(cpu, 1, (sel & 0xfffc) | cpu.cpl, descBase(dLo, dHi), limit, ar, -1);
    cpu.eip = off;
    return;
  }
  const type = ar & 0x1f;
  const dpl = (ar >> 5) & 3;
  if (type === 0x04 || type === 0x0c) {
    if (dpl < cpu.cpl || dpl < (sel & 3)) cpu.gp(sel & 0xfffc);
    if ((ar & Ar.P) === 0) cpu.raise(Vec.NP, sel & 0xfffc);
    const tsel = dLo >>> 16;
    const toff = type === 0x0c ? (dLo & 0xffff) | (dHi & 0xffff0000) : dLo & 0xffff;
    if ((tsel & 0xfffc) === 0) cpu.gp(0);
    readDescriptor(cpu, tsel, Vec.GP);
    const tar = descAr(dHi);
    const tdpl = (tar >> 5) & 3;
    if ((tar & (Ar.S | Ar.CODE)) !== (Ar.S | Ar.CODE)) cpu.gp(tsel & 0xfffc);
    if ((tar & Ar.DC) !== 0 ? tdpl > cpu.cpl : tdpl !== cpu.cpl) cpu.gp(tsel & 0xfffc);
    if ((tar & Ar.P) === 0) cpu.raise(Vec.NP, tsel & 0xfffc);
    const limit = descLimit(dLo, dHi);
    if (toff >>> 0 > limit >>> 0) cpu.gp(0);
    setAccessed(cpu);
    loadSegmentRaw(cpu, 1, (tsel & 0xfffc) | cpu.cpl, descBase(dLo, dHi), limit, tar, -1);
    cpu.eip = toff;
    return;
  }
  if (type === 0x05 || type === 0x01 || type === 0x09) {
    if (dpl < cpu.cpl || dpl < (sel & 3)) cpu.gp(sel & 0xfffc);
    if ((ar & Ar.P) === 0) cpu.raise(Vec.NP, sel & 0xfffc);
    taskSwitch(cpu, type === 0x05 ? dLo >>> 16 : sel, 0, 0, type === 0x05 ? -1 : sel);
    return;
  }
  cpu.gp(sel & 0xfffc);
}

/** Far CALL to `sel:off` (SDM CALL), including call gates with privilege change. */
export function farCall(cpu: Cpu, sel: number, off: number): void {
  sel &= 0xffff;
  const o32 = cpu.os32 !== 0;
  if (!o32) off &= 0xffff;
  if (!cpu.isProtected()) {
    if (off >>> 0 > cpu.segLimit[1]! >>> 0) cpu.gp(0);
    pushW(cpu, cpu.segSel[1]!, o32);
    pushW(cpu, cpu.eip, o32);
    loadSegment(cpu, 1, sel);
    cpu.eip = off;
    return;
  }
  if ((sel & 0xfffc) === 0) cpu.gp(0);
  readDescriptor(cpu, sel, Vec.GP);
  const ar = descAr(dHi);
  if ((ar & Ar.S) !== 0) {
    checkCodeTarget(cpu, sel, ar, true);
    const limit = descLimit(dLo, dHi);
    const base = descBase(dLo, dHi);
    if (off >>> 0 > limit >>> 0) cpu.gp(0);
    setAccessed(cpu);
    pushW(cpu, cpu.segSel[1]!, o32);
    pushW(cpu, cpu.eip, o32);
    loadSegmentRaw(cpu, 1, (sel & 0xfffc) | cpu.cpl, base, limit, ar, -1);
    cpu.eip = off;
    return;
  }
  const type = ar & 0x1f;
  const gdpl = (ar >> 5) & 3;
  if (type === 0x05 || type === 0x01 || type === 0x09) {
    if (gdpl < cpu.cpl || gdpl < (sel & 3)) cpu.gp(sel & 0xfffc);
    if ((ar & Ar.P) === 0) cpu.raise(Vec.NP, sel & 0xfffc);
    taskSwitch(cpu, type === 0x05 ? dLo >>> 16 : sel, 1, 0, type === 0x05 ? -1 : sel);
    return;
  }
  if (type !== 0x04 && type !== 0x0c) cpu.gp(sel & 0xfffc);
  if (gdpl < cpu.cpl || gdpl < (sel & 3)) cpu.gp(sel & 0xfffc);
  if ((ar & Ar.P) === 0) cpu.raise(Vec.NP, sel & 0xfffc);
  const g32 = type === 0x0c;
  const pcount = dHi & 0x1f;
  const tsel = dLo >>> 16;
  const toff = g32 ? (dLo & 0xffff) | (dHi & 0xffff0000) : dLo & 0xffff;
  if ((tsel & 0xfffc) === 0) cpu.gp(0);
  readDescriptor(cpu, tsel, Vec.GP);
  const tar = descAr(dHi);
  const tdpl = (tar >> 5) & 3;
  if ((tar & (Ar.S | Ar.CODE)) !== (Ar.S | Ar.CODE) || tdpl > cpu.cpl) cpu.gp(tsel & 0xfffc);
  if ((tar & Ar.P) === 0) cpu.raise(Vec.NP, tsel & 0xfffc);
  const limit = descLimit(dLo, dHi);
  const base = descBase(dLo, dHi);
  if (toff >>> 0 > limit >>> 0) cpu.gp(0);
  const cLo = dLo;
  const cHi = dHi;
  const retCs = cpu.segSel[1]!;
  const retEip = cpu.eip;
  save(cpu);
  try {
    if ((tar & Ar.DC) === 0 && tdpl < cpu.cpl) {
      // more privileged: new stack from the TSS, copy `pcount` parameters
      tssStack(cpu, tdpl);
      const oldSs = cpu.segSel[2]!;
      const oldEsp = cpu.reg32[4]!;
      const oldSsBase = cpu.segBase[2]!;
      const oldB = cpu.ssB;
      const newEsp = tsEsp;
      loadInnerSs(cpu, tsSs, tdpl, 0);
      cpu.cpl = tdpl;
      cpu.setCplTables();
      cpu.reg32[4] = cpu.ssB !== 0 ? newEsp : (cpu.reg32[4]! & ~0xffff) | (newEsp & 0xffff);
      pushW(cpu, oldSs, g32);
      pushW(cpu, oldEsp, g32);
      const n = g32 ? 4 : 2;
      for (let i = pcount - 1; i >= 0; i--) {
        const a = (oldEsp + i * n) | 0;
        const lin = (oldSsBase + (oldB !== 0 ? a : a & 0xffff)) | 0;
        pushW(cpu, g32 ? cpu.sysRead32(lin) : cpu.sysRead16(lin), g32);
      }
    }
    pushW(cpu, retCs, g32);
    pushW(cpu, retEip, g32);
  } catch (e) {
    if (e === FAULT) restore(cpu);
    throw e;
  }
  dLo = cLo;
  dHi = cHi;
  const newCpl = cpu.cpl;
  loadSegmentRaw(cpu, 1, (tsel & 0xfffc) | newCpl, base, limit, tar, newCpl);
  cpu.eip = toff;
  cpu.modeChanged();
}

/** Validate a return CS (RET/IRET), leaving its descriptor in dLo/dHi. */
function checkReturnCs(cpu: Cpu, sel: number): void {
  if ((sel & 0xfffc) === 0) cpu.gp(0);
  const rpl = sel & 3;
  if (rpl < cpu.cpl) cpu.gp(sel & 0xfffc);
  readDescriptor(cpu, sel, Vec.GP);
  const ar = descAr(dHi);
  const dpl = (ar >> 5) & 3;
  if ((ar & (Ar.S | Ar.CODE)) !== (Ar.S | Ar.CODE)) cpu.gp(sel & 0xfffc);
  if ((ar & Ar.DC) !== 0 ? dpl > rpl : dpl !== rpl) cpu.gp(sel & 0xfffc);
  if ((ar & Ar.P) === 0) cpu.raise(Vec.NP, sel & 0xfffc);
}

/** Validate and load SS for a return to an outer level `rpl`. */
function loadOuterSs(cpu: Cpu, sel: number, rpl: number): void {
  if ((sel & 0xfffc) === 0) cpu.gp(0);
  if ((sel & 3) !== rpl) cpu.gp(sel & 0xfffc);
  readDescriptor(cpu, sel, Vec.GP);
  const ar = descAr(dHi);
  if ((ar & (Ar.S | Ar.CODE | Ar.RW)) !== (Ar.S | Ar.RW) || ((ar >> 5) & 3) !== rpl) cpu.gp(sel & 0xfffc);
  if ((ar & Ar.P) === 0) cpu.raise(Vec.SS, sel & 0xfffc);
  setAccessed(cpu);
  loadFromDesc(cpu, 2, sel, -1);
}

/** Far RET (and RET imm16). */
export function farReturn(cpu: Cpu, imm: number): void {
  const o32 = cpu.os32 !== 0;
  const n = o32 ? 4 : 2;
  const sp = cpu.sp();
  const mask = cpu.ssB !== 0 ? -1 : 0xffff;
  const off = o32 ? cpu.read32(2, sp) : cpu.read16(2, sp);
  const sel = cpu.read16(2, (sp + n) & mask);
  if (!cpu.isProtected()) {
    if (off >>> 0 > cpu.segLimit[1]! >>> 0) cpu.gp(0);
    loadSegment(cpu, 1, sel);
    cpu.eip = off;
    cpu.setSp((sp + 2 * n + imm) | 0);
    return;
  }
  checkReturnCs(cpu, sel);
  const rpl = sel & 3;
  const ar = descAr(dHi);
  const base = descBase(dLo, dHi);
  const limit = descLimit(dLo, dHi);
  if (off >>> 0 > limit >>> 0) cpu.gp(0);
  if (rpl === cpu.cpl) {
    loadSegmentRaw(cpu, 1, sel, base, limit, ar, -1);
    cpu.eip = off;
    cpu.setSp((sp + 2 * n + imm) | 0);
    return;
  }
  const sp2 = (sp + 2 * n + imm) & mask;
  const newEsp = o32 ? cpu.read32(2, sp2) : cpu.read16(2, sp2);
  const newSs = cpu.read16(2, (sp2 + n) & mask);
  save(cpu);
  try {
    loadOuterSs(cpu, newSs, rpl);
  } catch (e) {
    if (e === FAULT) restore(cpu);
    throw e;
  }
  loadSegmentRaw(cpu, 1, sel, base, limit, ar, rpl);
  cpu.eip = off;
  cpu.setSp((newEsp + imm) | 0);
  nullInaccessible(cpu);
  cpu.modeChanged();
}

/** IRET/IRETD in every mode (SDM IRET). */
export function interruptReturn(cpu: Cpu): void {
  const o32 = cpu.os32 !== 0;
  const n = o32 ? 4 : 2;
  const f = cpu.getFlags();
  if ((cpu.cr0 & Cr0.PE) === 0) {
    const sp = cpu.sp();
    const mask = cpu.ssB !== 0 ? -1 : 0xffff;
    const ip = o32 ? cpu.read32(2, sp) : cpu.read16(2, sp);
    const cs = cpu.read16(2, (sp + n) & mask);
    const fl = o32 ? cpu.read32(2, (sp + 2 * n) & mask) : cpu.read16(2, (sp + 2 * n) & mask);
    if (ip >>> 0 > cpu.segLimit[1]! >>> 0) cpu.gp(0);
    loadSegment(cpu, 1, cs);
    cpu.eip = ip;
    cpu.setSp((sp + 3 * n) | 0);
    cpu.setFlags(o32 ? (fl & 0x257fd5) | (f & 0x1a0000) : (f & ~0xffff) | (fl & 0xffff));
    cpu.nmiBlocked = false;
    return;
  }
  if ((f & Flag.VM) !== 0) {
    const iopl = (f >> 12) & 3;
    if (iopl !== 3) {
      if (o32 || (cpu.cr4 & 1) === 0) cpu.gp(0);
      // VME: IRET with IOPL < 3 virtualizes IF into VIF (SDM 20.3.3)
      const sp = cpu.sp();
      const ip = cpu.read16(2, sp);
      const cs = cpu.read16(2, (sp + 2) & 0xffff);
      const fl = cpu.read16(2, (sp + 4) & 0xffff);
      if ((fl & Flag.TF) !== 0 || ((fl & Flag.IF) !== 0 && (f & Flag.VIP) !== 0)) cpu.gp(0);
      loadSegment(cpu, 1, cs);
      cpu.eip = ip;
      cpu.setSp(sp + 6);
      const keep = Flag.IF | Flag.IOPL;
      cpu.setFlags((f & ~(0xffff & ~keep) & ~Flag.VIF) | (fl & 0xffff & ~keep) | ((fl & Flag.IF) !== 0 ? Flag.VIF : 0));
      return;
    }
    const sp = cpu.sp();
    const ip = o32 ? cpu.read32(2, sp) : cpu.read16(2, sp);
    const cs = cpu.read16(2, (sp + n) & 0xffff);
    const fl = o32 ? cpu.read32(2, (sp + 2 * n) & 0xffff) : cpu.read16(2, (sp + 2 * n) & 0xffff);
    if (ip >>> 0 > 0xffff) cpu.gp(0);
    loadSegment(cpu, 1, cs);
    cpu.eip = ip;
    cpu.setSp(sp + 3 * n);
    const mask = o32 ? 0x244dd5 | Flag.IF : 0x4dd5 | Flag.IF;
    cpu.setFlags((f & ~mask) | (fl & mask));
    cpu.nmiBlocked = false;
    return;
  }
  cpu.nmiBlocked = false;
  if ((f & Flag.NT) !== 0) {
    // nested task return through the back link
    const link = cpu.sysRead16(cpu.segBase[7]!);
    taskSwitch(cpu, link, 2, 0, -1);
    return;
  }
  const sp = cpu.sp();
  const mask = cpu.ssB !== 0 ? -1 : 0xffff;
  const ip = o32 ? cpu.read32(2, sp) : cpu.read16(2, sp);
  const cs = cpu.read16(2, (sp + n) & mask);
  const fl = o32 ? cpu.read32(2, (sp + 2 * n) & mask) : cpu.read16(2, (sp + 2 * n) & mask);
  if (o32 && (fl & Flag.VM) !== 0 && cpu.cpl === 0) {
    // return to virtual-8086 mode
    const sp3 = (sp + 12) & mask;
    const esp = cpu.read32(2, sp3);
    const ss = cpu.read16(2, (sp3 + 4) & mask);
    const es = cpu.read16(2, (sp3 + 8) & mask);
    const ds = cpu.read16(2, (sp3 + 12) & mask);
    const fs = cpu.read16(2, (sp3 + 16) & mask);
    const gs = cpu.read16(2, (sp3 + 20) & mask);
    cpu.setFlags(fl & 0x3f7fd5);
    loadSegmentRaw(cpu, 1, cs, cs << 4, 0xffff, 0xfb, 3);
    const segs = [es, 0, ss, ds, fs, gs];
    for (let s = 0; s < 6; s++) if (s !== 1) loadSegmentRaw(cpu, s, segs[s]!, segs[s]! << 4, 0xffff, 0xf3, -1);
    cpu.eip = ip & 0xffff;
    cpu.reg32[4] = esp;
    cpu.modeChanged();
    return;
  }
  checkReturnCs(cpu, cs);
  const rpl = cs & 3;
  const ar = descAr(dHi);
  const base = descBase(dLo, dHi);
  const limit = descLimit(dLo, dHi);
  if (ip >>> 0 > limit >>> 0) cpu.gp(0);
  const oldCpl = cpu.cpl;
  const newFlags = iretFlags(cpu, f, fl, o32, oldCpl);
  if (rpl === cpu.cpl) {
    loadSegmentRaw(cpu, 1, cs, base, limit, ar, -1);
    cpu.eip = ip;
    cpu.setSp((sp + 3 * n) | 0);
    cpu.setFlags(newFlags);
    return;
  }
  const sp2 = (sp + 3 * n) & mask;
  const newEsp = o32 ? cpu.read32(2, sp2) : cpu.read16(2, sp2);
  const newSs = cpu.read16(2, (sp2 + n) & mask);
  save(cpu);
  try {
    loadOuterSs(cpu, newSs, rpl);
  } catch (e) {
    if (e === FAULT) restore(cpu);
    throw e;
  }
  loadSegmentRaw(cpu, 1, cs, base, limit, ar, rpl);
  cpu.eip = ip;
  cpu.setSp(newEsp);
  cpu.setFlags(newFlags);
  nullInaccessible(cpu);
  cpu.modeChanged();
}

function iretFlags(cpu: Cpu, old: number, v: number, o32: boolean, cpl: number): number {
  void cpu;
  let mask = Flag.CF | Flag.PF | Flag.AF | Flag.ZF | Flag.SF | Flag.TF | Flag.DF | Flag.OF | Flag.NT;
  if (o32) mask |= Flag.AC | Flag.ID | Flag.RF | (cpl === 0 ? Flag.VIF | Flag.VIP : 0);
  if (cpl === 0) mask |= Flag.IOPL;
  if (cpl <= ((old >> 12) & 3)) mask |= Flag.IF;
  if (!o32) mask &= 0xffff;
  return (old & ~mask) | (v & mask);
}

// ------------------------------------------------------------ task switch

/**
 * Switch to the task whose TSS selector is `sel` (SDM vol. 3, 7.3). `kind`:
 * 0 = JMP, 1 = CALL/interrupt (nesting), 2 = IRET. `ext` goes into error codes.
 */
export function taskSwitch(cpu: Cpu, sel: number, kind: number, ext: number, _viaDirect = -1): void {
  void _viaDirect;
  if ((sel & 4) !== 0 || !readDescriptor(cpu, sel, Vec.GP)) cpu.raise(kind === 2 ? Vec.TS : Vec.GP, (sel & 0xfffc) | ext);
  const ndAddr = dAddr;
  const nLo = dLo;
  let nHi = dHi;
  const ar = descAr(nHi);
  const type = ar & 0x1f;
  const busy = (type & 2) !== 0;
  if ((type & 0x15) !== 0x01) cpu.raise(kind === 2 ? Vec.TS : Vec.GP, (sel & 0xfffc) | ext);
  if (kind === 2 ? !busy : busy) cpu.raise(kind === 2 ? Vec.TS : Vec.GP, (sel & 0xfffc) | ext);
  if ((ar & Ar.P) === 0) cpu.raise(Vec.NP, (sel & 0xfffc) | ext);
  const n32 = (type & 8) !== 0;
  const nBase = descBase(nLo, nHi);
  const nLimit = descLimit(nLo, nHi);
  if (nLimit >>> 0 < (n32 ? 0x67 : 0x2b)) cpu.raise(Vec.TS, (sel & 0xfffc) | ext);

  // save the outgoing task
  const oBase = cpu.segBase[7]!;
  const o32 = (cpu.segAr[7]! & 0x8) !== 0;
  const r = cpu.reg32;
  let fl = cpu.getFlags();
  if (kind === 2) fl &= ~Flag.NT;
  // probe both TSSs before writing anything
  cpu.sysRead8(oBase);
  cpu.sysRead8((oBase + (o32 ? 0x67 : 0x2b)) | 0);
  cpu.sysRead8(nBase);
  cpu.sysRead8((nBase + (n32 ? 0x67 : 0x2b)) | 0);
  if (o32) {
    cpu.sysWrite32((oBase + 0x20) | 0, cpu.eip);
    cpu.sysWrite32((oBase + 0x24) | 0, fl);
    for (let i = 0; i < 8; i++) cpu.sysWrite32((oBase + 0x28 + i * 4) | 0, r[i]!);
    for (let s = 0; s < 6; s++) cpu.sysWrite16((oBase + 0x48 + s * 4) | 0, cpu.segSel[s]!);
  } else {
    cpu.sysWrite16((oBase + 0x0e) | 0, cpu.eip);
    cpu.sysWrite16((oBase + 0x10) | 0, fl);
    for (let i = 0; i < 8; i++) cpu.sysWrite16((oBase + 0x12 + i * 2) | 0, r[i]!);
    for (let s = 0; s < 4; s++) cpu.sysWrite16((oBase + 0x22 + s * 2) | 0, cpu.segSel[s]!);
  }
  // old descriptor: clear busy on JMP/IRET
  const oSel = cpu.segSel[7]!;
  if (kind !== 1 && readDescriptor(cpu, oSel, Vec.GP)) cpu.sysWrite8((dAddr + 5) | 0, (dHi >> 8) & 0xfd);

  // read the incoming task
  let eip: number;
  let nfl: number;
  let cr3 = cpu.cr3;
  const regs = tmpRegs;
  const sels = tmpSels;
  let ldt: number;
  if (n32) {
    cr3 = cpu.sysRead32((nBase + 0x1c) | 0);
    eip = cpu.sysRead32((nBase + 0x20) | 0);
    nfl = cpu.sysRead32((nBase + 0x24) | 0);
    for (let i = 0; i < 8; i++) regs[i] = cpu.sysRead32((nBase + 0x28 + i * 4) | 0);
    for (let s = 0; s < 6; s++) sels[s] = cpu.sysRead16((nBase + 0x48 + s * 4) | 0);
    ldt = cpu.sysRead16((nBase + 0x60) | 0);
  } else {
    eip = cpu.sysRead16((nBase + 0x0e) | 0);
    nfl = cpu.sysRead16((nBase + 0x10) | 0);
    for (let i = 0; i < 8; i++) regs[i] = cpu.sysRead16((nBase + 0x12 + i * 2) | 0) | 0xffff0000;
    for (let s = 0; s < 4; s++) sels[s] = cpu.sysRead16((nBase + 0x22 + s * 2) | 0);
    sels[4] = sels[5] = 0;
    ldt = cpu.sysRead16((nBase + 0x2a) | 0);
  }
  if (kind === 1) {
    cpu.sysWrite16(nBase, oSel);
    nfl |= Flag.NT;
  }
  if (kind !== 2) {
    nHi |= 0x200;
    cpu.sysWrite8((ndAddr + 5) | 0, (nHi >> 8) & 0xff);
  }
  // commit: TR, CR0.TS, CR3, registers, flags
  loadSegmentRaw(cpu, 7, sel, nBase, nLimit, descAr(nHi), -1);
  cpu.cr0 |= Cr0.TS;
  if (n32 && (cpu.cr0 & Cr0.PG) !== 0) {
    if ((cpu.cr4 & 0x20) !== 0) {
      cpu.cr3 = cr3 & ~0x7;
      cpu.loadPdptes();
    } else cpu.cr3 = cr3 & ~0xfff;
    cpu.flushTlbNonGlobal();
  }
  cpu.eip = eip;
  for (let i = 0; i < 8; i++) {
    if (n32) r[i] = regs[i]!;
    else cpu.reg16[i << 1] = regs[i]!;
  }
  cpu.setFlags(n32 ? nfl : (fl & ~0xffff) | (nfl & 0xffff));
  // past the commit point: faults from here on are reported in the new task's context
  cpu.opStart = cpu.eip;
  cpu.espStart = cpu.reg32[4]!;
  // selectors first (so a fault below leaves them visible), then descriptors
  for (let s = 0; s < 6; s++) loadSegmentRaw(cpu, s, sels[s]!, 0, 0, AR_UNUSABLE, -1);
  loadSegmentRaw(cpu, 6, ldt, 0, 0, AR_UNUSABLE, -1);
  if ((cpu.flags & Flag.VM) !== 0) {
    for (let s = 0; s < 6; s++) loadSegmentRaw(cpu, s, sels[s]!, sels[s]! << 4, 0xffff, s === 1 ? 0xfb : 0xf3, s === 1 ? 3 : -1);
    cpu.modeChanged();
    return;
  }
  if ((ldt & 0xfffc) !== 0) loadLdtChecked(cpu, ldt, Vec.TS);
  const cs = sels[1]!;
  const newCpl = cs & 3;
  // CS: code, DPL rules against the new CPL (SDM 7.3 step 12, faults are #TS)
  if ((cs & 0xfffc) === 0 || !readDescriptor(cpu, cs, Vec.TS)) cpu.raise(Vec.TS, cs & 0xfffc);
  const car = descAr(dHi);
  const cdpl = (car >> 5) & 3;
  if ((car & (Ar.S | Ar.CODE)) !== (Ar.S | Ar.CODE) || ((car & Ar.DC) !== 0 ? cdpl > newCpl : cdpl !== newCpl)) cpu.raise(Vec.TS, cs & 0xfffc);
  if ((car & Ar.P) === 0) cpu.raise(Vec.NP, cs & 0xfffc);
  loadFromDesc(cpu, 1, cs, newCpl);
  const ss = sels[2]!;
  if ((ss & 0xfffc) === 0 || (ss & 3) !== newCpl || !readDescriptor(cpu, ss, Vec.TS)) cpu.raise(Vec.TS, ss & 0xfffc);
  const sar = descAr(dHi);
  if ((sar & (Ar.S | Ar.CODE | Ar.RW)) !== (Ar.S | Ar.RW) || ((sar >> 5) & 3) !== newCpl) cpu.raise(Vec.TS, ss & 0xfffc);
  if ((sar & Ar.P) === 0) cpu.raise(Vec.SS, ss & 0xfffc);
  loadFromDesc(cpu, 2, ss, -1);
  for (const s of DATA_SEGS) {
    const v = sels[s]!;
    if ((v & 0xfffc) === 0) continue;
    if (!readDescriptor(cpu, v, Vec.TS)) cpu.raise(Vec.TS, v & 0xfffc);
    const a = descAr(dHi);
    if ((a & Ar.S) === 0 || (a & (Ar.CODE | Ar.RW)) === Ar.CODE) cpu.raise(Vec.TS, v & 0xfffc);
    if ((a & (Ar.CODE | Ar.DC)) !== (Ar.CODE | Ar.DC) && ((a >> 5) & 3) < Math.max(newCpl, v & 3)) cpu.raise(Vec.TS, v & 0xfffc);
    if ((a & Ar.P) === 0) cpu.raise(Vec.NP, v & 0xfffc);
    loadFromDesc(cpu, s, v, -1);
  }
  cpu.modeChanged();
}
const tmpRegs = new Int32Array(8);
const tmpSels = new Int32Array(6);

// ---------------------------------------------------------- LDT / TR / LAR

function loadLdtChecked(cpu: Cpu, sel: number, vec: number): void {
  if ((sel & 4) !== 0) cpu.raise(vec, sel & 0xfffc);
  if (!readDescriptor(cpu, sel, vec)) {
    loadSegmentRaw(cpu, 6, sel, 0, 0, AR_UNUSABLE, -1);
    return;
  }
  const ar = descAr(dHi);
  if ((ar & 0x1f) !== 0x02) cpu.raise(vec, sel & 0xfffc);
  if ((ar & Ar.P) === 0) cpu.raise(Vec.NP, sel & 0xfffc);
  loadFromDesc(cpu, 6, sel, -1);
}

/** LLDT. */
export function loadLdt(cpu: Cpu, sel: number): void {
  loadLdtChecked(cpu, sel, Vec.GP);
}

/** LTR: load TR and mark the TSS busy. */
export function loadTr(cpu: Cpu, sel: number): void {
  if ((sel & 4) !== 0 || !readDescriptor(cpu, sel, Vec.GP)) cpu.gp(sel & 0xfffc);
  const ar = descAr(dHi);
  if ((ar & 0x17) !== 0x01) cpu.gp(sel & 0xfffc);
  if ((ar & Ar.P) === 0) cpu.raise(Vec.NP, sel & 0xfffc);
  dHi |= 0x200;
  cpu.sysWrite8((dAddr + 5) | 0, (dHi >> 8) & 0xff);
  loadFromDesc(cpu, 7, sel, -1);
}

/** LAR (`lsl` false) / LSL into the ModRM reg operand; ZF reports success. */
export function lar(cpu: Cpu, sel: number, lsl: boolean): void {
  let ok = false;
  if ((sel & 0xfffc) !== 0) {
    const idx = sel & 0xfff8;
    const inTable = (sel & 4) !== 0 ? (cpu.segAr[6]! & AR_UNUSABLE) === 0 && idx + 7 <= cpu.segLimit[6]! >>> 0 : idx + 7 <= cpu.gdtLimit >>> 0;
    if (inTable) {
      readDescriptor(cpu, sel, Vec.GP);
      const ar = descAr(dHi);
      const dpl = (ar >> 5) & 3;
      const type = ar & 0x1f;
      let valid: boolean;
      if ((ar & Ar.S) !== 0) valid = (ar & (Ar.CODE | Ar.DC)) === (Ar.CODE | Ar.DC) || (dpl >= cpu.cpl && dpl >= (sel & 3));
      else {
        // system types LAR accepts: TSS (1, 3, 9, 11), LDT (2), call gates (4, 12), task gate (5); LSL: no gates
        const okTypes = lsl ? 0x0a0e : 0x1a3e;
        valid = ((okTypes >> type) & 1) !== 0 && dpl >= cpu.cpl && dpl >= (sel & 3);
      }
      if (valid) {
        ok = true;
        const reg = (cpu.modrm >> 3) & 7;
        if (lsl) cpu.setRegV(reg, descLimit(dLo, dHi));
        else cpu.setRegV(reg, dHi & 0xf0ff00);
      }
    }
  }
  cpu.setArith(Flag.ZF, ok ? Flag.ZF : 0);
}

/** VERR / VERW (`write`). */
export function verify(cpu: Cpu, sel: number, write: boolean): void {
  let ok = false;
  if ((sel & 0xfffc) !== 0) {
    const idx = sel & 0xfff8;
    const inTable = (sel & 4) !== 0 ? (cpu.segAr[6]! & AR_UNUSABLE) === 0 && idx + 7 <= cpu.segLimit[6]! >>> 0 : idx + 7 <= cpu.gdtLimit >>> 0;
    if (inTable) {
      readDescriptor(cpu, sel, Vec.GP);
      const ar = descAr(dHi);
      const dpl = (ar >> 5) & 3;
      const conforming = (ar & (Ar.CODE | Ar.DC)) === (Ar.CODE | Ar.DC);
      if ((ar & Ar.S) !== 0 && (conforming || (dpl >= cpu.cpl && dpl >= (sel & 3)))) {
        ok = write ? (ar & (Ar.CODE | Ar.RW)) === Ar.RW : (ar & Ar.CODE) === 0 || (ar & Ar.RW) !== 0;
      }
    }
  }
  cpu.setArith(Flag.ZF, ok ? Flag.ZF : 0);
}

// -------------------------------------------------------------- I/O bitmap

/**
 * Check the I/O permission for `len` bytes at `port`: allowed in real mode and
 * when CPL <= IOPL outside v86; otherwise every bit in the TSS I/O bitmap
 * must be clear (SDM vol. 1, 19.5). Raises #GP(0).
 */
export function ioPermission(cpu: Cpu, port: number, len: number): void {
  if ((cpu.cr0 & Cr0.PE) === 0) return;
  const f = cpu.flags;
  if ((f & Flag.VM) === 0 && cpu.cpl <= ((f >> 12) & 3)) return;
  const tar = cpu.segAr[7]!;
  if ((tar & 0x8) === 0 || (tar & AR_UNUSABLE) !== 0) cpu.gp(0);
  const base = cpu.segBase[7]!;
  const limit = cpu.segLimit[7]! >>> 0;
  if (limit < 0x67) cpu.gp(0);
  const mapOff = cpu.sysRead16((base + 0x66) | 0);
  const byteOff = mapOff + (port >>> 3);
  if (byteOff + 1 > limit) cpu.gp(0);
  const bits = cpu.sysRead16((base + byteOff) | 0);
  const mask = ((1 << len) - 1) << (port & 7);
  if ((bits & mask) !== 0) cpu.gp(0);
}
