/**
 * String instructions: MOVS, CMPS, STOS, LODS, SCAS in byte/word/dword, with
 * and without REP/REPE/REPNE, with DF clear and set. ESI/EDI point into the
 * data area and ECX is small enough that every access stays inside it.
 * All flags CMPS/SCAS write are defined (as for SUB).
 */
import { EAX, ECX, EDI, ESI } from '../asm.js';
import { DATA_ADDR, DATA_SIZE, DF, draft, finish, type NativeCase } from '../case.js';
import type { Prng } from '../prng.js';

const OPS = [
  { name: 'movs', op: 0xa4, src: true, dst: true, reps: [0xf3] },
  { name: 'cmps', op: 0xa6, src: true, dst: true, reps: [0xf3, 0xf2] },
  { name: 'stos', op: 0xaa, src: false, dst: true, reps: [0xf3] },
  { name: 'lods', op: 0xac, src: true, dst: false, reps: [0xf3] },
  { name: 'scas', op: 0xae, src: false, dst: true, reps: [0xf3, 0xf2] },
] as const;

/** A start offset so that `count` elements of `size` bytes fit in the data area in direction `down`. */
function start(rng: Prng, count: number, size: number, down: boolean): number {
  const span = Math.max(1, count) * size;
  if (!down) return rng.below(DATA_SIZE - span + 1);
  return span - size + rng.below(DATA_SIZE - span + 1);
}

/** One random string-instruction case. */
export function stringCase(rng: Prng): NativeCase {
  const d = draft(rng, 'string');
  const a = d.asm;
  const o = rng.pick(OPS);
  const size = rng.pick([1, 2, 4]);
  const rep = rng.chance(0.75) ? rng.pick(o.reps) : 0;
  const down = rng.chance(0.4);
  d.eflags = down ? d.eflags | DF : d.eflags & ~DF;
  const count = rep ? rng.pick([0, 1, 2, 3, rng.below(64 / size), rng.below(200 / size)]) : 1;
  d.regs[ECX] = rep ? count : d.regs[ECX]!;
  d.regs[ESI] = DATA_ADDR + start(rng, count, size, down);
  d.regs[EDI] = DATA_ADDR + start(rng, count, size, down);
  if (o.name === 'cmps' || o.name === 'scas') {
    // Runs of equal elements so REPE/REPNE stop at interesting places.
    if (rng.chance(0.6)) {
      const fill = rng.below(256);
      for (let i = 0; i < DATA_SIZE; i++) if (rng.chance(0.9)) d.data[i] = fill;
      d.regs[EAX] = (fill * 0x01010101) >>> 0;
      if (rng.chance(0.3)) d.regs[EAX] = (d.regs[EAX]! ^ (1 << rng.below(32))) >>> 0;
    }
    if (o.name === 'cmps' && rng.chance(0.3)) d.regs[EDI] = d.regs[ESI]!;
  }
  if (size === 2) a.db(0x66);
  if (rep) a.db(rep);
  a.db(o.op + (size === 1 ? 0 : 1));
  const suffix = size === 1 ? 'b' : size === 2 ? 'w' : 'd';
  const prefix = rep === 0 ? '' : rep === 0xf2 ? 'repne ' : o.name === 'cmps' || o.name === 'scas' ? 'repe ' : 'rep ';
  d.name = `${prefix}${o.name}${suffix} (ecx=${rep ? count : '-'}, df=${down ? 1 : 0})`;
  return finish(d);
}

/** Hand-written: a REP MOVSB overlapping copy (forward and backward), REP STOSD fills. */
export function stringEdgeCases(rng: Prng): NativeCase[] {
  const out: NativeCase[] = [];
  // Overlapping copies: x86 moves element by element, so a destination less
  // than one element ahead of the source replicates differently for each size.
  for (const size of [1, 2, 4]) {
    for (const down of [false, true]) {
      for (const delta of [-5, -3, -2, -1, 1, 2, 3, 4, 5]) {
        const sfx = size === 1 ? 'b' : size === 2 ? 'w' : 'd';
        const d = draft(rng, 'string', `rep movs${sfx} overlap delta=${delta} df=${down ? 1 : 0}`);
        d.eflags = down ? d.eflags | DF : d.eflags & ~DF;
        d.regs[ECX] = 40 / size;
        const base = down ? 120 : 60;
        d.regs[ESI] = DATA_ADDR + base;
        d.regs[EDI] = DATA_ADDR + base + delta;
        if (size === 2) d.asm.db(0x66);
        d.asm.db(0xf3, size === 1 ? 0xa4 : 0xa5);
        out.push(finish(d));
      }
    }
  }
  // A sequence: set up with LEA, fill, then scan for the value behind the fill.
  const d = draft(rng, 'string', 'lea/stosd/scasb sequence');
  d.eflags &= ~DF;
  d.regs[EDI] = DATA_ADDR;
  d.regs[ECX] = 16;
  d.regs[EAX] = 0x11223344;
  d.asm.db(0xf3, 0xab); // rep stosd
  d.asm.db(0x8d, 0x7f, 0xc0); // lea edi, [edi-64]
  d.asm.db(0xb9, 64, 0, 0, 0); // mov ecx, 64
  d.asm.db(0xb0, 0x11); // mov al, 0x11
  d.asm.db(0xf2, 0xae); // repne scasb
  out.push(finish(d));
  return out;
}
