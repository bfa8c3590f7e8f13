/**
 * The block translator: straight-line blocks of guest code that run often are
 * compiled to JavaScript (`new Function`) and run in place of the
 * interpreter, which stays the fallback and the reference.
 *
 * - Blocks are cached by guest-physical address of their first byte, EIP and
 *   mode (CS.D, SS.B, protected mode), found through the CPU's own TLB, so
 *   page-table and mode changes are honoured by construction.
 * - A block that has run {@link TranslatorOptions.threshold} times is
 *   compiled together with the other hot blocks of its page into one
 *   *region* function, which jumps between its blocks itself (a direct
 *   branch, a return or an indirect jump whose target starts one of them)
 *   and returns to the dispatcher only to leave the region, after a slow
 *   path (I/O, TLB miss, device access) or when the budget is spent.
 * - Pages holding translated code are write-watched (`GuestMemory.watchWrites`):
 *   any write to them (by the CPU, another CPU or device DMA) drops the page's
 *   blocks; a write from inside a running region stops it after the writing
 *   instruction (`Cpu.jitStop`), so self-modifying code is exact.
 * - A fault inside a region leaves the state the interpreter would leave: the
 *   generated code keeps the EIP of each instruction that can fault in a local
 *   that its `catch` hands over (`Cpu.jitP`), ESP comes from `espStart` for
 *   instructions run through `OPS` (inline ones have not moved it), and the
 *   retired count comes from the faulting instruction's index.
 * - The dispatcher finds the region to enter through a jump cache of typed
 *   arrays indexed by EIP (entry EIP, physical address, mode, block index,
 *   length), checked against the TLB on every use, so a region exit costs a
 *   few loads from contiguous arrays instead of a walk over block objects.
 * - The cache is bounded ({@link TranslatorOptions.maxBlocks}); when full it is
 *   emptied and refilled by what runs next.
 *
 * @module
 */

import type { WriteWatcher } from '@vm/bus';
import type { Cpu } from '../cpu.js';
import { Cr0, Flag, PARITY } from '../constants.js';
import { shift } from '../ops/alu.js';
import { FAULT } from '../fault.js';
import { OPS } from '../ops/table.js';
import type { Op } from '../ops/types.js';
import { generateRegion } from './codegen.js';
import { decodeInsn, endsBlock, type Insn } from './insn.js';

/** Options of the translator. */
export interface TranslatorOptions {
  /** Runs of a block (interpreted) before it is compiled (default 20,000; 0 compiles at once). */
  threshold?: number;
  /** Most instructions in one block (default 64). */
  maxInstructions?: number;
  /** Most blocks cached before the cache is emptied (default 65536). */
  maxBlocks?: number;
}

/** Counters of the translator, see {@link Translator.stats}. */
export interface TranslatorStats {
  /** Blocks in the cache (decoded, compiled or not). */
  blocks: number;
  /** Blocks in the cache that are part of a compiled region. */
  compiled: number;
  /** Region functions compiled since creation (a region is recompiled when a new block of its page gets hot). */
  compiledTotal: number;
  /** Block look-ups that found a cached block (chained successors included). */
  hits: number;
  /** Look-ups that had to decode a new block. */
  misses: number;
  /** hits / (hits + misses). */
  hitRate: number;
  /** Instructions retired inside compiled blocks. */
  jitInstructions: number;
  /** Instructions retired by the interpreter on the translator's behalf. */
  interpretedInstructions: number;
  /** Blocks dropped by writes to their page or mapping changes. */
  invalidated: number;
  /** Times the cache was emptied because it was full. */
  flushes: number;
  /** Blocks whose generated code did not compile (a translator bug; they stay interpreted). */
  failedCompiles: number;
}

type RegionFn = (c: Cpu, bi: number, budget: number) => number;
type Factory = (O: Op[], m32: Int32Array | null, SH: typeof shift, P: Uint8Array) => RegionFn;

/**
 * The compiled code of one page: the page's warm blocks (same mode, same
 * EIP-to-physical offset) in one function that jumps between them itself.
 */
class Region {
  constructor(
    readonly fn: RegionFn,
    readonly blocks: Block[],
    /** Highest EIP any of its blocks reaches (CS limit check at entry). */
    readonly maxEip: number,
  ) {}
}

/** One cached block. */
class Block {
  /** The compiled region this block is part of (null: interpreted). */
  region: Region | null = null;
  /** Per instruction, once compiled: 1 where its code saves `opStart`/`espStart` (ESP is restored from them on a fault). */
  saves: Uint8Array | null = null;
  /** Its index in {@link region}. */
  ridx = 0;
  runs = 0;
  /** Code generation failed for this block: always interpret it. */
  noCompile = false;
  valid = true;
  /** Next block in the same hash bucket. */
  hnext: Block | null = null;
  /** Next block on the same physical page. */
  pnext: Block | null = null;
  constructor(
    readonly phys: number,
    readonly eip: number,
    readonly mode: number,
    /** Instruction count. */
    readonly n: number,
    /** Start EIP of every instruction (fault → retired count). */
    readonly eips: Int32Array,
    /** Highest EIP the block's bytes reach (CS limit check at entry). */
    readonly maxEip: number,
    /** The decoded instructions (kept once compiled: a later region of the page may take the block). */
    readonly insns: Insn[],
  ) {}
}

/**
 * Interpreted runs before a block is compiled. High on purpose: V8 runs a new
 * function in its bytecode interpreter until its optimizing compiler (one
 * background thread) gets to it, and until then a block is several times
 * slower than our interpreter. Measured on a Linux boot to the shell prompt:
 * threshold 2 took 82 s of CPU, 200 took 50 s, 2,000 took 34 s, 20,000 took
 * 25 s (a few hundred blocks do nearly all the work).
 */
const DEFAULT_THRESHOLD = 20_000;

/** Most instructions in one region function (V8 optimizes only functions below a size limit). */
const REGION_INSTRUCTIONS = 192;

/** Times a page's regions may be merged into a new one (see `compile`). */
const REGION_MERGES = 4;

/** Entries of the jump cache (a power of two). */
const JC_BITS = 13;
const JC_SIZE = 1 << JC_BITS;

/** `Cpu.segRdMax`/`segWrMax` of a 4 GiB expand-up segment (the last offset a dword fits at). */
const FLAT_MAX = 0xfffffffc;
/** Segments a flat-mode region treats as flat: ES, SS, DS (bits 0, 2, 3). */
const FLAT_SEGS = (1 << 0) | (1 << 2) | (1 << 3);

const HASH_BITS = 16;
const HASH_MASK = (1 << HASH_BITS) - 1;
const PAGES = 1 << 20;

/** Whether this host lets us compile code at run time (a strict CSP does not). */
export function codeGenerationAllowed(): boolean {
  try {
    const f = new Function('return 7') as () => number;
    return f() === 7;
  } catch {
    return false;
  }
}

/** Translates and runs blocks for one {@link Cpu}. */
export class Translator implements WriteWatcher {
  private readonly table: (Block | null)[] = new Array<Block | null>(1 << HASH_BITS).fill(null);
  private readonly pageBlocks: (Block | null)[] = new Array<Block | null>(PAGES).fill(null);
  /** Pages that have held blocks since the last flush (each listed once). */
  private readonly pageList = new Int32Array(PAGES);
  private readonly pageListed = new Uint8Array(PAGES);
  private pageCount = 0;
  /** Pages this translator asked the memory to watch. */
  private readonly watched = new Uint8Array(PAGES);
  // The jump cache: entry points of compiled blocks by EIP, in flat arrays
  // (the dispatcher's hot path touches no block object). An entry is used
  // only when EIP, mode and the physical address the TLB gives now all match.
  private readonly jcEip = new Int32Array(JC_SIZE);
  private readonly jcPhys = new Int32Array(JC_SIZE);
  /** Mode of the entry's block; -1: empty. */
  private readonly jcMode = new Int8Array(JC_SIZE).fill(-1);
  /** Index of the block in its region. */
  private readonly jcBi = new Int32Array(JC_SIZE);
  /** Instruction count of the block (it is entered only when it fits the budget). */
  private readonly jcN = new Int32Array(JC_SIZE);
  /** Highest EIP the region reaches (checked against the CS limit). */
  private readonly jcMax = new Int32Array(JC_SIZE);
  private readonly jcRegion: Region[];
  /** Regions of a page merged into a new one since its blocks were last dropped. */
  private readonly merges = new Uint8Array(PAGES);
  /** Pages with a compiled block in the jump cache: only their invalidation scans it. */
  private readonly jcPages = new Uint8Array(PAGES);
  private readonly m32: Int32Array | null;
  private readonly threshold: number;
  private readonly maxInsns: number;
  private readonly maxBlocks: number;
  private count = 0;
  private compiledCount = 0;
  private compiledTotal = 0;
  private hits = 0;
  private misses = 0;
  private jitInsns = 0;
  private interpInsns = 0;
  private invalidated = 0;
  private flushes = 0;
  private failed = 0;

  constructor(
    private readonly cpu: Cpu,
    options: TranslatorOptions = {},
  ) {
    this.threshold = options.threshold ?? DEFAULT_THRESHOLD;
    this.maxInsns = Math.max(1, options.maxInstructions ?? 64);
    this.maxBlocks = Math.max(16, options.maxBlocks ?? 65536);
    const ram = cpu.ram;
    this.jcRegion = new Array<Region>(JC_SIZE).fill(NO_REGION);
    this.m32 = ram.byteOffset % 4 === 0 ? new Int32Array(ram.buffer, ram.byteOffset, ram.length >>> 2) : null;
    cpu.memory.setWriteWatcher(this);
  }

  /** Counters: cache size, hit rate, instructions run compiled vs interpreted. */
  get stats(): TranslatorStats {
    const total = this.hits + this.misses;
    return {
      blocks: this.count,
      compiled: this.compiledCount,
      compiledTotal: this.compiledTotal,
      hits: this.hits,
      misses: this.misses,
      hitRate: total === 0 ? 0 : this.hits / total,
      jitInstructions: this.jitInsns,
      interpretedInstructions: this.interpInsns,
      invalidated: this.invalidated,
      flushes: this.flushes,
      failedCompiles: this.failed,
    };
  }

  // ------------------------------------------------------------ invalidation

  /** @inheritDoc */
  watchedWrite(addr: number, length: number): void {
    const first = (addr >>> 0) >>> 12;
    const last = ((addr >>> 0) + Math.max(1, length) - 1) >>> 12;
    for (let p = first; p <= last && p < PAGES; p++) {
      this.dropPage(p);
      if (this.watched[p] !== 0) {
        // no code left there: let data writes take the fast path again
        this.watched[p] = 0;
        this.cpu.memory.watchWrites(p, false);
      }
    }
  }

  /** The backing of guest-physical page `page` changed (-1: all pages). */
  mappingChanged(page: number): void {
    if (page < 0) this.flush();
    else if (page < PAGES) this.dropPage(page);
  }

  /** Drop every block (the pages stay watched until written). */
  flush(): void {
    if (this.count === 0) return;
    for (let i = 0; i < this.pageCount; i++) {
      const p = this.pageList[i]!;
      this.pageListed[p] = 0;
      this.merges[p] = 0;
      this.jcPages[p] = 0;
      for (let b: Block | null = this.pageBlocks[p]!; b !== null; b = b.pnext) {
        b.valid = false;
        this.table[hash(b.phys)] = null;
      }
      this.pageBlocks[p] = null;
    }
    this.pageCount = 0;
    this.count = 0;
    this.compiledCount = 0;
    this.jcMode.fill(-1);
    this.jcRegion.fill(NO_REGION);
    this.cpu.jitStop = true;
  }

  /** Drop every block that is in no region (the cache is full). */
  private evictCold(): void {
    for (let i = 0; i < this.pageCount; i++) {
      const p = this.pageList[i]!;
      let keep: Block | null = null;
      for (let b: Block | null = this.pageBlocks[p]!, next: Block | null; b !== null; b = next) {
        next = b.pnext;
        if (b.region !== null) {
          b.pnext = keep;
          keep = b;
          continue;
        }
        b.valid = false;
        this.unhash(b);
        this.count--;
      }
      this.pageBlocks[p] = keep;
    }
  }

  private dropPage(p: number): void {
    let b: Block | null = this.pageBlocks[p]!;
    if (b === null) return;
    this.pageBlocks[p] = null;
    for (; b !== null; b = b.pnext) {
      b.valid = false;
      this.unhash(b);
      this.count--;
      if (b.region !== null) this.compiledCount--;
      this.invalidated++;
    }
    this.merges[p] = 0;
    this.jcDropPage(p);
    this.cpu.jitStop = true;
  }

  /** Empty the jump-cache slots that enter code of physical page `p`. */
  private jcDropPage(p: number): void {
    if (this.jcPages[p] === 0) return;
    this.jcPages[p] = 0;
    const jp = this.jcPhys;
    const jm = this.jcMode;
    for (let h = 0; h < JC_SIZE; h++) {
      if (jm[h]! >= 0 && jp[h]! >>> 12 === p) {
        jm[h] = -1;
        this.jcRegion[h] = NO_REGION;
      }
    }
  }

  private unhash(b: Block): void {
    const h = hash(b.phys);
    let x: Block | null = this.table[h]!;
    if (x === b) {
      this.table[h] = b.hnext;
      return;
    }
    while (x !== null && x.hnext !== b) x = x.hnext;
    if (x !== null) x.hnext = b.hnext;
  }

  // ----------------------------------------------------------------- lookup

  /**
   * The mode a block is compiled for: CS.D, SS.B, protected mode, and whether
   * ES, SS and DS are flat (base 0, 4 GiB readable and writable), which lets
   * their accesses skip the base add and the limit check. Only segment loads
   * and mode changes, run by the interpreter's code, change it.
   */
  private mode(): number {
    const c = this.cpu;
    const b = c.segBase;
    const r = c.segRdMax;
    const w = c.segWrMax;
    const flat =
      (b[0]! | b[2]! | b[3]!) === 0 &&
      r[0] === FLAT_MAX && r[2] === FLAT_MAX && r[3] === FLAT_MAX &&
      w[0] === FLAT_MAX && w[2] === FLAT_MAX && w[3] === FLAT_MAX;
    return c.csD | (c.ssB << 1) | ((c.cr0 & Cr0.PE) !== 0 && (c.flags & Flag.VM) === 0 ? 4 : 0) | (flat ? 8 : 0);
  }

  /** The block at CS:EIP, building (not compiling) it if new; null: interpret one instruction. */
  private lookup(): Block | null {
    const c = this.cpu;
    const eip = c.eip;
    const lin = (c.segBase[1]! + eip) | 0;
    const tab = c.cpl === 3 ? c.tlbRU : c.tlbR;
    const host = tab[lin >>> 12]!;
    if (host < 0) return null; // not in the TLB (or MMIO): the interpreter walks and faults
    const phys = (c.tlbPhys[lin >>> 12]! << 12) | (lin & 0xfff);
    const mode = this.mode();
    for (let b: Block | null = this.table[hash(phys)]!; b !== null; b = b.hnext) {
      if (b.phys === phys && b.eip === eip && b.mode === mode) {
        this.hits++;
        return b;
      }
    }
    this.misses++;
    return this.build(phys, eip, mode, host, lin);
  }

  private build(phys: number, eip: number, mode: number, host: number, lin: number): Block | null {
    const c = this.cpu;
    const page = phys >>> 12;
    if (this.watched[page] === 0) {
      this.watched[page] = 1;
      // watching drops cached write translations of this page (mappingChanged)
      c.memory.watchWrites(page, true);
    }
    const limit = c.segLimit[1]!;
    const csD = c.csD;
    const insns: Insn[] = [];
    let off = lin & 0xfff;
    let cur = eip;
    while (insns.length < this.maxInsns) {
      const ins = decodeInsn(c.ram, host, off, cur, csD, limit);
      if (ins === null) break;
      insns.push(ins);
      if (endsBlock(ins)) break;
      off += ins.next - cur;
      cur = ins.next;
    }
    if (insns.length === 0) return null;
    if (this.count >= this.maxBlocks) {
      // drop the blocks that never got hot first: a full flush would send every
      // hot block back through `threshold` interpreted runs
      this.evictCold();
      if (this.count >= (this.maxBlocks >>> 1)) {
        this.flushes++;
        this.flush();
      }
      c.jitStop = false;
    }
    const eips = new Int32Array(insns.length);
    for (let k = 0; k < insns.length; k++) eips[k] = insns[k]!.eip;
    const lastI = insns[insns.length - 1]!;
    const maxEip = lastI.runtime ? lastI.eip : (lastI.next - 1) | 0;
    const b = new Block(phys, eip, mode, insns.length, eips, maxEip, insns);
    const h = hash(phys);
    b.hnext = this.table[h]!;
    this.table[h] = b;
    b.pnext = this.pageBlocks[page]!;
    this.pageBlocks[page] = b;
    if (this.pageListed[page] === 0) {
      this.pageListed[page] = 1;
      this.pageList[this.pageCount++] = page;
    }
    this.count++;
    return b;
  }

  /**
   * Compile a region for `b`: `b` and the page's other warm blocks that are
   * in no region yet (same mode and EIP-to-physical offset, so a jump
   * between them needs no TLB check), hottest first, up to
   * {@link REGION_INSTRUCTIONS}. When the page's existing regions fit beside
   * them, the new region takes their blocks too and replaces them, so that
   * jumps between blocks that got hot at different times stay inside one
   * function; this happens at most {@link REGION_MERGES} times a page,
   * because V8 runs every new function in its interpreter until it has
   * optimized it (one page rebuilt at each new hot block ran a boot 3.6x
   * slower). Blocks of a page's other regions are reached through the
   * dispatcher.
   */
  private compile(b: Block): void {
    const page = b.phys >>> 12;
    const delta = (b.phys - b.eip) | 0;
    const warm = Math.max(1, this.threshold >>> 1);
    const cands: Block[] = [];
    const absorbed: Block[] = [];
    let absorbedSize = 0;
    for (let x: Block | null = this.pageBlocks[page]!; x !== null; x = x.pnext) {
      if (x === b || !x.valid || x.mode !== b.mode || ((x.phys - x.eip) | 0) !== delta) continue;
      if (x.region !== null) {
        absorbed.push(x);
        absorbedSize += x.n;
      } else if (!x.noCompile && x.runs >= warm) cands.push(x);
    }
    cands.sort((p, q) => q.runs - p.runs);
    const merge = absorbed.length > 0 && this.merges[page]! < REGION_MERGES && absorbedSize + b.n <= REGION_INSTRUCTIONS;
    const members: Block[] = merge ? absorbed : [];
    members.push(b);
    let size = merge ? absorbedSize + b.n : b.n;
    for (const x of cands) {
      if (size + x.n > REGION_INSTRUCTIONS) continue;
      members.push(x);
      size += x.n;
    }
    members.sort((p, q) => p.eip - q.eip);
    let fn: RegionFn;
    let saves: Uint8Array[] = [];
    try {
      const { source, saves: marks } = generateRegion(
        members.map((x) => ({ eip: x.eip, insns: x.insns })),
        (b.mode >> 1) & 1,
        this.m32 !== null,
        (b.mode & 8) !== 0 ? FLAT_SEGS : 0,
      );
      saves = marks;
      const factory = new Function('O', 'm32', 'SH', 'P', source) as Factory;
      fn = factory(OPS, this.m32, shift, PARITY);
    } catch {
      // a generator bug must not take the guest down: this block stays interpreted
      b.noCompile = true;
      this.failed++;
      return;
    }
    let maxEip = 0;
    for (const x of members) if ((x.maxEip >>> 0) > (maxEip >>> 0)) maxEip = x.maxEip;
    const region = new Region(fn, members, maxEip);
    members.forEach((x, j) => {
      if (x.region === null) this.compiledCount++;
      x.region = region;
      x.ridx = j;
      x.saves = saves[j]!;
    });
    if (merge) {
      this.merges[page]++;
      // the jump cache may still enter the regions just replaced
      this.jcDropPage(page);
    }
    this.compiledTotal++;
  }

  // ----------------------------------------------------------------- running

  /**
   * Run up to `budget` instructions like `Cpu.interpretSlice` (same return
   * convention: n retired, or -n-1 when a fault was delivered after n).
   */
  runSlice(budget: number): number {
    const c = this.cpu;
    const jcEip = this.jcEip;
    const jcPhys = this.jcPhys;
    const jcMode = this.jcMode;
    const jcN = this.jcN;
    const jcMax = this.jcMax;
    let n = 0;
    let cur: Region | null = null;
    // What only instructions run by the interpreter's code can change (mode, CPL, CS,
    // debug traps), read again after those: a region that ran none (a jump out of it)
    // leaves them as they were. -1: read them again.
    let mode = -1;
    let csBase = 0;
    let csLimit = 0;
    let tab = c.tlbR;
    try {
      while (n < budget) {
        if (mode < 0) {
          if ((c.flags & (Flag.TF | Flag.RF)) !== 0 || c.bpExec || c.bpDataMask !== 0) {
            // debug traps and breakpoints are exact in the interpreter only
            if (n > 0) return n;
            return c.interpretSlice(budget);
          }
          mode = this.mode();
          csBase = c.segBase[1]!;
          csLimit = c.segLimit[1]! >>> 0;
          tab = c.cpl === 3 ? c.tlbRU : c.tlbR;
        }
        // the jump cache: EIP, mode and the physical address the TLB gives now must match
        const e = c.eip;
        const lin = (csBase + e) | 0;
        const pg = lin >>> 12;
        const h = Math.imul(e, 0x9e3779b1) >>> (32 - JC_BITS);
        let region: Region;
        let bi: number;
        if (
          jcEip[h] === e &&
          jcPhys[h] === ((c.tlbPhys[pg]! << 12) | (lin & 0xfff)) &&
          tab[pg]! >= 0 &&
          jcMode[h] === mode &&
          jcN[h]! <= budget - n &&
          jcMax[h]! >>> 0 <= csLimit
        ) {
          this.hits++;
          region = this.jcRegion[h]!;
          bi = this.jcBi[h]!;
        } else {
          const b = this.lookup();
          if (b !== null && b.region === null && b.valid && !b.noCompile && b.runs++ >= this.threshold) this.compile(b);
          if (b === null || b.region === null || b.n > budget - n || (b.region.maxEip >>> 0) > csLimit || !b.valid) {
            // not compiled (yet), or it does not fit: interpret it (or one instruction)
            const r = this.interpret(b === null ? 1 : Math.min(b.n, budget - n));
            mode = -1;
            if (r < 0) return -(n + (-r - 1)) - 1;
            n += r;
            if (r === 0 || c.runState !== 0 || this.mustStop()) break;
            continue;
          }
          region = b.region;
          bi = b.ridx;
          this.cacheJump(h, b, region);
        }
        cur = region;
        c.jitStop = false;
        const k = region.fn(c, bi, budget - n);
        cur = null;
        n += k;
        this.jitInsns += k;
        const rest = c.jitRest;
        // a jump out of the region: nothing the dispatcher looks at has changed
        // (an event raised meanwhile sets jitStop)
        if (rest === 0 && !c.jitStop) continue;
        if (this.mustStop()) break;
        if (rest === 0) continue;
        mode = -1;
        if (rest < 0) {
          c.jitRest = 0;
          continue;
        }
        const r = this.interpretRest(budget - n);
        if (r < 0) return -(n + (-r - 1)) - 1;
        n += r;
        if (r === 0 || c.runState !== 0 || this.mustStop()) break;
      }
    } catch (e) {
      if (e !== FAULT || cur === null) throw e;
      // the faulting instruction is at c.jitP: the ones before it retired
      n += c.jitN;
      this.jitInsns += c.jitN;
      const blk = cur.blocks[c.jitBi]!;
      const eips = blk.eips;
      let idx = 0;
      while (idx < eips.length && eips[idx] !== c.jitP) idx++;
      if (idx === eips.length) idx = 0;
      n += idx;
      this.jitInsns += idx;
      c.eip = c.jitP;
      c.opStart = c.jitP;
      // code run by the interpreter's semantics may have moved ESP before it faulted; inline code did not
      if (blk.saves !== null && blk.saves[idx] === 1) c.reg32[4] = c.espStart;
      else c.espStart = c.reg32[4]!;
      c.bpHit = 0;
      c.deliverEvent(c.pendingVector, c.pendingError, 0);
      return -n - 1;
    }
    return n;
  }

  /**
   * A region left its block at a memory slow path (`Cpu.jitRest`): interpret
   * the rest of the block, from the instruction that took it. A block built
   * there would only leave at once again, so none is. Returns like
   * `Cpu.interpretSlice`.
   */
  private interpretRest(left: number): number {
    const rest = this.cpu.jitRest;
    this.cpu.jitRest = 0;
    return this.interpret(Math.min(rest, left));
  }

  /** Up to `count` instructions through the interpreter, counted; returns like `Cpu.interpretSlice`. */
  private interpret(count: number): number {
    const r = this.cpu.interpretSlice(count);
    this.interpInsns += r < 0 ? -r - 1 : r;
    return r;
  }

  /** Enter compiled block `b` of `region` in jump-cache slot `h`. */
  private cacheJump(h: number, b: Block, region: Region): void {
    this.jcEip[h] = b.eip;
    this.jcPhys[h] = b.phys;
    this.jcMode[h] = b.mode;
    this.jcBi[h] = b.ridx;
    this.jcN[h] = b.n;
    this.jcMax[h] = region.maxEip;
    this.jcRegion[h] = region;
    this.jcPages[b.phys >>> 12] = 1;
  }

  /** The interpreter's conditions for leaving the slice (events, mode switch, HLT). */
  private mustStop(): boolean {
    const c = this.cpu;
    if (c.breakLoop || c.runState !== 0 || c.exitRequested || c.shadow || c.nmiPending || (c.intrLevel && (c.flags & Flag.IF) !== 0)) {
      c.breakLoop = false;
      return true;
    }
    return false;
  }
}

/** Placeholder of empty jump-cache slots (keeps the slot array of one element kind). */
const NO_REGION = new Region(() => 0, [], 0);

function hash(phys: number): number {
  return (Math.imul(phys, 0x9e3779b1) >>> (32 - HASH_BITS)) & HASH_MASK;
}
