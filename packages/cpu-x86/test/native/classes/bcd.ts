/**
 * BCD adjusts: DAA, DAS, AAA, AAS, AAM imm8 (imm 0 raises #DE), AAD imm8,
 * alone on random AL/AH/flags and after the ADD/SUB they are meant to follow.
 * Undefined flags (Intel SDM vol. 2): OF after DAA/DAS; OF, SF, ZF, PF after
 * AAA/AAS; OF, AF, CF after AAM/AAD.
 */
import { EAX, EBX } from '../asm.js';
import { AF, CF, draft, finish, OF, PF, SF, ZF, type NativeCase } from '../case.js';
import type { Prng } from '../prng.js';

const OPS = [
  { name: 'daa', op: 0x27, undef: OF },
  { name: 'das', op: 0x2f, undef: OF },
  { name: 'aaa', op: 0x37, undef: OF | SF | ZF | PF },
  { name: 'aas', op: 0x3f, undef: OF | SF | ZF | PF },
  { name: 'aam', op: 0xd4, undef: OF | AF | CF },
  { name: 'aad', op: 0xd5, undef: OF | AF | CF },
] as const;

function bcdByte(rng: Prng): number {
  return rng.chance(0.6) ? rng.below(10) * 16 + rng.below(10) : rng.below(256);
}

/** One random BCD case. */
export function bcdCase(rng: Prng): NativeCase {
  const d = draft(rng, 'bcd');
  const a = d.asm;
  const o = rng.pick(OPS);
  const withArith = o.op < 0x40 && rng.chance(0.4);
  d.regs[EAX] = ((d.regs[EAX]! & 0xffff0000) | (rng.below(256) << 8) | bcdByte(rng)) >>> 0;
  let imm = 10;
  if (withArith) {
    // add/sub al, bl (or adc/sbb) first, as real BCD code does.
    d.regs[EBX] = ((d.regs[EBX]! & ~0xff) | bcdByte(rng)) >>> 0;
    const sub = o.name === 'das' || o.name === 'aas';
    const carry = rng.chance(0.3);
    a.db(sub ? (carry ? 0x18 : 0x28) : carry ? 0x10 : 0x00, 0xd8); // op al, bl
  }
  a.db(o.op);
  let faults = false;
  if (o.op >= 0xd4) {
    imm = rng.pick([10, 10, 10, 0, 16, 7, 2, 1, 255, rng.below(256)]);
    a.imm8(imm);
    faults = o.name === 'aam' && imm === 0;
  }
  if (!faults) d.undefFlags |= o.undef;
  d.name = `${withArith ? 'op al, bl; ' : ''}${o.name}${o.op >= 0xd4 ? ` ${imm}` : ''}${faults ? ' (#DE)' : ''}`;
  return finish(d);
}

/** Hand-written: DAA/DAS/AAA/AAS exhaustively over AL and the CF/AF inputs. */
export function bcdExhaustiveCases(rng: Prng): NativeCase[] {
  const out: NativeCase[] = [];
  for (const o of OPS.slice(0, 4)) {
    for (let al = 0; al < 256; al++) {
      for (const cf of [0, 1]) {
        for (const af of [0, 1]) {
          const d = draft(rng, 'bcd', `${o.name} [al=0x${al.toString(16)} cf=${cf} af=${af}]`);
          d.regs[EAX] = ((d.regs[EAX]! & 0xffff0000) | (rng.below(256) << 8) | al) >>> 0;
          d.eflags = (d.eflags & ~(CF | AF)) | (cf ? CF : 0) | (af ? AF : 0);
          d.undefFlags |= o.undef;
          d.asm.db(o.op);
          out.push(finish(d));
        }
      }
    }
  }
  return out;
}
