/**
 * Stack and control transfer whose results show in registers or the data
 * area: PUSH/POP (registers, immediates, memory operands in both
 * directions, 16-bit forms), PUSHAD/POPAD, CALL/RET within the code,
 * CALL-to-next-instruction/POP (reads EIP), ENTER (with nesting levels, the
 * frame chain in the data area)/LEAVE, and XLAT. Every sequence leaves ESP
 * where it found it. EBP is the frame register, so ENTER/LEAVE cases load
 * it with a data-area address. All flags are unaffected.
 */
import { EAX, EBP, EBX, ESI, m, REG_NAMES } from '../asm.js';
import { DATA_ADDR, draft, finish, operand, type NativeCase } from '../case.js';
import type { Prng } from '../prng.js';
import { anyReg, BASES, dataMem, memRegs as memBases } from './util.js';

const R32 = REG_NAMES[32] as readonly string[];

/** One random stack case. */
export function stackCase(rng: Prng): NativeCase {
  const d = draft(rng, 'stack');
  const a = d.asm;
  const kind = rng.below(8);
  if (kind < 2) {
    // A permutation through the stack: push n values, pop them into other places.
    const n = rng.range(1, 4);
    const names: string[] = [];
    const wide = rng.chance(0.8);
    const usedBases: number[] = [EBX];
    for (let i = 0; i < n; i++) {
      let k = rng.below(4);
      if (k === 3 && BASES.every((b) => usedBases.includes(b))) k = 2;
      if (!wide) a.db(0x66);
      if (k === 0) {
        const x = anyReg(rng, 32);
        a.db(0x50 + x);
        names.push(`push ${R32[x]}`);
      } else if (k === 1) {
        const v = operand(rng);
        a.db(0x68).imm(wide ? 32 : 16, v);
        names.push(`push 0x${v.toString(16)}`);
      } else if (k === 2) {
        a.db(0x6a, rng.below(256));
        names.push('push imm8');
      } else {
        // Each memory push gets its own base register (and EBX stays for "pop [ebx]").
        const { op } = dataMem(d, rng, 4, usedBases);
        usedBases.push(...memBases(op));
        a.op([0xff], 6, op);
        names.push('push [mem]');
      }
    }
    for (let i = 0; i < n; i++) {
      if (!wide) a.db(0x66);
      if (rng.chance(0.7)) {
        // Never into EBX: a later "pop [ebx]" needs it.
        const x = rng.pick([EAX, 1, 2, EBP, ESI, 7]);
        a.db(0x58 + x);
        names.push(`pop ${R32[x]}`);
      } else {
        d.regs[EBX] = DATA_ADDR + rng.below(252);
        a.op([0x8f], 0, m(EBX, 0));
        names.push('pop [ebx]');
      }
    }
    d.name = names.join('; ') + (wide ? '' : ' (16-bit)');
  } else if (kind === 2) {
    // pushad; change registers; popad restores all but ESP.
    a.db(0x60);
    for (let i = 0; i < 3; i++) a.db(0xb8 + rng.pick([0, 1, 2, 3, 5, 6, 7])).imm32(operand(rng));
    a.db(0x61);
    d.name = 'pushad; mov r, imm x3; popad';
  } else if (kind === 3) {
    // call over a subroutine body: call +N; ...; the subroutine adds and returns.
    // layout: call sub; jmp end; sub: add eax, ecx; ret; end:
    a.db(0xe8).imm32(2); // call sub (skip the 2-byte jmp)
    a.db(0xeb, 3); // jmp end
    a.db(0x01, 0xc8); // sub: add eax, ecx
    a.db(0xc3); // ret
    d.name = 'call; add eax, ecx; ret';
  } else if (kind === 4) {
    // call next; pop r: the classic way to read EIP.
    const x = anyReg(rng, 32);
    a.db(0xe8).imm32(0).db(0x58 + x);
    d.name = `call $+5; pop ${R32[x]}`;
  } else if (kind === 5) {
    // enter size, level; read the copied frame pointers; use a local; leave.
    // (The last display slot holds a stack address, which differs between the
    // host and the emulator, so it is never read.)
    const level = rng.pick([0, 0, 1, 2, 3]);
    const size = rng.pick([4, 8, 16, 0x100]);
    d.regs[EBP] = DATA_ADDR + 64 + rng.below(128);
    a.db(0xc8).imm16(size).imm8(level);
    for (let k = 1; k < level; k++) a.db(0x8b, 0x4d + (k === 1 ? 0 : 8), (-4 * k) & 0xff); // mov ecx/edx, [ebp-4k]
    const local = (-4 * level - 4) & 0xff;
    a.db(0x89, 0x45, local); // mov [ebp-4*level-4], eax
    a.db(0x8b, 0x75, local); // mov esi, [ebp-4*level-4]
    a.db(0xc9); // leave
    d.name = `enter ${size}, ${level}; leave`;
  } else if (kind === 6) {
    // xlat: AL = [EBX + AL]
    d.regs[EBX] = DATA_ADDR;
    a.db(rng.chance(0.3) ? 0x3e : 0x90, 0xd7);
    d.name = 'xlatb';
  } else {
    // pop/push of a 16-bit value keep the upper register half.
    const x = anyReg(rng, 32);
    const y = anyReg(rng, 32);
    a.db(0x66, 0x50 + x, 0x66, 0x58 + y);
    d.name = `push ${(REG_NAMES[16] as readonly string[])[x]}; pop ${(REG_NAMES[16] as readonly string[])[y]}`;
  }
  return finish(d);
}
