/**
 * The region tree's nodes (RAM, ROM, MMIO, alias) and the concrete pieces
 * they are expanded into before flattening.
 *
 * @module
 */

import { PageKind } from './constants.js';

/** What a region is. */
export const RegionKind = {
  /** Guest RAM backed by pmap pages. */
  Ram: 1,
  /** Read-only memory backed by machine pages of its own. */
  Rom: 2,
  /** A device's registers. */
  Mmio: 3,
  /** A window showing the (non-alias) regions at another guest-physical address. */
  Alias: 6,
} as const;

/** A {@link RegionKind} value. */
export type RegionKind = (typeof RegionKind)[keyof typeof RegionKind];

/** One node of the address space's region list. Internal: users hold handles. */
export class Region {
  /** Guest-physical base, or -1 while unmapped. */
  base: number;
  /** Whether the region takes part in flattening. */
  enabled: boolean;
  /** Still part of the address space. */
  live: boolean;

  constructor(
    readonly kind: RegionKind,
    readonly name: string,
    base: number,
    readonly size: number,
    readonly priority: number,
    readonly order: number,
    /** RAM: first pmap page. */
    readonly pmapPage: number,
    /** ROM: machine page per ROM page. */
    readonly frames: Int32Array | null,
    /** MMIO: handler slot. */
    readonly slot: number,
    /** Alias: the guest-physical address shown at `base`. */
    readonly target: number,
  ) {
    this.base = base;
    this.enabled = true;
    this.live = true;
  }

  /** True if the region currently occupies guest-physical space. */
  get active(): boolean {
    return this.live && this.enabled && this.base >= 0;
  }
}

/**
 * A concrete, possibly clipped, piece of a RAM, ROM or MMIO region at some
 * guest-physical range (aliases are expanded into pieces of their targets).
 * Sorted by (outer priority, outer order, inner priority, inner order):
 * later pieces win.
 */
export class Piece {
  constructor(
    /** {@link PageKind.Ram}, {@link PageKind.Rom} or {@link PageKind.Mmio}. */
    readonly kind: PageKind,
    /** First guest-physical byte. */
    readonly start: number,
    /** One past the last byte (at most 2^32). */
    readonly end: number,
    readonly k1: number,
    readonly k2: number,
    readonly k3: number,
    readonly k4: number,
    /** RAM: pmap page at `start`; ROM: index into `frames` at `start`; MMIO: slot. */
    readonly arg: number,
    /** MMIO: region offset at `start`. */
    readonly roff: number,
    /** ROM frames. */
    readonly frames: Int32Array | null,
    /** The region it came from (diagnostics). */
    readonly region: Region,
  ) {}
}

/** Piece order: lower priority first, so painting in order lets the winner paint last. */
export function comparePieces(a: Piece, b: Piece): number {
  return a.k1 - b.k1 || a.k2 - b.k2 || a.k3 - b.k3 || a.k4 - b.k4;
}

const LIMIT = 0x100000000;

/** Expand the active regions into sorted pieces. */
export function buildPieces(regions: readonly Region[]): Piece[] {
  const out: Piece[] = [];
  for (const r of regions) {
    if (!r.active || r.kind === RegionKind.Alias) continue;
    const end = Math.min(r.base + r.size, LIMIT);
    out.push(pieceOf(r, r.base, end, r.base, r.priority, r.order, 0, 0));
  }
  for (const a of regions) {
    if (!a.active || a.kind !== RegionKind.Alias) continue;
    const t0 = a.target;
    const t1 = Math.min(a.target + a.size, LIMIT);
    for (const r of regions) {
      if (!r.active || r.kind === RegionKind.Alias) continue;
      const s = Math.max(r.base, t0);
      const e = Math.min(r.base + r.size, t1, LIMIT);
      if (s >= e) continue;
      const delta = a.base - t0;
      const ps = s + delta;
      const pe = Math.min(e + delta, LIMIT);
      if (ps >= pe) continue;
      out.push(pieceOf(r, ps, pe, s, a.priority, a.order, r.priority, r.order));
    }
  }
  out.sort(comparePieces);
  return out;
}

/** A piece of region `r` placed at [start, end), showing r's bytes from `src` on. */
function pieceOf(r: Region, start: number, end: number, src: number, k1: number, k2: number, k3: number, k4: number): Piece {
  const rel = src - r.base;
  switch (r.kind) {
    case RegionKind.Ram:
      return new Piece(PageKind.Ram, start, end, k1, k2, k3, k4, r.pmapPage + rel / 4096, 0, null, r);
    case RegionKind.Rom:
      return new Piece(PageKind.Rom, start, end, k1, k2, k3, k4, rel / 4096, 0, r.frames, r);
    default:
      return new Piece(PageKind.Mmio, start, end, k1, k2, k3, k4, r.slot, rel, null, r);
  }
}
