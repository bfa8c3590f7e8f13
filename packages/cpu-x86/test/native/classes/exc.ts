/**
 * Exceptions a user-mode process can raise and observe, compared by vector,
 * faulting (or, for traps, following) EIP and the registers at that point:
 * BOUND in and out of range (#BR), INTO with OF clear and set (#OF), INT3
 * (#BP), UD2 and LOCK misuse (#UD), AAM 0 and DIV 0 (#DE) after other work,
 * and a memory access to an unmapped page (#PF). The host kernel reports the
 * vector in the signal context's trap number.
 */
import { EAX, EBX, ECX, m } from '../asm.js';
import { DATA_ADDR, draft, finish, operand, poke, type NativeCase } from '../case.js';
import type { Prng } from '../prng.js';

/** One random exception case. */
export function excCase(rng: Prng): NativeCase {
  const d = draft(rng, 'exc');
  const a = d.asm;
  const kind = rng.below(6);
  // Some ordinary work first, so the state at the fault is not just the input.
  a.db(0x01, 0xc8); // add eax, ecx
  if (kind === 0) {
    // bound r, m: lower and upper bounds at [ebx], [ebx+4] (signed, inclusive).
    const wide = rng.chance(0.7);
    const lo = rng.range(-1000, 1000);
    const hi = lo + rng.range(-10, 2000);
    d.regs[EBX] = DATA_ADDR + 16;
    if (wide) {
      poke(d, 16, lo >>> 0, 4);
      poke(d, 20, hi >>> 0, 4);
    } else {
      poke(d, 16, lo & 0xffff, 2);
      poke(d, 18, hi & 0xffff, 2);
    }
    const v = rng.pick([lo, hi, lo - 1, hi + 1, rng.range(lo - 50, hi + 50)]);
    d.regs[ECX] = v >>> 0;
    if (!wide) a.db(0x66);
    a.op([0x62], ECX, m(EBX, 0));
    d.name = `bound ${wide ? 'ecx' : 'cx'}, [${lo}, ${hi}] (${v >= lo && v <= hi ? 'in range' : '#BR'})`;
  } else if (kind === 1) {
    // into after an add that may overflow.
    d.regs[EAX] = rng.pick([0x7fffffff, 0x80000000, operand(rng)]);
    d.regs[ECX] = rng.pick([1, 0xffffffff, operand(rng)]);
    a.db(0xce);
    d.name = 'add eax, ecx; into';
  } else if (kind === 2) {
    a.db(0xcc);
    d.name = 'add eax, ecx; int3';
  } else if (kind === 3) {
    d.regs[EAX] = (d.regs[EAX]! & ~0xff) | rng.below(256);
    a.db(0xd4, 0x00);
    d.name = 'add eax, ecx; aam 0 (#DE)';
  } else if (kind === 4) {
    a.db(0x0f, 0x0b);
    d.name = 'add eax, ecx; ud2';
  } else {
    // A load from the page after the data area, which is not mapped natively
    // and not present in the emulator's page table.
    d.regs[EBX] = DATA_ADDR + 0x1080 + rng.below(0x100);
    a.op([0x8b], ECX, m(EBX, 0));
    d.name = 'add eax, ecx; mov ecx, [unmapped] (#PF)';
  }
  return finish(d);
}
