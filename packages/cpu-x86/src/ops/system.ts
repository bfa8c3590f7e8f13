/**
 * System instructions: port I/O, descriptor-table registers, control and
 * debug registers, MSRs, the TSC, CPUID, SYSENTER/SYSEXIT (SDM vol. 2 and
 * vol. 3 ch. 2).
 *
 * @module
 */

import type { Cpu } from '../cpu.js';
import { Cr0, Cr4, Flag, Vec } from '../constants.js';
import { FPU_CPUID_EDX_MASK } from '../fpu-hook.js';
import { ioPermission, lar, loadLdt, loadTr, loadSegmentRaw, verify } from '../protected.js';
import type { Op } from './types.js';

/** Raise #GP(0) unless at CPL 0 (and not in virtual-8086 mode). */
export function requireCpl0(cpu: Cpu): void {
  if ((cpu.cr0 & Cr0.PE) !== 0 && (cpu.cpl !== 0 || (cpu.flags & Flag.VM) !== 0)) cpu.gp(0);
}

function inOut(cpu: Cpu): void {
  const o = cpu.opcode;
  const port = o >= 0xec ? cpu.reg16[4]! : cpu.imm & 0xff;
  const n = (o & 1) === 0 ? 1 : cpu.os32 !== 0 ? 4 : 2;
  ioPermission(cpu, port, n);
  const io = cpu.platform.io;
  if ((o & 2) === 0) {
    if (n === 1) cpu.reg8[0] = io.in8(port);
    else if (n === 2) cpu.reg16[0] = io.in16(port);
    else cpu.reg32[0] = io.in32(port);
  } else if (n === 1) io.out8(port, cpu.reg8[0]!);
  else if (n === 2) io.out16(port, cpu.reg16[0]!);
  else io.out32(port, cpu.reg32[0]! >>> 0);
}

function grp6(cpu: Cpu): void {
  if (!cpu.isProtected()) cpu.ud();
  const op = (cpu.modrm >> 3) & 7;
  switch (op) {
    case 0:
    case 1: {
      const v = cpu.segSel[op === 0 ? 6 : 7]!;
      if (cpu.modrm >= 0xc0 && cpu.os32 !== 0) cpu.reg32[cpu.modrm & 7] = v;
      else cpu.setRm16(v);
      return;
    }
    case 2:
      requireCpl0(cpu);
      loadLdt(cpu, cpu.rm16());
      return;
    case 3:
      requireCpl0(cpu);
      loadTr(cpu, cpu.rm16());
      return;
    case 4:
    case 5:
      verify(cpu, cpu.rm16(), op === 5);
      return;
    default:
      cpu.ud();
  }
}

function grp7(cpu: Cpu): void {
  const op = (cpu.modrm >> 3) & 7;
  const mem = cpu.modrm < 0xc0;
  const seg = cpu.eaSeg;
  const off = cpu.eaOff;
  const mask = cpu.as32 !== 0 ? -1 : 0xffff;
  switch (op) {
    case 0:
    case 1: {
      if (!mem) cpu.ud();
      const base = op === 0 ? cpu.gdtBase : cpu.idtBase;
      const limit = op === 0 ? cpu.gdtLimit : cpu.idtLimit;
      cpu.write16(seg, off, limit);
      // a 16-bit operand stores a 24-bit base and a zero fourth byte (386 and later)
      cpu.write32(seg, (off + 2) & mask, cpu.os32 !== 0 ? base : base & 0xffffff);
      return;
    }
    case 2:
    case 3: {
      if (!mem) cpu.ud();
      requireCpl0(cpu);
      const limit = cpu.read16(seg, off);
      let base = cpu.read32(seg, (off + 2) & mask);
      if (cpu.os32 === 0) base &= 0xffffff;
      if (op === 2) {
        cpu.gdtBase = base;
        cpu.gdtLimit = limit;
      } else {
        cpu.idtBase = base;
        cpu.idtLimit = limit;
      }
      return;
    }
    case 4:
      if (!mem && cpu.os32 !== 0) cpu.reg32[cpu.modrm & 7] = cpu.cr0;
      else cpu.setRm16(cpu.cr0 & 0xffff);
      return;
    case 6: {
      requireCpl0(cpu);
      const v = cpu.rm16();
      // LMSW loads PE, MP, EM, TS and cannot clear PE
      writeCr0(cpu, (cpu.cr0 & ~0xe) | (v & 0xf) | (cpu.cr0 & 1));
      return;
    }
    case 7:
      if (!mem) cpu.ud();
      requireCpl0(cpu);
      cpu.invlpg((cpu.segBase[seg]! + off) | 0);
      return;
    default:
      cpu.ud();
  }
}

function larLsl(cpu: Cpu): void {
  if (!cpu.isProtected()) cpu.ud();
  lar(cpu, cpu.rm16(), cpu.opcode === 0x103);
}

function clts(cpu: Cpu): void {
  requireCpl0(cpu);
  cpu.cr0 &= ~Cr0.TS;
}

function invd(cpu: Cpu): void {
  requireCpl0(cpu);
}

/** Write CR0 with the architectural checks (SDM vol. 3, 2.5). */
export function writeCr0(cpu: Cpu, v: number): void {
  v = (v | Cr0.ET) & (0xe005003f | 0);
  if ((v & Cr0.PG) !== 0 && (v & Cr0.PE) === 0) cpu.gp(0);
  if ((v & Cr0.NW) !== 0 && (v & Cr0.CD) === 0) cpu.gp(0);
  const old = cpu.cr0;
  if ((v & Cr0.PG) !== 0 && (old & Cr0.PG) === 0 && (cpu.cr4 & Cr4.PAE) !== 0) {
    cpu.cr0 = v;
    try {
      cpu.loadPdptes();
    } catch (e) {
      cpu.cr0 = old;
      throw e;
    }
  }
  cpu.cr0 = v;
  if (((old ^ v) & (Cr0.PG | Cr0.WP | Cr0.PE)) !== 0) cpu.flushTlbAll();
  if (((old ^ v) & (Cr0.PE | Cr0.PG)) !== 0) cpu.modeChanged();
  else if (((old ^ v) & Cr0.AM) !== 0) cpu.setCplTables();
}

function movCr(cpu: Cpu): void {
  requireCpl0(cpu);
  const cr = (cpu.modrm >> 3) & 7;
  const r = cpu.modrm & 7;
  if (cpu.opcode === 0x120) {
    let v: number;
    switch (cr) {
      case 0: v = cpu.cr0; break;
      case 2: v = cpu.cr2; break;
      case 3: v = cpu.cr3; break;
      case 4: v = cpu.cr4; break;
      default: return cpu.ud();
    }
    cpu.reg32[r] = v;
    return;
  }
  const v = cpu.reg32[r]!;
  switch (cr) {
    case 0: writeCr0(cpu, v); return;
    case 2: cpu.cr2 = v; return;
    case 3:
      // PAE: CR3 holds a 32-byte aligned PDPT address whose entries are loaded now
      cpu.cr3 = (cpu.cr4 & Cr4.PAE) !== 0 ? v & ~0x7 : v & ~0xfe7;
      if ((cpu.cr4 & Cr4.PAE) !== 0 && (cpu.cr0 & Cr0.PG) !== 0) cpu.loadPdptes();
      cpu.flushTlbNonGlobal();
      return;
    case 4: {
      // supported: VME PVI TSD DE PSE PAE MCE PGE PCE OSFXSR OSXMMEXCPT
      if ((v & ~0x7ff) !== 0) cpu.gp(0);
      const old = cpu.cr4;
      if ((v & Cr4.PAE) !== 0 && (old & Cr4.PAE) === 0 && (cpu.cr0 & Cr0.PG) !== 0) {
        cpu.cr4 = v;
        try {
          cpu.loadPdptes();
        } catch (e) {
          cpu.cr4 = old;
          throw e;
        }
      }
      cpu.cr4 = v;
      if (((old ^ v) & (Cr4.PSE | Cr4.PGE | Cr4.PAE)) !== 0) cpu.flushTlbAll();
      return;
    }
    default: cpu.ud();
  }
}

function movDr(cpu: Cpu): void {
  requireCpl0(cpu);
  let dr = (cpu.modrm >> 3) & 7;
  const r = cpu.modrm & 7;
  if (dr === 4 || dr === 5) {
    if ((cpu.cr4 & Cr4.DE) !== 0) cpu.ud();
    dr += 2;
  }
  if ((cpu.dr[7]! & 0x2000) !== 0) {
    cpu.dr[7] = cpu.dr[7]! & ~0x2000;
    cpu.dr[6] = cpu.dr[6]! | 0x2000;
    cpu.raise(Vec.DB);
  }
  if (cpu.opcode === 0x121) cpu.reg32[r] = cpu.dr[dr]!;
  else {
    let v = cpu.reg32[r]!;
    if (dr === 6) v = (v & 0xe00f) | (0xffff0ff0 | 0);
    if (dr === 7) cpu.setDr7((v & ~0xd800) | 0x400);
    else {
      cpu.dr[dr] = v;
      // moving a data breakpoint: its old and new pages must leave the TLB
      if (dr < 4 && cpu.bpDataMask !== 0) cpu.setDr7(cpu.dr[7]!);
    }
  }
}

function tscValue(cpu: Cpu): number {
  return cpu.clockTsc() + cpu.tscOffset;
}

function rdtsc(cpu: Cpu): void {
  if ((cpu.cr4 & Cr4.TSD) !== 0 && cpu.cpl !== 0 && (cpu.cr0 & Cr0.PE) !== 0) cpu.gp(0);
  const t = Math.max(0, tscValue(cpu));
  cpu.reg32[0] = t % 0x100000000 | 0;
  cpu.reg32[2] = Math.floor(t / 0x100000000) | 0;
}

function rdmsr(cpu: Cpu): void {
  requireCpl0(cpu);
  const r = cpu.reg32;
  let lo = 0;
  let hi = 0;
  switch (r[1]! >>> 0) {
    case 0x10: {
      const t = Math.max(0, tscValue(cpu));
      lo = t % 0x100000000 | 0;
      hi = Math.floor(t / 0x100000000) | 0;
      break;
    }
    case 0x17: break; // IA32_PLATFORM_ID
    case 0x1b: if (!cpu.options.apic) cpu.gp(0); lo = cpu.apicBase; break;
    case 0x8b: break; // IA32_BIOS_SIGN_ID: no microcode
    case 0x174: lo = cpu.sysenterCs; break;
    case 0x175: lo = cpu.sysenterEsp; break;
    case 0x176: lo = cpu.sysenterEip; break;
    default: cpu.gp(0);
  }
  r[0] = lo;
  r[2] = hi;
}

function wrmsr(cpu: Cpu): void {
  requireCpl0(cpu);
  const r = cpu.reg32;
  const lo = r[0]!;
  switch (r[1]! >>> 0) {
    case 0x10:
      cpu.tscOffset = (r[2]! >>> 0) * 0x100000000 + (lo >>> 0) - cpu.clockTsc();
      return;
    case 0x1b: if (!cpu.options.apic) cpu.gp(0); cpu.apicBase = (lo & ~0x6ff) | 0x100; return;
    case 0x8b: return;
    case 0x174: cpu.sysenterCs = lo & 0xffff; return;
    case 0x175: cpu.sysenterEsp = lo; return;
    case 0x176: cpu.sysenterEip = lo; return;
    default: cpu.gp(0);
  }
}

function rdpmc(cpu: Cpu): void {
  if ((cpu.cr4 & Cr4.PCE) === 0 && cpu.cpl !== 0 && (cpu.cr0 & Cr0.PE) !== 0) cpu.gp(0);
  if ((cpu.reg32[1]! >>> 0) > 1) cpu.gp(0);
  // no performance counters are modelled: they read as zero
  cpu.reg32[0] = 0;
  cpu.reg32[2] = 0;
}

function str4(s: string, i: number): number {
  return s.charCodeAt(i) | (s.charCodeAt(i + 1) << 8) | (s.charCodeAt(i + 2) << 16) | (s.charCodeAt(i + 3) << 24);
}

/** CPUID.1:EDX integer-unit features: VME PSE TSC MSR PAE CX8 SEP PGE CMOV (+APIC when configured). DE is not claimed: I/O breakpoints are not matched. */
export const INTEGER_CPUID_EDX = (1 << 1) | (1 << 3) | (1 << 6) | (1 << 4) | (1 << 5) | (1 << 8) | (1 << 11) | (1 << 13) | (1 << 15);

function cpuid(cpu: Cpu): void {
  const r = cpu.reg32;
  let leaf = r[0]! >>> 0;
  const hv = cpu.options.hypervisor;
  if (hv && leaf === 0x40000000) {
    const v = (cpu.options.hypervisorVendor + '\0\0\0\0\0\0\0\0\0\0\0\0').slice(0, 12);
    r[0] = 0x40000000;
    r[3] = str4(v, 0);
    r[1] = str4(v, 4);
    r[2] = str4(v, 8);
    return;
  }
  // out-of-range leaves report the highest basic leaf (Intel)
  if (leaf > 2) leaf = 2;
  const fpu = cpu.options.fpu;
  switch (leaf) {
    case 0:
      r[0] = 2;
      r[3] = str4('Genu', 0);
      r[2] = str4('ineI', 0);
      r[1] = str4('ntel', 0);
      return;
    case 1: {
      let edx = INTEGER_CPUID_EDX | (cpu.options.apic ? 1 << 9 : 0);
      let ecx = 0;
      if (fpu !== null) {
        edx |= fpu.cpuidEdx & FPU_CPUID_EDX_MASK;
        ecx |= fpu.cpuidEcx & 0x7fffffff;
      }
      if (hv) ecx |= 1 << 31;
      r[0] = 0x633;
      r[3] = 0;
      r[1] = ecx;
      r[2] = edx;
      return;
    }
    default:
      // cache descriptors: 16 KiB L1 I/D, 512 KiB L2, TLBs (a Pentium II)
      r[0] = 0x03020101;
      r[3] = 0;
      r[2] = 0x0c040843;
      r[1] = 0;
  }
}

function sysenter(cpu: Cpu): void {
  if ((cpu.cr0 & Cr0.PE) === 0 || (cpu.sysenterCs & 0xfffc) === 0) cpu.gp(0);
  cpu.setFlags(cpu.getFlags() & ~(Flag.VM | Flag.IF | Flag.RF));
  const cs = cpu.sysenterCs & 0xfffc;
  loadSegmentRaw(cpu, 1, cs, 0, -1, 0xcf9b, 0);
  loadSegmentRaw(cpu, 2, (cs + 8) & 0xfffc, 0, -1, 0xcf93, 0);
  cpu.reg32[4] = cpu.sysenterEsp;
  cpu.eip = cpu.sysenterEip;
}

function sysexit(cpu: Cpu): void {
  if ((cpu.cr0 & Cr0.PE) === 0 || (cpu.flags & Flag.VM) !== 0 || cpu.cpl !== 0 || (cpu.sysenterCs & 0xfffc) === 0) cpu.gp(0);
  const cs = cpu.sysenterCs & 0xfffc;
  loadSegmentRaw(cpu, 1, (cs + 16) | 3, 0, -1, 0xcffb, 3);
  loadSegmentRaw(cpu, 2, (cs + 24) | 3, 0, -1, 0xcff3, 3);
  cpu.reg32[4] = cpu.reg32[1]!;
  cpu.eip = cpu.reg32[2]!;
}

function rsm(cpu: Cpu): void {
  // not in SMM
  cpu.ud();
}

/** Install system instructions. */
export function installSystem(ops: Op[]): void {
  ops[0xe4] = ops[0xe5] = ops[0xe6] = ops[0xe7] = inOut;
  ops[0xec] = ops[0xed] = ops[0xee] = ops[0xef] = inOut;
  ops[0x100] = grp6;
  ops[0x101] = grp7;
  ops[0x102] = ops[0x103] = larLsl;
  ops[0x106] = clts;
  ops[0x108] = ops[0x109] = invd;
  ops[0x120] = ops[0x122] = movCr;
  ops[0x121] = ops[0x123] = movDr;
  ops[0x130] = wrmsr;
  ops[0x131] = rdtsc;
  ops[0x132] = rdmsr;
  ops[0x133] = rdpmc;
  ops[0x134] = sysenter;
  ops[0x135] = sysexit;
  ops[0x1a2] = cpuid;
  ops[0x1aa] = rsm;
}
