/**
 * Random dependent sequences of 3 to 8 flag-producing and flag-consuming
 * instructions on registers: they exercise how the emulator carries flags
 * from one instruction to the next (lazy flags, partial updates such as
 * INC/DEC keeping CF, rotates touching only CF/OF, SAHF, CMC).
 * The generator tracks which flags are undefined at each point (Intel SDM
 * "Flags Affected") and only emits a consumer (ADC/SBB, SETcc, CMOVcc,
 * LAHF, RCL/RCR, CMC, DAA) whose inputs are all defined, so the final state
 * is fully defined except for the flags still undefined at the end.
 */
import { REG_NAMES, type Size } from '../asm.js';
import { AF, CF, CONTROLLED, DF, draft, Feature, finish, maskReg, OF, operand, PF, SF, STATUS, ZF, type NativeCase } from '../case.js';
import type { Prng } from '../prng.js';
import { anyReg, w } from './util.js';

const ALU = ['add', 'or', 'adc', 'sbb', 'and', 'sub', 'xor', 'cmp'];
const CC_READS = [OF, OF, CF, CF, ZF, ZF, CF | ZF, CF | ZF, SF, SF, PF, PF, SF | OF, SF | OF, ZF | SF | OF, ZF | SF | OF];
const CC = ['o', 'no', 'b', 'ae', 'e', 'ne', 'be', 'a', 's', 'ns', 'p', 'np', 'l', 'ge', 'le', 'g'];

/** One random sequence case. */
export function seqCase(rng: Prng): NativeCase {
  const d = draft(rng, 'seq');
  const a = d.asm;
  let undef = 0;
  const names: string[] = [];
  const n = rng.range(3, 8);
  for (let k = 0; k < n; ) {
    const size: Size = rng.pick([8, 16, 32] as const);
    const rn = (x: number): string => (REG_NAMES[size] as readonly string[])[x] as string;
    const kind = rng.below(12);
    if (kind < 3) {
      const op = rng.below(8);
      if ((op === 2 || op === 3) && (undef & CF)) continue;
      const x = anyReg(rng, size);
      a.osz(size);
      if (rng.chance(0.5)) {
        const y = anyReg(rng, size);
        a.op([op * 8 + w(size)], y, { reg: x });
        names.push(`${ALU[op]} ${rn(x)}, ${rn(y)}`);
      } else {
        a.op([size === 8 ? 0x80 : 0x81], op, { reg: x }).imm(size, operand(rng));
        names.push(`${ALU[op]} ${rn(x)}, imm`);
      }
      undef = op === 1 || op === 4 || op === 6 ? AF : 0;
    } else if (kind < 5) {
      const which = rng.below(4);
      const x = anyReg(rng, size);
      a.osz(size).op([0xfe + w(size)], 0, { reg: x });
      a.bytes[a.bytes.length - 1] = 0xc0 | ([0, 1, 3, 2][which]! << 3) | x;
      if (which >= 2) a.bytes[a.bytes.length - 2] = 0xf6 + w(size);
      names.push(`${['inc', 'dec', 'neg', 'not'][which]} ${rn(x)}`);
      if (which < 2) undef &= CF;
      else if (which === 2) undef = 0;
    } else if (kind < 7) {
      const op = rng.pick([0, 1, 2, 3, 4, 5, 7]);
      if ((op === 2 || op === 3) && (undef & CF)) continue;
      const x = anyReg(rng, size);
      const cnt = rng.pick([1, 1, 2, 3, size - 1]);
      a.osz(size);
      if (cnt === 1) a.op([0xd0 + w(size)], op, { reg: x });
      else a.op([0xc0 + w(size)], op, { reg: x }).imm8(cnt);
      names.push(`${['rol', 'ror', 'rcl', 'rcr', 'shl', 'shr', 'sal', 'sar'][op]} ${rn(x)}, ${cnt}`);
      if (op < 4) undef = (undef & ~(CF | OF)) | (cnt === 1 ? 0 : OF);
      else undef = AF | (cnt === 1 ? 0 : OF);
    } else if (kind < 9) {
      const cc = rng.below(16);
      if (undef & CC_READS[cc]!) continue;
      if (rng.chance(0.5)) {
        const x = anyReg(rng, 8);
        a.op([0x0f, 0x90 + cc], 0, { reg: x });
        names.push(`set${CC[cc]} ${(REG_NAMES[8] as readonly string[])[x]}`);
      } else {
        d.requires |= Feature.CMOV;
        const sz: Size = size === 8 ? 32 : size;
        const x = anyReg(rng, sz);
        const y = anyReg(rng, sz);
        a.osz(sz).op([0x0f, 0x40 + cc], x, { reg: y });
        names.push(`cmov${CC[cc]} ${(REG_NAMES[sz] as readonly string[])[x]}, ${(REG_NAMES[sz] as readonly string[])[y]}`);
      }
    } else if (kind === 9) {
      const which = rng.below(6);
      if (which === 5) {
        // push imm32; popfd: every controlled flag from an immediate (no TF/IF bits).
        const v = rng.u32() & (STATUS | DF);
        a.db(0x68).imm32(v | 2).db(0x9d);
        undef = 0;
        names.push(`push 0x${v.toString(16)}; popfd`);
      } else if (which === 0) {
        if (undef & (SF | ZF | AF | PF | CF)) continue;
        a.db(0x9f);
        names.push('lahf');
      } else if (which === 1) {
        a.db(0x9e);
        undef &= OF;
        names.push('sahf');
      } else if (which === 2) {
        if (undef & CF) continue;
        a.db(0xf5);
        names.push('cmc');
      } else if (which === 3) {
        a.db(rng.chance(0.5) ? 0xf8 : 0xf9);
        undef &= ~CF;
        names.push('clc/stc');
      } else {
        if (undef & (CF | AF)) continue;
        a.db(0x27);
        undef = OF;
        names.push('daa');
      }
    } else if (kind === 10) {
      // MUL/IMUL r: CF/OF defined, SF/ZF/AF/PF undefined.
      const x = anyReg(rng, size);
      a.osz(size).op([0xf6 + w(size)], rng.chance(0.5) ? 4 : 5, { reg: x });
      undef = SF | ZF | AF | PF;
      names.push(`mul/imul ${rn(x)}`);
    } else {
      const sz: Size = size === 8 ? 32 : size;
      const x = anyReg(rng, sz);
      const y = anyReg(rng, sz);
      a.osz(sz).op([0x0f, 0xa3], y, { reg: x });
      undef = (undef & ZF) | OF | SF | AF | PF;
      names.push(`bt ${(REG_NAMES[sz] as readonly string[])[x]}, ${(REG_NAMES[sz] as readonly string[])[y]}`);
    }
    k++;
  }
  d.undefFlags = undef & STATUS;
  if (rng.chance(0.3)) {
    // pushfd; pop r32 last: EFLAGS as software reads it. Only the controlled,
    // defined bits are compared (IF, IOPL and friends differ between a CPL 3
    // process and the CPL 0 emulator).
    const x = anyReg(rng, 32);
    a.db(0x9c, 0x58 + x);
    maskReg(d, x, ~(CONTROLLED & ~undef));
    names.push(`pushfd; pop ${(REG_NAMES[32] as readonly string[])[x]}`);
  }
  d.name = names.join('; ');
  return finish(d);
}
