/**
 * Binary records exchanged with the native harness (harness.c).
 *
 * Case record, 536 bytes: u32 code length; u32 EAX..EDI (8, ESP slot
 * ignored); u32 EFLAGS; 240 code bytes; 256 data bytes.
 * Result record, 300 bytes: u32 exception vector (0xffffffff = none);
 * u32 EAX..EDI (ESP slot 0); u32 EFLAGS; u32 EIP (end of code, or the
 * faulting instruction); 256 data bytes.
 */
import { CODE_MAX, DATA_SIZE, type NativeCase } from './case.js';

/** Size of one case record. */
export const IN_SIZE = 536;
/** Size of one result record. */
export const OUT_SIZE = 300;
/** Exception value meaning "ran to the end". */
export const NO_EXCEPTION = 0xffffffff;

/** The outcome of running one case (natively or in the emulator). */
export interface CaseResult {
  /** Exception vector, or {@link NO_EXCEPTION}. */
  exception: number;
  /** EAX..EDI (index 4 unused). */
  regs: Uint32Array;
  eflags: number;
  /** EIP after the run: end of code, or the faulting instruction. */
  eip: number;
  data: Uint8Array;
}

/** Serialise cases for the harness. */
export function encodeCases(cases: readonly NativeCase[]): Uint8Array {
  const buf = new Uint8Array(cases.length * IN_SIZE);
  const dv = new DataView(buf.buffer);
  cases.forEach((c, i) => {
    const o = i * IN_SIZE;
    if (c.code.length > CODE_MAX) throw new Error(`case ${i}: code too long`);
    dv.setUint32(o, c.code.length, true);
    for (let r = 0; r < 8; r++) dv.setUint32(o + 4 + 4 * r, r === 4 ? 0 : (c.regs[r] as number), true);
    dv.setUint32(o + 36, c.eflags, true);
    buf.set(c.code, o + 40);
    buf.set(c.data, o + 280);
  });
  return buf;
}

/** Parse the harness's result records. */
export function decodeResults(buf: Uint8Array, count: number): CaseResult[] {
  if (buf.length !== count * OUT_SIZE) throw new Error(`native results: expected ${count * OUT_SIZE} bytes, got ${buf.length}`);
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const out: CaseResult[] = [];
  for (let i = 0; i < count; i++) {
    const o = i * OUT_SIZE;
    const regs = new Uint32Array(8);
    for (let r = 0; r < 8; r++) regs[r] = dv.getUint32(o + 4 + 4 * r, true);
    out.push({
      exception: dv.getUint32(o, true),
      regs,
      eflags: dv.getUint32(o + 36, true),
      eip: dv.getUint32(o + 40, true),
      data: buf.slice(o + 44, o + 44 + DATA_SIZE),
    });
  }
  return out;
}
