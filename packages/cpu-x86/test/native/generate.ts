/**
 * The full deterministic case list: hand-written edge cases plus random
 * cases per instruction class, all drawn from one seeded PRNG.
 */
import { aluCase, aluEdgeCases } from './classes/alu.js';
import { bcdCase, bcdExhaustiveCases } from './classes/bcd.js';
import { bitCase } from './classes/bit.js';
import { condCase } from './classes/cond.js';
import { divCase, divEdgeCases, mulCase } from './classes/muldiv.js';
import { seqCase } from './classes/seq.js';
import { stackCase } from './classes/stack.js';
import { excCase } from './classes/exc.js';
import { shiftCase, shiftEdgeCases } from './classes/shift.js';
import { stringCase, stringEdgeCases } from './classes/string.js';
import { mmxCase } from './classes/mmx.js';
import { sseCase } from './classes/sse.js';
import { sseMoveCase } from './classes/ssemove.js';
import { x87Case } from './classes/x87.js';
import type { NativeCase } from './case.js';
import { Prng } from './prng.js';

/** The default seed CI uses. */
export const DEFAULT_SEED = 0x5eed0001;

/** Random cases per class (hand-written cases come on top). */
export const RANDOM_COUNTS: Readonly<Record<string, number>> = {
  alu: 8000,
  shift: 5000,
  mul: 2000,
  div: 3000,
  string: 3000,
  bcd: 600,
  bit: 3000,
  cond: 2000,
  seq: 5000,
  stack: 1500,
  exc: 600,
  x87: 4000,
  mmx: 3000,
  sse: 5000,
  ssemove: 2000,
};

const RANDOM: Readonly<Record<string, (rng: Prng) => NativeCase>> = {
  alu: aluCase,
  shift: shiftCase,
  mul: mulCase,
  div: divCase,
  string: stringCase,
  bcd: bcdCase,
  bit: bitCase,
  cond: condCase,
  seq: seqCase,
  stack: stackCase,
  exc: excCase,
  x87: x87Case,
  mmx: mmxCase,
  sse: sseCase,
  ssemove: sseMoveCase,
};

/**
 * Generate every case for `seed`. `scale` multiplies the random counts
 * (e.g. 0.1 for a quick local run).
 */
export function generateCases(seed = DEFAULT_SEED, scale = 1): NativeCase[] {
  const out: NativeCase[] = [];
  const hand = new Prng(seed ^ 0x68616e64);
  out.push(...aluEdgeCases(hand), ...divEdgeCases(hand), ...stringEdgeCases(hand), ...shiftEdgeCases(hand), ...bcdExhaustiveCases(hand));
  for (const [cls, n] of Object.entries(RANDOM_COUNTS)) {
    // One stream per class, seeded from the class name, so adding or changing
    // a class leaves the other classes' cases (and their ids) alone.
    const rng = new Prng((seed ^ nameHash(cls)) >>> 0);
    const gen = RANDOM[cls] as (rng: Prng) => NativeCase;
    const count = Math.max(1, Math.round(n * scale));
    for (let i = 0; i < count; i++) out.push(gen(rng));
  }
  return out;
}

function nameHash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}
