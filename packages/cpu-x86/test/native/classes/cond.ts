/**
 * Condition evaluation: Jcc (rel8 and rel32), SETcc, CMOVcc (P6) on random
 * flags, and LOOP/LOOPE/LOOPNE/JECXZ loops. All flags are defined.
 */
import { EAX, ECX, EDX, EDI, opText, REG_NAMES } from '../asm.js';
import { draft, Feature, finish, type NativeCase } from '../case.js';
import type { Prng } from '../prng.js';
import { anyReg, regOrMem } from './util.js';

const CC = ['o', 'no', 'b', 'ae', 'e', 'ne', 'be', 'a', 's', 'ns', 'p', 'np', 'l', 'ge', 'le', 'g'];

/** One random condition case. */
export function condCase(rng: Prng): NativeCase {
  const d = draft(rng, 'cond');
  const a = d.asm;
  const cc = rng.below(16);
  const kind = rng.below(5);
  if (kind === 0) {
    // jcc over "mov ecx, imm32": ECX tells whether it was taken.
    if (rng.chance(0.5)) a.db(0x70 + cc, 5);
    else a.db(0x0f, 0x80 + cc).imm32(5);
    a.db(0xb9).imm32(0x600dc0de);
    d.name = `j${CC[cc]} (${a.bytes.length === 7 ? 'rel8' : 'rel32'})`;
  } else if (kind === 1) {
    const rm = regOrMem(d, rng, 8, 0.3);
    a.op([0x0f, 0x90 + cc], 0, rm);
    d.name = `set${CC[cc]} ${opText(rm, 8)}`;
  } else if (kind === 2) {
    d.requires |= Feature.CMOV;
    const size = rng.chance(0.5) ? 16 : 32;
    const rm = regOrMem(d, rng, size, 0.3);
    const rg = anyReg(rng, size);
    a.osz(size).op([0x0f, 0x40 + cc], rg, rm);
    d.name = `cmov${CC[cc]} ${(REG_NAMES[size] as readonly string[])[rg]}, ${opText(rm, size)}`;
  } else {
    // jecxz over the loop; body: add eax, edx; cmp eax, edi; loop{,e,ne} body
    const which = rng.below(3);
    d.regs[ECX] = rng.pick([0, 1, 2, 3, rng.below(20)]);
    if (which > 0 && rng.chance(0.5)) d.regs[EDI] = (d.regs[EAX]! + d.regs[EDX]! * rng.range(1, 4)) >>> 0;
    if (which > 0 && rng.chance(0.3)) d.regs[EDX] = 0;
    a.db(0xe3, 6); // jecxz +6
    a.db(0x01, 0xd0); // add eax, edx
    a.db(0x39, 0xf8); // cmp eax, edi
    a.db([0xe2, 0xe1, 0xe0][which]!, 0xfa); // loop/loope/loopne -6
    d.name = `${['loop', 'loope', 'loopne'][which]} (ecx=${d.regs[ECX]})`;
  }
  return finish(d);
}
