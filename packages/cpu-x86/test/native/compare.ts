/**
 * Compares a native result with the emulator's under the case's masks, and
 * matches mismatches against the known-differences list.
 */
import { REG_NAMES } from './asm.js';
import { CONTROLLED, DATA_ADDR, DATA_SIZE, type NativeCase } from './case.js';
import { NO_EXCEPTION, type CaseResult } from './vectors.js';

const FLAG_NAMES: Array<[number, string]> = [[0x1, 'CF'], [0x4, 'PF'], [0x10, 'AF'], [0x40, 'ZF'], [0x80, 'SF'], [0x400, 'DF'], [0x800, 'OF']];

function hex(v: number, w = 8): string {
  return `0x${(v >>> 0).toString(16).padStart(w, '0')}`;
}

function exc(v: number): string {
  return v === NO_EXCEPTION ? 'none' : `#${v}`;
}

/** Extra don't-care bits from known differences that relax a comparison. */
export interface Relaxation {
  /** EFLAGS bits not compared. */
  flags: number;
  /** Data-area offset -> bits not compared. */
  readonly data: Map<number, number>;
}

/** Differences between `native` and `emu` for case `c` (empty when they agree). */
export function compareResults(c: NativeCase, native: CaseResult, emu: CaseResult, relax?: Relaxation): string[] {
  const out: string[] = [];
  if (native.exception !== emu.exception) {
    out.push(`exception: native ${exc(native.exception)}, emulator ${exc(emu.exception)}`);
    return out;
  }
  const faulted = native.exception !== NO_EXCEPTION;
  if (faulted && native.eip !== emu.eip) out.push(`fault eip: native ${hex(native.eip)}, emulator ${hex(emu.eip)}`);
  for (let r = 0; r < 8; r++) {
    if (r === 4) continue;
    const mask = c.regMask ? (c.regMask[r] as number) : 0xffffffff;
    if ((((native.regs[r] as number) ^ (emu.regs[r] as number)) & mask) !== 0) {
      out.push(`${(REG_NAMES[32] as readonly string[])[r]}: native ${hex(native.regs[r] as number)}, emulator ${hex(emu.regs[r] as number)}${mask !== 0xffffffff ? ` (mask ${hex(mask)})` : ''}`);
    }
  }
  // A fault changes nothing, so every controlled flag is defined at the fault.
  const fmask = (faulted ? CONTROLLED : c.flagsMask) & ~(relax?.flags ?? 0);
  const fd = (native.eflags ^ emu.eflags) & fmask;
  if (fd !== 0) {
    const names = FLAG_NAMES.filter(([b]) => (fd & b) !== 0).map(([b, n]) => `${n}=${native.eflags & b ? 1 : 0}/${emu.eflags & b ? 1 : 0}`);
    out.push(`eflags (native/emulator): ${names.join(' ')}`);
  }
  const bad: string[] = [];
  for (let i = 0; i < DATA_SIZE; i++) {
    const mask = (c.dataMask ? (c.dataMask[i] as number) : 0xff) & ~(relax?.data.get(i) ?? 0);
    if ((((native.data[i] as number) ^ (emu.data[i] as number)) & mask) !== 0) bad.push(`+${i}: ${hex(native.data[i] as number, 2)}/${hex(emu.data[i] as number, 2)}`);
  }
  if (bad.length > 0) out.push(`data @${hex(DATA_ADDR)} (native/emulator): ${bad.slice(0, 12).join(', ')}${bad.length > 12 ? ` ... (${bad.length} bytes)` : ''}`);
  return out;
}

/** One entry of known-differences.json. */
export interface KnownDifference {
  /** Instruction class the entry applies to. */
  readonly class: string;
  /** Regular expression matched against `<case name> #<case id>` (see {@link caseId}). */
  readonly name: string;
  /** Why the difference is accepted (required, non-empty). */
  readonly reason: string;
  /** false: do not run matching cases at all (an emulator hang); default true. */
  readonly run: boolean;
  /**
   * When present the entry does not excuse a case: it only stops comparing
   * these bits (EFLAGS bits, and `[offset, bits]` pairs of the data area) in
   * matching cases, and whatever still differs must agree or be explained.
   */
  readonly ignore: { readonly flags: number; readonly data: ReadonlyArray<readonly [number, number]> } | null;
  /** Which kinds of difference the entry explains (default all): see {@link diffKind}. */
  readonly explains: ReadonlyArray<DiffKind> | null;
}

/** Kinds of difference an entry can be limited to. */
export type DiffKind = 'exception' | 'regs' | 'eflags' | 'data';

/** The kind of one line returned by {@link compareResults}. */
export function diffKind(line: string): DiffKind {
  if (line.startsWith('exception') || line.startsWith('fault eip')) return 'exception';
  if (line.startsWith('eflags')) return 'eflags';
  if (line.startsWith('data')) return 'data';
  return 'regs';
}

/** Whether `entry` explains every line of `diffs`. */
export function covers(entry: KnownDifference, diffs: readonly string[]): boolean {
  return entry.explains === null || diffs.every((l) => entry.explains!.includes(diffKind(l)));
}

/** Validate the parsed known-differences file. */
export function parseKnown(json: unknown): KnownDifference[] {
  const list = (json as { differences?: unknown }).differences;
  if (!Array.isArray(list)) throw new Error('known-differences.json: expected { "differences": [...] }');
  return list.map((e, i) => {
    const k = e as Partial<KnownDifference>;
    if (typeof k.class !== 'string' || typeof k.name !== 'string' || typeof k.reason !== 'string' || k.reason.trim() === '') {
      throw new Error(`known-differences.json: entry ${i} needs "class", "name" (regex) and a non-empty "reason"`);
    }
    new RegExp(k.name);
    if (k.run !== undefined && typeof k.run !== 'boolean') throw new Error(`known-differences.json: entry ${i}: "run" must be a boolean`);
    let ignore: KnownDifference['ignore'] = null;
    if (k.ignore !== undefined && k.ignore !== null) {
      const ig = k.ignore as { flags?: unknown; data?: unknown };
      const data = ig.data ?? [];
      if ((ig.flags !== undefined && typeof ig.flags !== 'number') || !Array.isArray(data) || !data.every((p) => Array.isArray(p) && p.length === 2 && p.every((x) => typeof x === 'number'))) {
        throw new Error(`known-differences.json: entry ${i}: "ignore" is { "flags"?: number, "data"?: [[offset, bits], ...] }`);
      }
      ignore = { flags: (ig.flags as number | undefined) ?? 0, data: data as Array<[number, number]> };
    }
    let explains: DiffKind[] | null = null;
    if (k.explains !== undefined && k.explains !== null) {
      const kinds = ['exception', 'regs', 'eflags', 'data'];
      if (!Array.isArray(k.explains) || !k.explains.every((x) => kinds.includes(x))) {
        throw new Error(`known-differences.json: entry ${i}: "explains" lists some of ${kinds.join(', ')}`);
      }
      explains = [...k.explains];
    }
    return { class: k.class, name: k.name, reason: k.reason, run: k.run ?? true, ignore, explains };
  });
}

/**
 * A content hash of the case (code, registers, flags, data), as 8 hex digits:
 * stable when other cases are added or reordered, so a known difference can
 * name one case (`"name": "#1a2b3c4d$"`).
 */
export function caseId(c: NativeCase): string {
  let h = 0x811c9dc5;
  const mix = (b: number): void => {
    h = Math.imul(h ^ (b & 0xff), 0x01000193);
  };
  for (const b of c.code) mix(b);
  for (const v of c.regs) for (let k = 0; k < 32; k += 8) mix(v >>> k);
  for (let k = 0; k < 32; k += 8) mix(c.eflags >>> k);
  for (const b of c.data) mix(b);
  return (h >>> 0).toString(16).padStart(8, '0');
}

/** The text known-difference patterns are matched against: the name and the case id. */
export function matchText(c: NativeCase): string {
  return `${c.name} #${caseId(c)}`;
}

/**
 * The known difference (without `ignore`) explaining a mismatch of `c`, if
 * any; with `diffs`, only an entry that covers every kind of difference.
 */
export function explain(c: NativeCase, known: readonly KnownDifference[], diffs?: readonly string[]): KnownDifference | undefined {
  const text = matchText(c);
  return known.find((k) => k.ignore === null && k.class === c.cls && new RegExp(k.name).test(text) && (!diffs || covers(k, diffs)));
}

/** The relaxation from every `ignore` entry matching `c` (null when none does), and those entries. */
export function relaxationFor(c: NativeCase, known: readonly KnownDifference[]): { relax: Relaxation; entries: KnownDifference[] } | null {
  const text = matchText(c);
  const entries = known.filter((k) => k.ignore !== null && k.class === c.cls && new RegExp(k.name).test(text));
  if (entries.length === 0) return null;
  const relax: Relaxation = { flags: 0, data: new Map() };
  for (const e of entries) {
    relax.flags |= e.ignore!.flags;
    for (const [off, bits] of e.ignore!.data) relax.data.set(off, (relax.data.get(off) ?? 0) | bits);
  }
  return { relax, entries };
}

/** Code bytes as hex, for reports. */
export function codeHex(c: NativeCase): string {
  return Array.from(c.code, (b) => b.toString(16).padStart(2, '0')).join(' ');
}
