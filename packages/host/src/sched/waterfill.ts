/**
 * Proportional allocation with floors and ceilings ("water filling"): give
 * each claimant `clamp(level * weight, floor, ceiling)` with the one level
 * at which the allocations add up to the capacity. Both resource schedulers
 * use it: CPU (weights = shares, floor = reservation, ceiling = limit) and
 * memory (weights = shares adjusted by the idle-memory tax).
 *
 * @module
 */

/**
 * Allocate `capacity` among claimants in proportion to `weights`, each kept
 * within `[floors[i], ceilings[i]]`. When the floors alone exceed the
 * capacity they are returned as they are (admission control's job is to
 * prevent that); when the ceilings add up to less, every claimant gets its
 * ceiling. Deterministic: the level is found by bisection.
 */
export function waterfill(weights: readonly number[], floors: readonly number[], ceilings: readonly number[], capacity: number): number[] {
  const n = weights.length;
  const at = (level: number): number[] => {
    const out = new Array<number>(n);
    for (let i = 0; i < n; i++) out[i] = Math.min(ceilings[i]!, Math.max(floors[i]!, level * Math.max(0, weights[i]!)));
    return out;
  };
  const sum = (a: readonly number[]): number => a.reduce((s, x) => s + x, 0);
  if (n === 0) return [];
  if (sum(floors) >= capacity) return floors.slice();
  if (sum(ceilings) <= capacity) return ceilings.slice();
  let lo = 0;
  let hi = 1;
  while (sum(at(hi)) < capacity && hi < 1e300) hi *= 2;
  for (let k = 0; k < 200; k++) {
    const mid = (lo + hi) / 2;
    if (sum(at(mid)) < capacity) lo = mid;
    else hi = mid;
  }
  return at(hi);
}
