/**
 * Code generation: one JavaScript function per region (a page's hot blocks,
 * see {@link generateRegion}). Hot instructions (MOV, the ALU group, TEST,
 * INC/DEC, PUSH/POP, LEA, MOVZX/MOVSX, shifts and ROL/ROR by a constant,
 * MUL/IMUL/DIV/IDIV, XCHG, CMPXCHG, BSF/BSR, BT*, BSWAP, SAHF, CLD/STD, near
 * branches) are emitted inline, computing every flag as the interpreter does,
 * with the segment-limit and TLB fast paths of `Cpu.read*`/`write*` inlined;
 * every other predecoded instruction writes the decode fields and calls its
 * `OPS` semantics; a block's last instruction may be a *runtime* one, decoded
 * and run by the interpreter's own code.
 *
 * Conventions of the generated code:
 * - it returns the number of instructions retired and leaves `c.eip` at the
 *   next instruction; guest registers live in locals `g0`..`g7` and are
 *   written back on the way out and around calls into the interpreter's code;
 * - every exit only assigns locals (`ep`: next EIP, `sn`: extra retired
 *   count) and breaks out of the block loop to one shared epilogue: V8
 *   deoptimizes an optimized function at any operation it reaches for the
 *   first time, so rarely taken paths hold none;
 * - an instruction that would raise an exception (a divide error) leaves the
 *   region before it the same way, so the interpreter raises it;
 * - a memory access that is not RAM through the TLB within the segment (TLB
 *   miss, MMIO, a watched code page, a fault, an unaligned dword) leaves the
 *   region *before* its instruction, which the dispatcher runs through the
 *   interpreter; an instruction therefore changes nothing (registers, flags)
 *   before its last memory access;
 * - before an instruction that can raise an exception inline (a branch target
 *   past the CS limit, RDTSC) it sets local `p` to its EIP (the region's
 *   catch hands it over as `c.jitP`), and before an instruction run by the
 *   interpreter's code also `c.opStart`/`c.espStart`, so the translator's
 *   fault handler restores exactly the interpreter's state and counts the
 *   retired instructions;
 * - after an `OPS` call it checks `c.jitStop`, set when a write invalidated
 *   translated code or an event arrived (an interrupt a device raised during
 *   the call's MMIO access, an exit request), and leaves at the next
 *   instruction, where the interpreter would have seen the event too.
 *
 * @module
 */

import { LazyOp } from '../constants.js';
import { type Insn, isString } from './insn.js';

/** Flags producer known statically at a point of the block (for fused Jcc). */
interface FlagState {
  op: number;
  size: number;
}

/** One block of a region: its instructions and where it starts. */
export interface RegionBlock {
  /** EIP of its first instruction. */
  eip: number;
  /** Its decoded instructions. */
  insns: Insn[];
}

/** Helpers for emitting the blocks of one region. */
class Emitter {
  out: string[] = [];
  /** The lazy flags' producer, while the JS locals d/s/t still hold its operands. */
  fl: FlagState | null = null;
  /** Index of the block being emitted. */
  bi = 0;
  /** Per block, per instruction: 1 where the code stores `c.opStart`/`c.espStart` (see {@link savePoint}). */
  saves: Uint8Array[] = [];
  constructor(
    /** Block index by start EIP. */
    readonly index: Map<number, number>,
    /** Instruction count of every block. */
    readonly lens: number[],
  ) {}

  emit(s: string): void {
    this.out.push(s);
  }

  /**
   * Leave the region after instruction `k` of this block (c.eip already set),
   * which ran through the interpreter's code: `sl=-1` tells the dispatcher to
   * look at the CPU's state again (mode, CPL, debug traps, events).
   */
  leave(k: number): string {
    return `n+=${k + 1};ep=c.eip;sl=-1;break R;`;
  }

  /**
   * Go on at constant EIP `target` after instruction `k`: inside the region
   * when a block starts there and the budget allows the whole block; else
   * leave with c.eip = target.
   */
  goto(k: number, target: number): string {
    const j = this.index.get(target);
    const stay = j === undefined ? '' : `if(n+${this.lens[j]!}<=budget){bi=${j};continue}`;
    return `n+=${k + 1};${stay}ep=${hex(target | 0)};break R;`;
  }

  /** Go on at the EIP held in local `t` (returns, indirect jumps): through the region's `case -1`, which finds the block starting there. */
  gotoDyn(k: number): string {
    return `n+=${k + 1};bi=-1;continue;`;
  }
}

/**
 * Whether the region being generated may read and write aligned dwords of RAM
 * through `m32` (RAM starts 4-byte aligned); set by {@link generateRegion}.
 */
let ramWords = true;

/**
 * Segments (bit n: segment register n) that the region being generated may
 * treat as flat: base 0 and a 4 GiB readable and writable limit, so that an
 * offset is its linear address and needs no limit check (the translator keys
 * such regions by that state; set by {@link generateRegion}).
 */
let flatSegs = 0;

/**
 * Placeholders in the generated body, replaced once the registers the region
 * uses are known: before a call into the interpreter's code (which reads and
 * writes `c.reg32`) the locals are stored and `sy` set, so a fault in that code
 * keeps the registers it left; after it they are reloaded.
 */
const SYNC_OUT = '\u0001';
const SYNC_IN = '\u0002';
/** Store the written registers to `c.reg32`. */
const WRITE_BACK = '\u0003';

function hex(v: number): string {
  return v < 0 ? `${v}` : `0x${v.toString(16)}`;
}

function mask(size: number): string {
  return size === 32 ? '' : size === 16 ? '&0xffff' : '&0xff';
}

/** The offset expression of the memory operand of `i` (masked to the address size). */
function eaExpr(i: Insn): string {
  if (i.as32 !== 0) {
    const parts: string[] = [];
    if (i.base >= 0) parts.push(`g${i.base}`);
    if (i.index >= 0) parts.push(i.scale !== 0 ? `(g${i.index}<<${i.scale})` : `g${i.index}`);
    if (i.disp !== 0 || parts.length === 0) parts.push(hex(i.disp | 0));
    return parts.length === 1 && i.base >= 0 ? parts[0]! : `((${parts.join('+')})|0)`;
  }
  const parts: string[] = [];
  if (i.ea16a >= 0) parts.push(`(g${i.ea16a}&0xffff)`);
  if (i.ea16b >= 0) parts.push(`(g${i.ea16b}&0xffff)`);
  if (i.disp !== 0 || parts.length === 0) parts.push(hex(i.disp));
  return `((${parts.join('+')})&0xffff)`;
}

/**
 * Register operand (8/16/32 bits; 8: AL..BH encoding) read from the region's
 * locals `g0`..`g7`: unsigned for 8/16, signed int for 32.
 */
function regRef(n: number, size: number): string {
  if (size === 32) return `g${n}`;
  if (size === 16) return `(g${n}&0xffff)`;
  return n < 4 ? `(g${n}&0xff)` : `((g${n - 4}>>8)&0xff)`;
}

/** Statement writing expression `v` to a register operand (8/16 bits merge into the dword). */
function regSet(n: number, size: number, v: string): string {
  if (size === 32) return `g${n}=${v};`;
  if (size === 16) return `g${n}=(g${n}&-65536)|((${v})&0xffff);`;
  return n < 4 ? `g${n}=(g${n}&-256)|((${v})&0xff);` : `g${n - 4}=(g${n - 4}&-65281)|(((${v})&0xff)<<8);`;
}

/**
 * Statements reading `size` bits at `seg`:`o` into `dst` (o already set).
 * Anything but RAM through the TLB within the segment (a TLB miss, MMIO,
 * a watched code page, a page fault, an unaligned dword) leaves the region
 * before the instruction, and the dispatcher runs the rest of the block,
 * from that instruction, through the interpreter: the region holds no code
 * for slow paths (V8 deoptimizes a function at any operation it reaches for
 * the first time after optimizing it), and a block that started at that
 * instruction would only leave at once again.
 */
function readMem(size: number, seg: number, dst: string): string {
  const slowExit = insnExit;
  const flat = ((flatSegs >> seg) & 1) !== 0;
  const lin = flat ? 'lin=o;' : `lin=(S${seg}+o)|0;`;
  // a flat segment's 4 GiB limit holds any access that is aligned, or within one page
  const lim = flat ? '' : `(o>>>0)<=RX${seg}&&`;
  if (size === 8) return `${lin}if(${lim}(e=RT[lin>>>12])>=0)${dst}=m[e|(lin&4095)];else{${slowExit}}`;
  if (size === 16)
    return `${lin}if(${lim}(e=RT[lin>>>12])>=0&&(lin&4095)!==4095){a=e|(lin&4095);${dst}=m[a]|(m[a+1]<<8)}else{${slowExit}}`;
  // aligned dwords only (pages are 4-byte aligned in RAM); the rest takes the slow path
  if (ramWords) return `${lin}if(${lim}(e=RT[lin>>>12])>=0&&(lin&3)===0)${dst}=m32[(e|(lin&4095))>>2];else{${slowExit}}`;
  return `${lin}if(${lim}(e=RT[lin>>>12])>=0&&(lin&4095)<=4092){a=e|(lin&4095);${dst}=m[a]|(m[a+1]<<8)|(m[a+2]<<16)|(m[a+3]<<24)}else{${slowExit}}`;
}

/** Statements writing variable `v` (`size` bits) at `seg`:`o`; the slow path leaves as in {@link readMem}, so the instruction must not have changed anything before its store. */
function writeMem(size: number, seg: number, v: string): string {
  const slowExit = insnExit;
  const flat = ((flatSegs >> seg) & 1) !== 0;
  const lin = flat ? 'lin=o;' : `lin=(S${seg}+o)|0;`;
  const lim = flat ? '' : `(o>>>0)<=WX${seg}&&`;
  if (size === 8) return `${lin}if(${lim}(e=WT[lin>>>12])>=0)m[e|(lin&4095)]=${v};else{${slowExit}}`;
  if (size === 16)
    return `${lin}if(${lim}(e=WT[lin>>>12])>=0&&(lin&4095)!==4095){a=e|(lin&4095);m[a]=${v};m[a+1]=${v}>>8}else{${slowExit}}`;
  if (ramWords) return `${lin}if(${lim}(e=WT[lin>>>12])>=0&&(lin&3)===0)m32[(e|(lin&4095))>>2]=${v};else{${slowExit}}`;
  return `${lin}if(${lim}(e=WT[lin>>>12])>=0&&(lin&4095)<=4092){a=e|(lin&4095);m[a]=${v};m[a+1]=${v}>>8;m[a+2]=${v}>>16;m[a+3]=${v}>>24}else{${slowExit}}`;
}

/**
 * Set while emitting an instruction whose flags no one can see (see
 * {@link deadFlags}): its lazy-flags stores are left out.
 */
let flagsDead = false;

/** Set while emitting an instruction: leave the region before it (the exit of memory slow paths). */
let insnExit = '';

/**
 * Statements that set the EFLAGS bits in `mask` to expression `value` and keep
 * the others: a pending lazy producer is folded into `c.flags` first.
 */
function setSomeFlags(mask: number, value: string): string {
  return `if(c.lzOp!==0)c.getFlags();c.flags=(c.flags&~${hex(mask)})|${value};`;
}

function lazy(op: number | string, size: number): string {
  if (flagsDead) return '';
  return `c.lzOp=${op};c.lzSize=${size};c.lzDst=d;c.lzSrc=s;c.lzRes=t;`;
}

/**
 * `t = d OP s` (masked), then `store` (the result's store), then the lazy
 * flags for ALU operation `op` (0..7): a store that leaves the region (slow
 * path) must find the flags as they were before the instruction.
 */
function aluCore(op: number, size: number, store = ''): string {
  const mk = mask(size);
  const wrap = (x: string): string => (size === 32 ? `(${x})|0` : `(${x})${mk}`);
  switch (op) {
    case 0: return `t=${wrap('d+s')};${store}${lazy(LazyOp.ADD, size)}`;
    case 1: return `t=d|s;${store}${lazy(LazyOp.LOGIC, size)}`;
    case 2: return `v=c.cf();t=${wrap('d+s+v')};${store}${lazy(`v!==0?${LazyOp.ADC}:${LazyOp.ADD}`, size)}`;
    case 3: return `v=c.cf();t=${wrap('d-s-v')};${store}${lazy(`v!==0?${LazyOp.SBB}:${LazyOp.SUB}`, size)}`;
    case 4: return `t=d&s;${store}${lazy(LazyOp.LOGIC, size)}`;
    case 5: case 7: return `t=${wrap('d-s')};${store}${lazy(LazyOp.SUB, size)}`;
    default: return `t=d^s;${store}${lazy(LazyOp.LOGIC, size)}`;
  }
}

function flagKind(op: number): number {
  return op === 0 ? LazyOp.ADD : op === 5 || op === 7 ? LazyOp.SUB : op === 2 || op === 3 ? -1 : LazyOp.LOGIC;
}

/** A JS condition for Jcc/SETcc code `cc` using the fused flags state, or null. */
function fusedCond(fl: FlagState | null, cc: number): string | null {
  if (fl === null) return null;
  const neg = (cc & 1) !== 0;
  const top = fl.size - 1;
  const sx = (x: string): string => (fl.size === 32 ? `(${x}|0)` : `((${x}<<${32 - fl.size})>>${32 - fl.size})`);
  let c: string | null = null;
  switch (cc >> 1) {
    case 1: // B
      if (fl.op === LazyOp.SUB) c = '(d>>>0)<(s>>>0)';
      else if (fl.op === LazyOp.LOGIC) c = 'false';
      break;
    case 2: // Z
      c = 't===0';
      break;
    case 3: // BE
      if (fl.op === LazyOp.SUB) c = '(d>>>0)<=(s>>>0)';
      else if (fl.op === LazyOp.LOGIC) c = 't===0';
      break;
    case 4: // S
      c = `((t>>>${top})&1)!==0`;
      break;
    case 6: // L
      if (fl.op === LazyOp.SUB) c = `${sx('d')}<${sx('s')}`;
      else if (fl.op === LazyOp.LOGIC) c = `((t>>>${top})&1)!==0`;
      break;
    case 7: // LE
      if (fl.op === LazyOp.SUB) c = `${sx('d')}<=${sx('s')}`;
      else if (fl.op === LazyOp.LOGIC) c = `(t===0||((t>>>${top})&1)!==0)`;
      break;
  }
  if (c === null) return null;
  return neg ? `!(${c})` : c;
}

/**
 * INC/DEC keep CF: fold the previous producer's CF into `c.flags` from the
 * locals when it is known here (else `c.lazy` does it at run time).
 */
function incDecCf(fl: FlagState | null): string {
  if (fl === null || fl.op === LazyOp.INC || fl.op === LazyOp.DEC) return ''; // INC/DEC: CF is already in c.flags
  if (fl.op === LazyOp.SUB) return 'c.flags=(c.flags&~1)|((d>>>0)<(s>>>0)?1:0);';
  if (fl.op === LazyOp.ADD) return 'c.flags=(c.flags&~1)|((t>>>0)<(d>>>0)?1:0);';
  return 'c.flags&=~1;';
}

function size(i: Insn, byteOp: boolean): number {
  return byteOp ? 8 : i.os32 !== 0 ? 32 : 16;
}

/**
 * Before an inline instruction that may raise an exception (#GP for a
 * branch target past the CS limit, RDTSC): its EIP in local `p` (the fault
 * handler reads it through `c.jitP`). Such an instruction changes ESP only
 * after that check, so ESP needs no copy.
 */
function faultPoint(i: Insn): string {
  return `p=${hex(i.eip)};`;
}

/** Before an instruction run by the interpreter's code: `p`, plus `c.opStart`/`c.espStart`, which that code reads and may change ESP before it faults. */
function savePoint(i: Insn): string {
  return `p=${hex(i.eip)};c.opStart=${hex(i.eip)};c.espStart=r[4];`;
}

/** Generic predecoded instruction: write the decode fields, call its semantics. */
function generic(i: Insn): string {
  const ea = i.modrm >= 0 && i.modrm < 0xc0 ? eaExpr(i) : i.moffs !== 0 || i.opcode >= 0xa0 && i.opcode <= 0xa3 ? hex(i.moffs) : '0';
  return (
    `${SYNC_OUT}${savePoint(i)}c.eip=${hex(i.next)};c.opcode=${i.opcode};c.os32=${i.os32};c.as32=${i.as32};c.segOvr=${i.segOvr};c.rep=${i.rep};` +
    `c.lockPfx=${i.lockPfx};c.simdPrefix=${i.simdPrefix};c.modrm=${i.modrm};c.eaSeg=${i.eaSeg};c.eaOff=${ea};c.eaUsesEsp=${i.eaUsesEsp};` +
    `c.imm=${hex(i.imm)};c.imm2=${hex(i.imm2)};O[${i.opcode}](c);${SYNC_IN}`
  );
}

/** Load operand E (r/m) of size `sz` into `dst`. */
function loadE(i: Insn, sz: number, dst: string): string {
  if (i.modrm >= 0xc0) return `${dst}=${regRef(i.modrm & 7, sz)};`;
  return `o=${eaExpr(i)};${readMem(sz, i.eaSeg, dst)}`;
}
/** Store `v` to operand E (after {@link loadE} for RMW: `o` still holds the offset). */
function storeE(i: Insn, sz: number, v: string, haveOff: boolean): string {
  if (i.modrm >= 0xc0) return regSet(i.modrm & 7, sz, v);
  return `${haveOff ? '' : `o=${eaExpr(i)};`}${writeMem(sz, i.eaSeg, v)}`;
}

function push(sz: number, ssB: number, v: string): string {
  // write first, then ESP: a fault leaves ESP as it was
  if (ssB !== 0) return `o=(g4-${sz >> 3})|0;${writeMem(sz, 2, v)}g4=o;`;
  return `o=((g4&0xffff)-${sz >> 3})&0xffff;${writeMem(sz, 2, v)}g4=(g4&-65536)|o;`;
}
function pop(sz: number, ssB: number, dst: string): string {
  if (ssB !== 0) return `o=g4;${readMem(sz, 2, dst)}g4=(o+${sz >> 3})|0;`;
  return `o=g4&0xffff;${readMem(sz, 2, dst)}g4=(g4&-65536)|((o+${sz >> 3})&0xffff);`;
}

/** Near jump to constant `target` at operand size: limit check, then go on there. */
function jumpTo(em: Emitter, i: Insn, target: number, k: number): string {
  const t = i.os32 !== 0 ? target | 0 : target & 0xffff;
  return `if(${hex(t >>> 0)}>CL)c.gp(0);${em.goto(k, t)}`;
}

/**
 * Generate the source of a region: the blocks of one code page (decoded with
 * stack size `ssB`) in one function `region(c, bi, budget)` that starts at
 * block `bi`, goes from block to block inside the page without returning
 * while no slow path ran and `budget` instructions allow, and returns the
 * number of instructions retired. A fault leaves `c.jitBi`/`c.jitN` (the
 * block, the instructions retired before it) for the translator. `O` (the
 * OPS table), `m32` (an Int32Array view of RAM or null), `SH` and `P` are
 * bound by the caller.
 */
export function generateRegion(blocks: RegionBlock[], ssB: number, words: boolean, flat = 0): { source: string; saves: Uint8Array[] } {
  ramWords = words;
  flatSegs = flat;
  const index = new Map<number, number>();
  blocks.forEach((b, j) => index.set(b.eip, j));
  const em = new Emitter(index, blocks.map((b) => b.insns.length));
  em.emit('return function region(c,bi,budget){');
  em.emit('const r=c.reg32,m=c.ram,sb=c.segBase,rx=c.segRdMax,wx=c.segWrMax;');
  // segment bases and limits, the CS limit and the CPL's TLB tables, read once: no instruction
  // that runs inside a region changes them (segment loads, POPF, IRET, far transfers, mode and
  // CPL changes are runtime instructions, which leave the region)
  const locals = em.out.length;
  em.emit('');
  em.emit('let o=0,lin=0,e=0,a=0,v=0,d=0,s=0,t=0,n=0,p=0,sy=0,ep=0,sn=0,sl=0;');
  const regDecl = em.out.length;
  em.emit('');
  em.emit('try{R:for(;;){switch(bi){');
  for (let j = 0; j < blocks.length; j++) {
    const insns = blocks[j]!.insns;
    em.bi = j;
    em.saves.push(new Uint8Array(insns.length));
    em.fl = null;
    em.emit(`case ${j}:{`);
    const dead = deadFlags(insns);
    for (let k = 0; k < insns.length; k++) emitInsn(em, insns[k]!, k, ssB, k === insns.length - 1, dead[k]!);
    const lastI = insns[insns.length - 1]!;
    if (!lastEnds(lastI)) em.emit(em.goto(insns.length - 1, lastI.next));
    em.emit('}');
  }
  // returns and indirect jumps (target in t): a block of the region if one starts there and fits the budget
  const cases = blocks.map((b, j) => `case ${hex(b.eip)}:if(n+${b.insns.length}<=budget){bi=${j};continue}break;`).join('');
  em.emit(`case -1:switch(t){${cases}}ep=t;break R;`);
  // every exit only assigns locals and breaks: the shared epilogue stores them (no operation
  // on a rarely taken exit path that V8 would deoptimize at when it first runs)
  em.emit(`default:ep=c.eip;break R}}}catch(err){if(sy===0){${WRITE_BACK}}c.jitBi=bi;c.jitN=n;c.jitP=p;throw err}c.eip=ep;c.jitRest=sl;n+=sn;${WRITE_BACK}return n};`);
  const body = em.out.join('\n');
  // guest registers live in locals g0..g7: loaded at entry, written back on the way out
  // (return or fault) and around calls into the interpreter's code
  const used: number[] = [];
  const written: number[] = [];
  for (let g = 0; g < 8; g++) {
    if (new RegExp(`\\bg${g}\\b`).test(body)) used.push(g);
    if (new RegExp(`\\bg${g}=(?!=)`).test(body)) written.push(g);
  }
  const store = written.map((g) => `r[${g}]=g${g};`).join('');
  const load = used.map((g) => `g${g}=r[${g}];`).join('');
  em.out[regDecl] = used.length > 0 ? `let ${used.map((g) => `g${g}=r[${g}]`).join(',')};` : '';
  const decl: string[] = [];
  for (let g = 0; g < 6; g++) {
    if (body.includes(`S${g}+`)) decl.push(`S${g}=sb[${g}]`);
    if (body.includes(`RX${g}&`)) decl.push(`RX${g}=rx[${g}]`);
    if (body.includes(`WX${g}&`)) decl.push(`WX${g}=wx[${g}]`);
  }
  if (body.includes('RT[')) decl.push('RT=c.rdTab');
  if (body.includes('WT[')) decl.push('WT=c.wrTab');
  if (body.includes('>CL)')) decl.push('CL=c.segLimit[1]>>>0');
  em.out[locals] = decl.length > 0 ? `const ${decl.join(',')};` : '';
  const source = em.out.join('\n').split(SYNC_OUT).join(`${store}sy=1;`).split(SYNC_IN).join(`sy=0;${load}`).split(WRITE_BACK).join(store);
  return { source, saves: em.saves };
}

/** Whether the emitted code of `i` always leaves the block itself. */
function lastEnds(i: Insn): boolean {
  if (i.runtime) return true;
  const op = i.opcode;
  if ((op >= 0x70 && op <= 0x7f) || (op >= 0x180 && op <= 0x18f) || (op >= 0xe0 && op <= 0xe3)) return true;
  if (op === 0xe8 || op === 0xe9 || op === 0xeb || op === 0xc2 || op === 0xc3) return true;
  if (op === 0xff) {
    const r = (i.modrm >> 3) & 7;
    return r === 2 || r === 4;
  }
  return i.rep !== 0 && isString(op);
}

/** What an instruction does to the flags' liveness, for {@link deadFlags}. */
const enum FlagUse {
  /** Reads the flags, may fault (exception delivery saves EFLAGS), calls out, or ends the block. */
  Barrier,
  /** Neither reads nor writes the flags and cannot fault. */
  None,
  /** Writes every arithmetic flag from its own operands, cannot fault. */
  Kill,
  /** INC/DEC of a register: writes all but CF, which it takes from the producer's operands when they are known. */
  KillButCf,
  /** ROL/ROR of a register by a constant: writes CF and OF, keeps the others, cannot fault. */
  Rotate,
}

function flagUse(i: Insn): FlagUse {
  if (i.runtime) return FlagUse.Barrier;
  const op = i.opcode;
  const regOnly = i.modrm >= 0xc0;
  const reg = (i.modrm >> 3) & 7;
  if (op < 0x40 && (op & 7) < 6) {
    const aop = (op >> 3) & 7;
    if (aop === 2 || aop === 3) return FlagUse.Barrier; // ADC/SBB read CF
    return (op & 7) >= 4 || regOnly ? FlagUse.Kill : FlagUse.Barrier;
  }
  if (op === 0x80 || op === 0x81 || op === 0x83) return regOnly && reg !== 2 && reg !== 3 ? FlagUse.Kill : FlagUse.Barrier;
  if (op === 0x84 || op === 0x85) return regOnly ? FlagUse.Kill : FlagUse.Barrier;
  if (op === 0xa8 || op === 0xa9) return FlagUse.Kill;
  if ((op === 0xf6 || op === 0xf7) && regOnly && reg !== 2 && reg < 6) return FlagUse.Kill; // MUL/IMUL set every flag
  if ((op === 0x1af || op === 0x69 || op === 0x6b) && regOnly) return FlagUse.Kill;
  if (op === 0xc1 && regOnly && i.os32 !== 0 && (i.imm & 31) !== 0 && reg >= 4) return FlagUse.Kill;
  if (op === 0xd1 && regOnly && i.os32 !== 0 && reg >= 4) return FlagUse.Kill;
  if ((op === 0xc0 || op === 0xc1 || op === 0xd0 || op === 0xd1) && regOnly && reg <= 1 && (op >= 0xd0 || (i.imm & 31) !== 0)) return FlagUse.Rotate;
  if (op >= 0x40 && op <= 0x4f) return FlagUse.KillButCf;
  if ((op >= 0x88 && op <= 0x8b) || op === 0x86 || op === 0x87) return regOnly ? FlagUse.None : FlagUse.Barrier;
  if (op === 0x1b6 || op === 0x1b7 || op === 0x1be || op === 0x1bf) return regOnly ? FlagUse.None : FlagUse.Barrier;
  if ((op >= 0xb0 && op <= 0xbf) || (op >= 0x91 && op <= 0x99) || (op === 0x8d && !regOnly)) return FlagUse.None;
  if (op === 0xfc || op === 0xfd || (op >= 0x1c8 && op <= 0x1cf)) return FlagUse.None; // CLD/STD change DF only
  if ((op === 0x1bc || op === 0x1bd || op === 0x1b0 || op === 0x1b1) && regOnly) return FlagUse.Kill; // BSF/BSR, CMPXCHG set every flag
  if (op === 0x90 && (i.rep === 0 || i.rep === 0xf3)) return FlagUse.None;
  return FlagUse.Barrier;
}

/**
 * Which instructions of a block produce flags no one can see: a later
 * instruction of the block overwrites them before anything reads them,
 * faults (exception delivery saves EFLAGS) or leaves the block. Their lazy
 * stores are dead. INC/DEC overwrite a producer's flags only when the
 * producer's operands are still in the locals (CF comes from them).
 */
function deadFlags(insns: Insn[]): boolean[] {
  const dead = new Array<boolean>(insns.length).fill(false);
  let ahead = FlagUse.Barrier;
  for (let k = insns.length - 1; k >= 0; k--) {
    const use = flagUse(insns[k]!);
    if (use === FlagUse.Kill || use === FlagUse.KillButCf) {
      // ADC/SBB are barriers, so every producer here keeps its operands in the locals
      dead[k] = ahead === FlagUse.Kill || ahead === FlagUse.KillButCf;
      ahead = use;
    } else if (use === FlagUse.Rotate) {
      // its CF/OF die only before a full Kill (INC/DEC would take CF from the state it leaves);
      // the flags it keeps are then dead too, else it reads them
      dead[k] = ahead === FlagUse.Kill;
      if (!dead[k]) ahead = FlagUse.Barrier;
    } else if (use === FlagUse.Barrier) ahead = FlagUse.Barrier;
  }
  return dead;
}

function emitInsn(em: Emitter, i: Insn, k: number, ssB: number, last: boolean, dead: boolean): void {
  flagsDead = dead;
  // the rest of the block, from this instruction, is left to the interpreter
  insnExit = `ep=${hex(i.eip | 0)};sn=${k};sl=${em.lens[em.bi]! - k};break R;`;
  try {
    emitInsnCode(em, i, k, ssB, last);
  } finally {
    flagsDead = false;
  }
}

function emitInsnCode(em: Emitter, i: Insn, k: number, ssB: number, last: boolean): void {
  if (i.runtime) {
    em.saves[em.bi]![k] = 1;
    em.emit(`${SYNC_OUT}c.eip=${hex(i.eip)};${savePoint(i)}c.decode();O[c.opcode](c);${SYNC_IN}${em.leave(k)}`);
    return;
  }
  const op = i.opcode;
  const mem = i.modrm >= 0 && i.modrm < 0xc0;
  const reg = (i.modrm >> 3) & 7;
  // ---- ALU group: 00-3F forms 0..5
  if (op < 0x40 && (op & 7) < 6) {
    const aop = (op >> 3) & 7;
    const form = op & 7;
    const sz = size(i, (form & 1) === 0);
    let s = '';
    if (form === 0 || form === 1) s += `${loadE(i, sz, 'd')}s=${regRef(reg, sz)};`;
    else if (form === 2 || form === 3) s += `d=${regRef(reg, sz)};${loadE(i, sz, 's')}`;
    else s += `d=${regRef(0, sz)};s=${hex(i.imm & (sz === 32 ? -1 : (1 << sz) - 1))};`;
    const store = aop === 7 ? '' : form <= 1 ? storeE(i, sz, 't', true) : form <= 3 ? regSet(reg, sz, 't') : regSet(0, sz, 't');
    s += aluCore(aop, sz, store);
    em.emit(s);
    const fk = flagKind(aop);
    em.fl = fk < 0 ? null : { op: fk, size: sz };
    return;
  }
  switch (op) {
    case 0x80: case 0x81: case 0x83: {
      const sz = size(i, op === 0x80);
      const imm = op === 0x83 ? (i.imm << 24) >> 24 : i.imm;
      em.emit(`${loadE(i, sz, 'd')}s=${hex(imm & (sz === 32 ? -1 : (1 << sz) - 1))};${aluCore(reg, sz, reg !== 7 ? storeE(i, sz, 't', true) : '')}`);
      const fk = flagKind(reg);
      em.fl = fk < 0 ? null : { op: fk, size: sz };
      return;
    }
    case 0x84: case 0x85: {
      const sz = size(i, op === 0x84);
      em.emit(`${loadE(i, sz, 'd')}s=${regRef(reg, sz)};${aluCore(4, sz)}`);
      em.fl = { op: LazyOp.LOGIC, size: sz };
      return;
    }
    case 0xa8: case 0xa9: {
      const sz = size(i, op === 0xa8);
      em.emit(`d=${regRef(0, sz)};s=${hex(i.imm & (sz === 32 ? -1 : (1 << sz) - 1))};${aluCore(4, sz)}`);
      em.fl = { op: LazyOp.LOGIC, size: sz };
      return;
    }
    case 0x88: case 0x89: {
      const sz = size(i, op === 0x88);
      em.emit(`v=${regRef(reg, sz)};${storeE(i, sz, 'v', false)}`);
      return;
    }
    case 0x8a: case 0x8b: {
      const sz = size(i, op === 0x8a);
      em.emit(`${loadE(i, sz, 'v')}${regSet(reg, sz, 'v')}`);
      return;
    }
    case 0xc6: case 0xc7: {
      if (reg !== 0) break;
      const sz = size(i, op === 0xc6);
      em.emit(`v=${hex(i.imm)};${storeE(i, sz, 'v', false)}`);
      return;
    }
    case 0xa0: case 0xa1: case 0xa2: case 0xa3: {
      // MOV AL/AX/EAX <-> moffs (e.g. the stack-protector canary at GS:0x14)
      const sz = size(i, op === 0xa0 || op === 0xa2);
      const off = i.as32 !== 0 ? hex(i.moffs | 0) : hex(i.moffs & 0xffff);
      if (op <= 0xa1) em.emit(`o=${off};${readMem(sz, i.eaSeg, 'v')}${regSet(0, sz, 'v')}`);
      else {
        em.emit(`o=${off};v=${regRef(0, sz)};${writeMem(sz, i.eaSeg, 'v')}`);
      }
      return;
    }
    case 0x8d: {
      if (!mem) break;
      em.emit(regSet(reg, i.os32 !== 0 ? 32 : 16, eaExpr(i)));
      return;
    }
    case 0x1b6: case 0x1b7: case 0x1be: case 0x1bf: {
      const src = op === 0x1b6 || op === 0x1be ? 8 : 16;
      const signed = op >= 0x1be;
      const ext = signed ? (src === 8 ? '((v<<24)>>24)' : '((v<<16)>>16)') : 'v';
      em.emit(`${loadE(i, src, 'v')}${regSet(reg, i.os32 !== 0 ? 32 : 16, ext)}`);
      return;
    }
    case 0x90:
      if (i.rep === 0 || i.rep === 0xf3) {
        em.emit('');
        return;
      }
      break;
  }
  if (op >= 0xb0 && op <= 0xbf) {
    const sz = size(i, op < 0xb8);
    em.emit(regSet(op & 7, sz, hex(i.imm)));
    return;
  }
  if (op >= 0x40 && op <= 0x4f) {
    const sz = i.os32 !== 0 ? 32 : 16;
    const kind = op < 0x48 ? LazyOp.INC : LazyOp.DEC;
    em.emit(`${incDecCf(em.fl)}d=${regRef(op & 7, sz)};s=1;t=(d${op < 0x48 ? '+' : '-'}1)${sz === 32 ? '|0' : '&0xffff'};${em.fl !== null ? lazy(kind, sz) : `c.lazy(${kind},${sz},d,1,t);`}${regSet(op & 7, sz, 't')}`);
    em.fl = { op: kind, size: sz };
    return;
  }
  if (op >= 0x50 && op <= 0x57) {
    const sz = i.os32 !== 0 ? 32 : 16;
    em.emit(`v=${regRef(op & 7, sz)};${push(sz, ssB, 'v')}`);
    return;
  }
  if (op >= 0x58 && op <= 0x5f) {
    const sz = i.os32 !== 0 ? 32 : 16;
    em.emit(`${pop(sz, ssB, 'v')}${regSet(op & 7, sz, 'v')}`);
    return;
  }
  if (op === 0x68 || op === 0x6a) {
    const sz = i.os32 !== 0 ? 32 : 16;
    let imm = op === 0x6a ? (i.imm << 24) >> 24 : i.imm;
    if (sz === 16) imm &= 0xffff;
    em.emit(`v=${hex(imm)};${push(sz, ssB, 'v')}`);
    return;
  }
  // ---- branches
  if ((op >= 0x70 && op <= 0x7f) || (op >= 0x180 && op <= 0x18f)) {
    const disp = op < 0x100 ? (i.imm << 24) >> 24 : i.imm;
    const target = (i.next + disp) | 0;
    const cond = fusedCond(em.fl, op & 15) ?? `c.cond(${op & 15})`;
    em.emit(`if(${cond}){${faultPoint(i)}${jumpTo(em, i, target, k)}}${em.goto(k, i.next)}`);
    return;
  }
  if (op === 0xeb || op === 0xe9) {
    const disp = op === 0xeb ? (i.imm << 24) >> 24 : i.imm;
    em.emit(`${faultPoint(i)}${jumpTo(em, i, (i.next + disp) | 0, k)}`);
    return;
  }
  if (op === 0xe8) {
    const sz = i.os32 !== 0 ? 32 : 16;
    let target = (i.next + i.imm) | 0;
    if (sz === 16) target &= 0xffff;
    em.emit(`${faultPoint(i)}if((${hex(target)}>>>0)>CL)c.gp(0);v=${hex(i.next)};${push(sz, ssB, 'v')}${em.goto(k, target)}`);
    return;
  }
  if (op === 0xc3 || op === 0xc2) {
    const sz = i.os32 !== 0 ? 32 : 16;
    // the target is checked before ESP moves: a #GP leaves ESP as it was
    const add = (sz >> 3) + (op === 0xc2 ? i.imm : 0);
    let s = faultPoint(i);
    s += ssB !== 0 ? `o=g4;${readMem(sz, 2, 't')}` : `o=g4&0xffff;${readMem(sz, 2, 't')}`;
    s += `if((t>>>0)>CL)c.gp(0);`;
    s += ssB !== 0 ? `g4=(o+${add})|0;` : `g4=(g4&-65536)|((o+${add})&0xffff);`;
    s += em.gotoDyn(k);
    em.emit(s);
    em.fl = null;
    return;
  }
  // ---- more inline forms
  if (op === 0x1af || op === 0x69 || op === 0x6b) {
    const sz = i.os32 !== 0 ? 32 : 16;
    let s = `${loadE(i, sz, 'd')}`;
    if (op === 0x1af) s += `s=${regRef(reg, sz)};`;
    else s += `s=${hex(op === 0x6b ? (i.imm << 24) >> 24 : sz === 16 ? (i.imm << 16) >> 16 : i.imm)};`;
    if (sz === 32) s += `t=Math.imul(d,s);v=(d*s)!==t?0x801:0;${regSet(reg, 32, 't')}`;
    else s += `d=(d<<16)>>16;s=(s<<16)>>16;v=Math.imul(d,s);t=v&0xffff;v=v!==((v<<16)>>16)?0x801:0;${regSet(reg, 16, 't')}`;
    s += `c.lzOp=0;c.flags=(c.flags&~0x8d5)|P[t&0xff]|(t===0?0x40:0)|(((t>>>${sz - 1})&1)!==0?0x80:0)|v;`;
    em.emit(s);
    em.fl = null;
    return;
  }
  if (op === 0xc0 || op === 0xc1 || op === 0xd0 || op === 0xd1 || op === 0xd2 || op === 0xd3) {
    const sz = size(i, (op & 1) === 0);
    const n = op <= 0xc1 ? i.imm & 31 : op <= 0xd1 ? 1 : -1;
    if (sz === 32 && n > 0 && (reg === 4 || reg === 5 || reg === 6 || reg === 7)) {
      // SHL/SHR/SAR by a constant: flags computed here (SDM SAL/SAR/SHL/SHR; OF as the P6 does)
      let f: string;
      if (reg === 5) f = `t=d>>>${n};v=((d>>>${n - 1})&1)${n === 1 ? '|(((d>>>31)&1)<<11)' : ''};`;
      else if (reg === 7) f = `t=d>>${n};v=(d>>${n - 1})&1;`;
      else f = `t=d<<${n};v=(d>>>${32 - n})&1;v|=(((t>>>31)&1)^v)<<11;`;
      em.emit(`${loadE(i, 32, 'd')}${f}${storeE(i, 32, 't', true)}c.lzOp=0;c.flags=(c.flags&~0x8d5)|P[t&0xff]|(t===0?0x40:0)|(t<0?0x80:0)|v;`);
      em.fl = null;
      return;
    }
    if (sz === 32 && n < 0 && (reg === 4 || reg === 5 || reg === 6 || reg === 7)) {
      // the same by CL (masked to 5 bits); a zero count changes neither the operand nor the flags
      let f: string;
      if (reg === 5) f = 't=d>>>s;v=((d>>>(s-1))&1)|(s===1?((d>>>31)&1)<<11:0);';
      else if (reg === 7) f = 't=d>>s;v=(d>>(s-1))&1;';
      else f = 't=d<<s;v=(d>>>(32-s))&1;v|=(((t>>>31)&1)^v)<<11;';
      em.emit(`${loadE(i, 32, 'd')}s=g1&31;if(s!==0){${f}${storeE(i, 32, 't', true)}c.lzOp=0;c.flags=(c.flags&~0x8d5)|P[t&0xff]|(t===0?0x40:0)|(t<0?0x80:0)|v;}`);
      em.fl = null;
      return;
    }
    if (n > 0 && reg <= 1) {
      // ROL/ROR by a constant (count mod the size: 8/16-bit multiples rotate to the same value,
      // the flags are still set): CF and OF as the interpreter's shift(), the other flags kept
      const r = n % sz;
      const top = sz - 1;
      const [hiS, loS] = reg === 0 ? [r, sz - r] : [sz - r, r];
      const rot = r === 0 ? 't=d;' : sz === 32 ? `t=(d<<${hiS})|(d>>>${loS});` : `t=((d<<${hiS})|(d>>>${loS}))${mask(sz)};`;
      const f = reg === 0 ? `v=(t&1)|((((t>>>${top})^t)&1)<<11);` : `v=((t>>>${top})&1)|((((t>>>${top})^(t>>>${top - 1}))&1)<<11);`;
      // flags no one sees before a later instruction overwrites them all (see deadFlags) are left out
      const flags = flagsDead ? '' : `${f}${setSomeFlags(0x801, 'v')}`;
      em.emit(`${loadE(i, sz, 'd')}${rot}${storeE(i, sz, 't', true)}${flags}`);
      em.fl = null;
      return;
    }
    if (mem && (reg === 2 || reg === 3)) {
      // RCL/RCR of memory: SH sets CF (which they read) before the store, whose slow path re-runs the instruction
      emitGeneric(em, i, k, last);
      return;
    }
    const count = n >= 0 ? `${n}` : '(g1&31)';
    em.emit(`${loadE(i, sz, 'd')}s=${count};if(s!==0){t=SH(c,${reg},d,s,${sz});${storeE(i, sz, 't', true)}}`);
    em.fl = null;
    return;
  }
  if (op >= 0x190 && op <= 0x19f) {
    const cond = fusedCond(em.fl, op & 15) ?? `c.cond(${op & 15})`;
    em.emit(`v=(${cond})?1:0;${storeE(i, 8, 'v', false)}`);
    return;
  }
  if (op >= 0x140 && op <= 0x14f) {
    const sz = i.os32 !== 0 ? 32 : 16;
    const cond = fusedCond(em.fl, op & 15) ?? `c.cond(${op & 15})`;
    em.emit(`${loadE(i, sz, 'v')}if(${cond}){${regSet(reg, sz, 'v')}}`);
    return;
  }
  if (op === 0x99 || op === 0x98) {
    if (op === 0x99) em.emit(i.os32 !== 0 ? 'g2=g0>>31;' : regSet(2, 16, '(g0<<16)>>31'));
    else em.emit(i.os32 !== 0 ? 'g0=(g0<<16)>>16;' : regSet(0, 16, '(g0<<24)>>24'));
    return;
  }
  if ((op === 0x87 || op === 0x86) && !mem) {
    const sz = size(i, op === 0x86);
    const y = i.modrm & 7;
    em.emit(`v=${regRef(y, sz)};${regSet(y, sz, regRef(reg, sz))}${regSet(reg, sz, 'v')}`);
    return;
  }
  if (op >= 0x91 && op <= 0x97) {
    const sz = i.os32 !== 0 ? 32 : 16;
    em.emit(`v=${regRef(op & 7, sz)};${regSet(op & 7, sz, regRef(0, sz))}${regSet(0, sz, 'v')}`);
    return;
  }
  if (op === 0xff && (reg === 2 || reg === 4 || reg === 6)) {
    const sz = i.os32 !== 0 ? 32 : 16;
    let s = `${faultPoint(i)}${loadE(i, sz, 't')}`;
    if (reg === 6) {
      em.emit(`${s}${push(sz, ssB, 't')}`);
      em.fl = null; // t was reused
      return;
    }
    s += `if((t>>>0)>CL)c.gp(0);`;
    if (reg === 2) s += `v=${hex(i.next)};${push(sz, ssB, 'v')}`;
    s += em.gotoDyn(k);
    em.emit(s);
    em.fl = null;
    return;
  }
  if ((op === 0xff || op === 0xfe) && (reg === 0 || reg === 1)) {
    const sz = size(i, op === 0xfe);
    const kind = reg === 0 ? LazyOp.INC : LazyOp.DEC;
    em.emit(`${loadE(i, sz, 'd')}s=1;t=(d${reg === 0 ? '+' : '-'}1)${sz === 32 ? '|0' : mask(sz)};${storeE(i, sz, 't', true)}c.lazy(${kind},${sz},d,1,t);`);
    em.fl = { op: kind, size: sz };
    return;
  }
  if ((op === 0xf7 || op === 0xf6) && reg <= 3) {
    const sz = size(i, op === 0xf6);
    if (reg <= 1) {
      em.emit(`${loadE(i, sz, 'd')}s=${hex(i.imm & (sz === 32 ? -1 : (1 << sz) - 1))};${aluCore(4, sz)}`);
      em.fl = { op: LazyOp.LOGIC, size: sz };
      return;
    }
    if (reg === 2) em.emit(`${loadE(i, sz, 'd')}t=(~d)${sz === 32 ? '|0' : mask(sz)};${storeE(i, sz, 't', true)}`);
    else {
      em.emit(`${loadE(i, sz, 's')}d=0;t=(-s)${sz === 32 ? '|0' : mask(sz)};${storeE(i, sz, 't', true)}${lazy(LazyOp.SUB, sz)}`);
      em.fl = { op: LazyOp.SUB, size: sz };
    }
    if (reg === 2) {
      // NOT leaves the flags alone, but d/s/t no longer hold the producer's operands
      em.fl = null;
    }
    return;
  }
  if (op === 0xfc || op === 0xfd) {
    // CLD/STD: DF lives in c.flags, outside the lazy arithmetic flags; d/s/t stay the producer's
    em.emit(op === 0xfc ? 'c.flags&=~0x400;' : 'c.flags|=0x400;');
    return;
  }
  if (op >= 0x1c8 && op <= 0x1cf) {
    // BSWAP; the 16-bit form clears the low word (as the interpreter, P6)
    const r = op & 7;
    em.emit(i.os32 !== 0 ? `v=g${r};g${r}=(v<<24)|((v&0xff00)<<8)|((v>>>8)&0xff00)|(v>>>24);` : regSet(r, 16, '0'));
    return;
  }
  if (op === 0x9e) {
    // SAHF: SF ZF AF PF CF from AH, OF kept (materialized first)
    em.emit(setSomeFlags(0xd5, '((g0>>8)&0xd5)'));
    em.fl = null;
    return;
  }
  if ((op === 0x87 || op === 0x86) && mem) {
    // read, write the register's value, then the register: a slow write leaves before any change
    const sz = size(i, op === 0x86);
    em.emit(`${loadE(i, sz, 'v')}${writeMem(sz, i.eaSeg, regRef(reg, sz))}${regSet(reg, sz, 'v')}`);
    return;
  }
  if (op === 0x1bc || op === 0x1bd) {
    // BSF/BSR as the interpreter: a zero source keeps the destination and sets ZF|PF; else
    // PF from the index, the other flags clear
    const sz = i.os32 !== 0 ? 32 : 16;
    const idx = op === 0x1bc ? '31-Math.clz32(v&-v)' : '31-Math.clz32(v)';
    em.emit(`${loadE(i, sz, 'v')}if(v===0){c.lzOp=0;c.flags=(c.flags&~0x8d5)|0x44}else{t=${idx};${regSet(reg, sz, 't')}c.lzOp=0;c.flags=(c.flags&~0x8d5)|P[t]}`);
    em.fl = null;
    return;
  }
  if ((op === 0x1ba && reg >= 4) || ((op === 0x1a3 || op === 0x1ab || op === 0x1b3 || op === 0x1bb) && !mem)) {
    // BT/BTS/BTR/BTC with an immediate bit (masked to the operand) or on a register; the
    // register-offset forms on memory address beyond the operand and stay with the interpreter.
    // Store first, then CF (the other flags kept): a slow store leaves before any change
    const sz = i.os32 !== 0 ? 32 : 16;
    const bop = op === 0x1ba ? reg - 4 : op === 0x1a3 ? 0 : op === 0x1ab ? 1 : op === 0x1b3 ? 2 : 3;
    let s = op === 0x1ba ? `s=${i.imm & (sz - 1)};` : `s=${regRef(reg, sz)}&${sz - 1};`;
    s += loadE(i, sz, 'v');
    if (bop !== 0) s += `t=v${bop === 1 ? '|(1<<s)' : bop === 2 ? '&~(1<<s)' : '^(1<<s)'};${storeE(i, sz, 't', true)}`;
    em.emit(`${s}${setSomeFlags(1, '((v>>>s)&1)')}`);
    em.fl = null;
    return;
  }
  if (op === 0x1b0 || op === 0x1b1) {
    // CMPXCHG: flags of CMP accumulator,destination; the destination is written back even on
    // failure (the interpreter's locked cycle): read, write, then the flags and the accumulator
    const sz = size(i, op === 0x1b0);
    const wrap = sz === 32 ? '(d-s)|0' : `(d-s)${mask(sz)}`;
    let s: string;
    if (mem) s = `${loadE(i, sz, 'v')}t=${regRef(0, sz)}===v?${regRef(reg, sz)}:v;${writeMem(sz, i.eaSeg, 't')}d=${regRef(0, sz)};s=v;t=${wrap};${lazy(LazyOp.SUB, sz)}if(t!==0){${regSet(0, sz, 'v')}}`;
    else s = `d=${regRef(0, sz)};s=${regRef(i.modrm & 7, sz)};t=${wrap};${lazy(LazyOp.SUB, sz)}if(t===0){${regSet(i.modrm & 7, sz, regRef(reg, sz))}}else{${regSet(0, sz, 's')}}`;
    em.emit(s);
    em.fl = { op: LazyOp.SUB, size: sz };
    return;
  }
  if (op === 0xf7 || op === 0xf6) {
    // MUL/IMUL/DIV/IDIV (reg 4..7): a #DE leaves through the slow exit, so the interpreter raises it
    em.emit(mulDiv(i, size(i, op === 0xf6), reg));
    em.fl = null;
    return;
  }
  if (op === 0xc9 && ssB !== 0 && i.os32 !== 0) {
    em.emit(`o=g5;${readMem(32, 2, 'v')}g4=(o+4)|0;g5=v;`);
    return;
  }
  if (op === 0x131) {
    // RDTSC: reads the clock and touches no device
    em.emit(`${faultPoint(i)}${SYNC_OUT}O[0x131](c);${SYNC_IN}`);
    em.fl = null;
    return;
  }
  // ---- everything else: the interpreter's semantics on predecoded fields
  emitGeneric(em, i, k, last);
}

/** MUL/IMUL/DIV/IDIV of the accumulator by operand E (F6/F7 /4../7), as `grp3` and `divide` compute them. */
function mulDiv(i: Insn, sz: number, reg: number): string {
  const de = `{${insnExit}}`;
  // flags as mulFlags: SF/ZF/PF from the low half (t), CF=OF=overflow, AF clear
  const mf = (lo: string, ov: string): string => `c.lzOp=0;c.flags=(c.flags&~0x8d5)|P[${lo}&0xff]|(${lo}===0?0x40:0)|(((${lo}>>>${sz - 1})&1)!==0?0x80:0)|(${ov}?0x801:0);`;
  let s = loadE(i, sz, 's');
  if (sz === 32) {
    if (reg <= 5) {
      // 32x32 -> 64 exact: low dword by Math.imul, high from 16-bit halves (mid < 2^34)
      s += 'd=g0;a=(d&0xffff)*(s&0xffff);v=(d>>>16)*(s&0xffff)+(d&0xffff)*(s>>>16);e=((d>>>16)*(s>>>16)+Math.floor((v+(a>>>16))/65536))|0;t=Math.imul(d,s);';
      if (reg === 5) s += 'if(d<0)e=(e-s)|0;if(s<0)e=(e-d)|0;';
      return `${s}g0=t;g2=e;${mf('t', reg === 4 ? 'e!==0' : 'e!==(t>>31)')}`;
    }
    // udiv64: two 16-bit steps, each dividend < 2^48 (exact)
    const steps = 'lin=(d>>>0)*65536+(a>>>16);t=Math.floor(lin/v);lin-=t*v;lin=lin*65536+(a&0xffff);e=Math.floor(lin/v);lin-=e*v;t=t*65536+e;';
    if (reg === 6) {
      return `${s}if(s===0||(g2>>>0)>=(s>>>0))${de}v=s>>>0;if(g2===0){a=g0>>>0;t=Math.floor(a/v);g2=(a-t*v)|0;g0=t|0}else{a=g0;d=g2;${steps}g0=t|0;g2=lin|0}`;
    }
    // IDIV: magnitudes, unsigned divide, then the signs (quotient range checked like divide())
    return (
      `${s}if(s===0)${de}a=g0;d=g2;if(d<0){a=-a|0;d=(~d+(a===0?1:0))|0}v=s<0?-s>>>0:s>>>0;if((d>>>0)>=v)${de}${steps}` +
      `if((g2<0)!==(s<0)?t>2147483648:t>2147483647)${de}g0=(g2<0)!==(s<0)?-t|0:t|0;g2=g2<0?-lin|0:lin|0;`
    );
  }
  if (sz === 16) {
    switch (reg) {
      case 4: return `${s}t=(g0&0xffff)*s;${regSet(0, 16, 't')}${regSet(2, 16, 't>>>16')}${mf('(t&0xffff)', 't>0xffff')}`;
      case 5: return `${s}t=((g0<<16)>>16)*((s<<16)>>16);${regSet(0, 16, 't')}${regSet(2, 16, 't>>16')}${mf('(t&0xffff)', 't!==((t<<16)>>16)')}`;
      case 6: return `${s}if(s===0)${de}a=(((g2&0xffff)<<16)|(g0&0xffff))>>>0;t=Math.floor(a/s);if(t>0xffff)${de}${regSet(0, 16, 't')}${regSet(2, 16, 'a%s')}`;
      default: return `${s}s=(s<<16)>>16;if(s===0)${de}a=((g2&0xffff)<<16)|(g0&0xffff);t=Math.trunc(a/s);if(t>32767||t<-32768)${de}${regSet(0, 16, 't')}${regSet(2, 16, 'a%s')}`;
    }
  }
  switch (reg) {
    case 4: return `${s}t=(g0&0xff)*s;${regSet(0, 16, 't')}${mf('(t&0xff)', 't>0xff')}`;
    case 5: return `${s}t=((g0<<24)>>24)*((s<<24)>>24);${regSet(0, 16, 't')}${mf('(t&0xff)', 't!==((t<<24)>>24)')}`;
    case 6: return `${s}if(s===0)${de}a=g0&0xffff;t=Math.floor(a/s);if(t>0xff)${de}${regSet(0, 16, '(t&0xff)|((a%s)<<8)')}`;
    default: return `${s}s=(s<<24)>>24;if(s===0)${de}a=(g0<<16)>>16;t=Math.trunc(a/s);if(t>127||t<-128)${de}${regSet(0, 16, '(t&0xff)|((a%s&0xff)<<8)')}`;
  }
}

/** Emit `i` as a call of its `OPS` semantics (see {@link generic}), leaving the region when that code asks to. */
function emitGeneric(em: Emitter, i: Insn, k: number, last: boolean): void {
  em.saves[em.bi]![k] = 1;
  em.emit(generic(i));
  em.fl = null;
  if (last && lastEnds(i)) {
    em.emit(em.leave(k));
    return;
  }
  em.emit(`if(c.jitStop){c.eip=${hex(i.next)};${em.leave(k)}}`);
}
