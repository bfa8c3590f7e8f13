/**
 * The flattened page table: the region pieces painted, lowest priority
 * first, into typed arrays with one entry per 4 KiB guest-physical page.
 * Pages shared by several regions get a segment list (sub-page dispatch);
 * PAM-shadowed pages get separate read and write entries.
 *
 * @module
 */

import { GUEST_PAGES, PAGE_SIZE, PageKind } from './constants.js';
import type { Piece } from './region.js';

/** First page of the PAM-controlled legacy BIOS area (0xC0000). */
export const SHADOW_FIRST_PAGE = 0xc0;
/** One past its last page (0x100000). */
export const SHADOW_END_PAGE = 0x100;
const SHADOW_PAGES = SHADOW_END_PAGE - SHADOW_FIRST_PAGE;

/** Shadow mode bits per page. */
export const ShadowMode = {
  /** The page follows setShadow rather than plain priorities. */
  Explicit: 1,
  /** Reads come from RAM. */
  ReadRam: 2,
  /** Writes go to RAM. */
  WriteRam: 4,
} as const;

const FILTER_ALL = 0;
const FILTER_RAM = 1;
const FILTER_BUS = 2;

/** Regions sharing one page: segments `[end[i-1], end[i])` of the page, each with an entry. */
export class Subpage {
  /** Segment ends, in-page byte offsets, ascending, the last is 4096. */
  declare readonly end: Int32Array;
  /** Segment {@link PageKind}s (never Subpage or Shadow). */
  declare readonly kind: Uint8Array;
  /** Segment arguments (as in the page table). */
  declare readonly arg: Int32Array;
  /** MMIO segments: region offset of in-page offset 0 (may be negative). */
  declare readonly off: Int32Array;
  /** Region name per segment (diagnostics). */
  declare readonly names: string[];

  constructor(n: number) {
    this.end = new Int32Array(n);
    this.kind = new Uint8Array(n);
    this.arg = new Int32Array(n);
    this.off = new Int32Array(n);
    this.names = [];
  }
}

/** The page table. All arrays are indexed by guest-physical page number. */
export class FlatView {
  /** {@link PageKind} per page. */
  declare readonly kind: Uint8Array;
  /** RAM: pmap page; ROM: machine page; MMIO: handler slot; Subpage: subpage index; Shadow: unused. */
  declare readonly arg: Int32Array;
  /** MMIO: region offset of the page's first byte. */
  declare readonly off: Int32Array;
  /** Segment lists referenced by Subpage entries (and shadow entries). */
  declare readonly subpages: (Subpage | null)[];
  /** Per PAM page: {@link ShadowMode} bits. */
  declare readonly shadowMode: Uint8Array;
  /** Per PAM page: the read-side entry of a Shadow page. */
  declare readonly shadowReadKind: Uint8Array;
  declare readonly shadowReadArg: Int32Array;
  declare readonly shadowReadOff: Int32Array;
  /** Per PAM page: the write-side entry of a Shadow page. */
  declare readonly shadowWriteKind: Uint8Array;
  declare readonly shadowWriteArg: Int32Array;
  declare readonly shadowWriteOff: Int32Array;
  /** The sorted pieces last painted. */
  declare pieces: Piece[];
  private declare readonly freeSubpages: number[];
  private declare resArg: number;
  private declare resOff: number;

  constructor() {
    this.kind = new Uint8Array(GUEST_PAGES);
    this.arg = new Int32Array(GUEST_PAGES);
    this.off = new Int32Array(GUEST_PAGES);
    this.subpages = [];
    this.freeSubpages = [];
    this.shadowMode = new Uint8Array(SHADOW_PAGES);
    this.shadowReadKind = new Uint8Array(SHADOW_PAGES);
    this.shadowReadArg = new Int32Array(SHADOW_PAGES);
    this.shadowReadOff = new Int32Array(SHADOW_PAGES);
    this.shadowWriteKind = new Uint8Array(SHADOW_PAGES);
    this.shadowWriteArg = new Int32Array(SHADOW_PAGES);
    this.shadowWriteOff = new Int32Array(SHADOW_PAGES);
    this.pieces = [];
    this.resArg = 0;
    this.resOff = 0;
  }

  /** Recompute pages `p0 .. p1 - 1` from {@link pieces}. */
  repaint(p0: number, p1: number): void {
    const kind = this.kind;
    const arg = this.arg;
    const off = this.off;
    for (let p = p0; p < p1; p++) {
      const k = kind[p];
      if (k === PageKind.Subpage) this.freeSubpage(arg[p]!);
      else if (k === PageKind.Shadow) this.freeShadowSides(p - SHADOW_FIRST_PAGE);
    }
    kind.fill(PageKind.Unassigned, p0, p1);
    arg.fill(0, p0, p1);
    off.fill(0, p0, p1);
    const partial: number[] = [];
    for (const pc of this.pieces) {
      const first = Math.floor(pc.start / PAGE_SIZE);
      const last = Math.ceil(pc.end / PAGE_SIZE); // exclusive
      if (last <= p0 || first >= p1) continue;
      const fullFirst = Math.ceil(pc.start / PAGE_SIZE);
      const fullEnd = Math.floor(pc.end / PAGE_SIZE);
      const a = Math.max(fullFirst, p0);
      const b = Math.min(fullEnd, p1);
      if (pc.kind === PageKind.Ram) {
        for (let p = a; p < b; p++) {
          kind[p] = PageKind.Ram;
          arg[p] = pc.arg + (p - fullFirst);
          off[p] = 0;
        }
      } else if (pc.kind === PageKind.Rom) {
        const frames = pc.frames!;
        for (let p = a; p < b; p++) {
          kind[p] = PageKind.Rom;
          arg[p] = frames[pc.arg + (p - fullFirst)]!;
          off[p] = 0;
        }
      } else {
        for (let p = a; p < b; p++) {
          kind[p] = PageKind.Mmio;
          arg[p] = pc.arg;
          off[p] = pc.roff + (p * PAGE_SIZE - pc.start);
        }
      }
      // Pages the piece touches without covering get resolved byte by byte below.
      if (!(first >= fullFirst && first < fullEnd) && first >= p0 && first < p1) partial.push(first);
      const lp = last - 1;
      if (lp !== first && !(lp >= fullFirst && lp < fullEnd) && lp >= p0 && lp < p1) partial.push(lp);
    }
    for (const p of partial) {
      if (kind[p] === PageKind.Subpage) continue; // already resolved (listed twice)
      const k = this.resolvePage(p, FILTER_ALL);
      kind[p] = k;
      arg[p] = this.resArg;
      off[p] = this.resOff;
    }
    const s0 = Math.max(p0, SHADOW_FIRST_PAGE);
    const s1 = Math.min(p1, SHADOW_END_PAGE);
    for (let p = s0; p < s1; p++) this.paintShadow(p);
  }

  private paintShadow(p: number): void {
    const i = p - SHADOW_FIRST_PAGE;
    const mode = this.shadowMode[i]!;
    if ((mode & ShadowMode.Explicit) === 0) return;
    // The normal entry (possibly a subpage) is replaced by the two sides.
    if (this.kind[p] === PageKind.Subpage) this.freeSubpage(this.arg[p]!);
    const rk = this.resolvePage(p, mode & ShadowMode.ReadRam ? FILTER_RAM : FILTER_BUS);
    const ra = this.resArg;
    const ro = this.resOff;
    const wk = this.resolvePage(p, mode & ShadowMode.WriteRam ? FILTER_RAM : FILTER_BUS);
    const wa = this.resArg;
    const wo = this.resOff;
    if (rk === wk && ra === wa && ro === wo && rk !== PageKind.Subpage) {
      this.kind[p] = rk;
      this.arg[p] = ra;
      this.off[p] = ro;
      return;
    }
    this.kind[p] = PageKind.Shadow;
    this.arg[p] = 0;
    this.off[p] = 0;
    this.shadowReadKind[i] = rk;
    this.shadowReadArg[i] = ra;
    this.shadowReadOff[i] = ro;
    this.shadowWriteKind[i] = wk;
    this.shadowWriteArg[i] = wa;
    this.shadowWriteOff[i] = wo;
  }

  private freeShadowSides(i: number): void {
    if (this.shadowReadKind[i] === PageKind.Subpage) this.freeSubpage(this.shadowReadArg[i]!);
    if (this.shadowWriteKind[i] === PageKind.Subpage) this.freeSubpage(this.shadowWriteArg[i]!);
    this.shadowReadKind[i] = PageKind.Unassigned;
    this.shadowWriteKind[i] = PageKind.Unassigned;
  }

  private freeSubpage(index: number): void {
    if (this.subpages[index] === null) return;
    this.subpages[index] = null;
    this.freeSubpages.push(index);
  }

  /**
   * Work out page `p` at byte granularity from the pieces passing `filter`.
   * Returns the page's kind, with its argument and offset in resArg/resOff;
   * a page that is not uniform becomes a new {@link Subpage}.
   */
  private resolvePage(p: number, filter: number): number {
    const pageStart = p * PAGE_SIZE;
    const pageEnd = pageStart + PAGE_SIZE;
    const cands: Piece[] = [];
    for (const pc of this.pieces) {
      if (pc.end <= pageStart || pc.start >= pageEnd) continue;
      if (filter === FILTER_RAM && pc.kind !== PageKind.Ram) continue;
      if (filter === FILTER_BUS && pc.kind === PageKind.Ram) continue;
      cands.push(pc);
    }
    const cuts = [0, PAGE_SIZE];
    for (const pc of cands) {
      if (pc.start > pageStart) cuts.push(pc.start - pageStart);
      if (pc.end < pageEnd) cuts.push(pc.end - pageStart);
    }
    cuts.sort((x, y) => x - y);
    const ends: number[] = [];
    const winners: (Piece | null)[] = [];
    for (let i = 0; i + 1 < cuts.length; i++) {
      const s = cuts[i]!;
      const e = cuts[i + 1]!;
      if (s === e) continue;
      let w: Piece | null = null;
      for (const pc of cands) if (pc.start <= pageStart + s && pc.end >= pageStart + e) w = pc;
      if (winners.length > 0 && winners[winners.length - 1] === w) ends[ends.length - 1] = e;
      else {
        winners.push(w);
        ends.push(e);
      }
    }
    if (winners.length === 1) return this.entryOf(winners[0]!, p);
    const sp = new Subpage(winners.length);
    for (let i = 0; i < winners.length; i++) {
      const w = winners[i]!;
      sp.end[i] = ends[i]!;
      sp.kind[i] = this.entryOf(w, p);
      sp.arg[i] = this.resArg;
      sp.off[i] = this.resOff;
      sp.names.push(w === null ? 'unassigned' : w.region.name);
    }
    let index: number;
    if (this.freeSubpages.length > 0) index = this.freeSubpages.pop()!;
    else {
      index = this.subpages.length;
      this.subpages.push(null);
    }
    this.subpages[index] = sp;
    this.resArg = index;
    this.resOff = 0;
    return PageKind.Subpage;
  }

  /** The page-table entry of piece `pc` (or nothing) at page `p`. */
  private entryOf(pc: Piece | null, p: number): number {
    this.resArg = 0;
    this.resOff = 0;
    if (pc === null) return PageKind.Unassigned;
    const firstPage = Math.floor(pc.start / PAGE_SIZE);
    if (pc.kind === PageKind.Ram) this.resArg = pc.arg + (p - firstPage);
    else if (pc.kind === PageKind.Rom) this.resArg = pc.frames![pc.arg + (p - firstPage)]!;
    else {
      this.resArg = pc.arg;
      this.resOff = pc.roff + (p * PAGE_SIZE - pc.start);
    }
    return pc.kind;
  }
}
