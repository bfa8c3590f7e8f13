/**
 * The LZMA decoder as LZMA2 uses it: an adaptive binary range decoder driving
 * the literal / match / rep-match state machine. Decodes straight into the
 * output buffer, which serves as the dictionary (positions before the last
 * dictionary reset are out of reach).
 *
 * Probabilities are 11-bit values (2048 = certainty) adapted with a shift of
 * 5, as the LZMA SDK's documentation of the format describes.
 *
 * @module
 */

import { at, XzError } from './errors.js';

const PROB_INIT = 1024;
const TOP = 0x1000000;

/** Number of states in the literal/match state machine. */
const STATES = 12;
/** States below this one last coded a literal. */
const LIT_STATES = 7;
/** Position slots below this index code their low bits with adaptive probabilities. */
const END_POS_MODEL = 14;

// Layout of the single probability array (offsets of each model).
const IS_MATCH = 0; // [state][posState] 12*16
const IS_REP = IS_MATCH + STATES * 16;
const IS_REP_G0 = IS_REP + STATES;
const IS_REP_G1 = IS_REP_G0 + STATES;
const IS_REP_G2 = IS_REP_G1 + STATES;
const IS_REP0_LONG = IS_REP_G2 + STATES; // [state][posState]
const POS_SLOT = IS_REP0_LONG + STATES * 16; // [lenState 0..3][64]
const SPEC_POS = POS_SLOT + 4 * 64; // 115 reverse-tree probs for slots 4..13
const ALIGN = SPEC_POS + 115; // 16
const LEN_CODER_SIZE = 2 + 16 * 8 + 16 * 8 + 256;
const LEN = ALIGN + 16; // match lengths
const REP_LEN = LEN + LEN_CODER_SIZE; // rep-match lengths
const LITERAL = REP_LEN + LEN_CODER_SIZE; // 0x300 per literal context
/** Offsets inside a length coder. */
const LEN_CHOICE = 0;
const LEN_CHOICE2 = 1;
const LEN_LOW = 2; // [posState][8]
const LEN_MID = LEN_LOW + 16 * 8; // [posState][8]
const LEN_HIGH = LEN_MID + 16 * 8; // [256]
/** LZMA2 limits lc + lp to 4, so at most 16 literal contexts. */
const PROBS_SIZE = LITERAL + 0x300 * 16;

/** Shortest match length. */
const MATCH_MIN = 2;

/** Decoder state that persists across LZMA2 chunks. */
export class LzmaDecoder {
  private readonly probs = new Uint16Array(PROBS_SIZE);
  private lc = 0;
  private literalPosMask = 0;
  private posMask = 0;
  private state = 0;
  private rep0 = 0;
  private rep1 = 0;
  private rep2 = 0;
  private rep3 = 0;
  /** Bytes of the last match that did not fit in the previous chunk. */
  pendingLen = 0;
  /** Output position of the last dictionary reset. */
  private dictStart = 0;
  /** Largest distance + 1 the stream may use. */
  private dictSize = 0;
  /** Range coder registers [range, code], in a typed array so they stay unboxed uint32s. */
  private readonly rc = new Uint32Array(2);
  private input: Uint8Array = new Uint8Array(0);
  private inPos = 0;
  private inEnd = 0;

  /** Set the dictionary size from the LZMA2 filter properties. */
  setDictSize(size: number): void {
    this.dictSize = size;
  }

  /** Forget everything before output position `pos` (an LZMA2 dictionary reset). */
  resetDict(pos: number): void {
    this.dictStart = pos;
  }

  /**
   * Apply an LZMA properties byte `(pb * 5 + lp) * 9 + lc`.
   * @param offset input offset, for error messages
   */
  setProperties(props: number, offset: number): void {
    if (props >= 9 * 5 * 5) throw new XzError('corrupt', `invalid LZMA properties byte 0x${props.toString(16)} ${at(offset)}`);
    const lc = props % 9;
    const rest = (props / 9) | 0;
    const lp = rest % 5;
    const pb = (rest / 5) | 0;
    if (lc + lp > 4) throw new XzError('corrupt', `LZMA2 requires lc + lp <= 4 (got lc=${lc} lp=${lp}) ${at(offset)}`);
    this.lc = lc;
    this.literalPosMask = (1 << lp) - 1;
    this.posMask = (1 << pb) - 1;
  }

  /** Reset the probabilities, the state machine and the rep distances. */
  resetState(): void {
    this.probs.fill(PROB_INIT);
    this.state = 0;
    this.rep0 = 0;
    this.rep1 = 0;
    this.rep2 = 0;
    this.rep3 = 0;
    this.pendingLen = 0;
  }

  /**
   * Decode one LZMA2 chunk: range-coded data in `input[inStart, inEnd)` that
   * must produce exactly `out[outPos, outEnd)`.
   * @returns `outEnd`
   */
  decodeChunk(input: Uint8Array, inStart: number, inEnd: number, out: Uint8Array, outPos: number, outEnd: number): number {
    if (inEnd - inStart < 5) throw new XzError('corrupt', `LZMA chunk of ${inEnd - inStart} bytes is too short ${at(inStart)}`);
    if (input[inStart] !== 0) throw new XzError('corrupt', `LZMA range coder must start with a zero byte ${at(inStart)}`);
    this.input = input;
    this.inEnd = inEnd;
    this.rc[1] = ((input[inStart + 1]! << 24) | (input[inStart + 2]! << 16) | (input[inStart + 3]! << 8) | input[inStart + 4]!) >>> 0;
    this.rc[0] = 0xffffffff;
    this.inPos = inStart + 5;
    let pos = outPos;
    if (this.pendingLen > 0) {
      const n = Math.min(this.pendingLen, outEnd - pos);
      pos = copyMatch(out, pos, this.rep0 + 1, n);
      this.pendingLen -= n;
    }
    pos = this.decodeSymbols(out, pos, outEnd);
    if (this.inPos !== inEnd) {
      throw new XzError('corrupt', `LZMA chunk used ${this.inPos - inStart} of its ${inEnd - inStart} compressed bytes ${at(inStart)}`);
    }
    if (this.rc[1] !== 0) throw new XzError('corrupt', `LZMA chunk did not end cleanly (range coder not flushed) ${at(inStart)}`);
    return pos;
  }

  /**
   * The main loop: decode symbols until `end` bytes of output exist. The
   * range coder lives in locals here and the frequent bits (match flags,
   * literals) are decoded inline; lengths and distances go through the
   * methods, with the coder state synced around them.
   */
  private decodeSymbols(out: Uint8Array, start: number, end: number): number {
    const probs = this.probs;
    const input = this.input;
    const inEnd = this.inEnd;
    const dictStart = this.dictStart;
    const posMask = this.posMask;
    const lc = this.lc;
    const litShift = 8 - lc;
    const literalPosMask = this.literalPosMask;
    let range = this.rc[0];
    let code = this.rc[1];
    let inPos = this.inPos;
    let state = this.state;
    let pos = start;
    let i = 0;
    let p = 0;
    let bound = 0;
    while (pos < end) {
      const rel = pos - dictStart;
      const posState = rel & posMask;
      // is-match bit, inline.
      i = IS_MATCH + (state << 4) + posState;
      p = probs[i]!;
      bound = (range >>> 11) * p;
      if (code < bound) {
        range = bound;
        probs[i] = p + ((2048 - p) >>> 5);
        if (range < TOP) {
          range = (range * 256) >>> 0;
          code = (code * 256 + (inPos < inEnd ? input[inPos]! : 0)) >>> 0;
          inPos++;
        }
        // Literal: 8 bits coded with context from the previous byte and position.
        const prev = rel > 0 ? out[pos - 1]! : 0;
        const base = LITERAL + 0x300 * (((rel & literalPosMask) << lc) + (prev >>> litShift));
        let sym = 1;
        if (state >= LIT_STATES) {
          // After a match, the byte at rep0 predicts bits until the first mismatch.
          let matchByte = out[pos - this.rep0 - 1]!;
          do {
            const matchBit = (matchByte >>> 7) & 1;
            matchByte <<= 1;
            i = base + ((1 + matchBit) << 8) + sym;
            p = probs[i]!;
            bound = (range >>> 11) * p;
            let b = 0;
            if (code < bound) {
              range = bound;
              probs[i] = p + ((2048 - p) >>> 5);
            } else {
              range -= bound;
              code -= bound;
              probs[i] = p - (p >>> 5);
              b = 1;
            }
            if (range < TOP) {
              range = (range * 256) >>> 0;
              code = (code * 256 + (inPos < inEnd ? input[inPos]! : 0)) >>> 0;
              inPos++;
            }
            sym = (sym << 1) | b;
            if (b !== matchBit) break;
          } while (sym < 0x100);
        }
        while (sym < 0x100) {
          i = base + sym;
          p = probs[i]!;
          bound = (range >>> 11) * p;
          if (code < bound) {
            range = bound;
            probs[i] = p + ((2048 - p) >>> 5);
            sym <<= 1;
          } else {
            range -= bound;
            code -= bound;
            probs[i] = p - (p >>> 5);
            sym = (sym << 1) | 1;
          }
          if (range < TOP) {
            range = (range * 256) >>> 0;
            code = (code * 256 + (inPos < inEnd ? input[inPos]! : 0)) >>> 0;
            inPos++;
          }
        }
        out[pos++] = sym;
        state = state < 4 ? 0 : state < 10 ? state - 3 : state - 6;
        continue;
      }
      range -= bound;
      code -= bound;
      probs[i] = p - (p >>> 5);
      if (range < TOP) {
        range = (range * 256) >>> 0;
        code = (code * 256 + (inPos < inEnd ? input[inPos]! : 0)) >>> 0;
        inPos++;
      }
      // Rarer symbols: hand the coder to the bit-at-a-time methods.
      this.rc[0] = range;
      this.rc[1] = code;
      this.inPos = inPos;
      let len: number;
      if (this.bit(IS_REP + state) === 0) {
        // A match with a newly coded distance.
        len = this.decodeLen(LEN, posState);
        state = state < LIT_STATES ? 7 : 10;
        const dist = this.decodeDistance(len);
        if (dist === 0xffffffff) {
          throw new XzError('corrupt', `LZMA end marker inside an LZMA2 chunk ${at(this.inPos)}`);
        }
        this.rep3 = this.rep2;
        this.rep2 = this.rep1;
        this.rep1 = this.rep0;
        this.rep0 = dist;
      } else if (this.bit(IS_REP_G0 + state) === 0) {
        if (this.bit(IS_REP0_LONG + (state << 4) + posState) === 0) {
          // Short rep: one byte from distance rep0.
          state = state < LIT_STATES ? 9 : 11;
          this.checkDistance(this.rep0, rel);
          out[pos] = out[pos - this.rep0 - 1]!;
          pos++;
          range = this.rc[0];
          code = this.rc[1];
          inPos = this.inPos;
          continue;
        }
        len = this.decodeLen(REP_LEN, posState);
        state = state < LIT_STATES ? 8 : 11;
      } else {
        let dist: number;
        if (this.bit(IS_REP_G1 + state) === 0) {
          dist = this.rep1;
        } else {
          if (this.bit(IS_REP_G2 + state) === 0) {
            dist = this.rep2;
          } else {
            dist = this.rep3;
            this.rep3 = this.rep2;
          }
          this.rep2 = this.rep1;
        }
        this.rep1 = this.rep0;
        this.rep0 = dist;
        len = this.decodeLen(REP_LEN, posState);
        state = state < LIT_STATES ? 8 : 11;
      }
      range = this.rc[0];
      code = this.rc[1];
      inPos = this.inPos;
      const dist = this.rep0;
      this.checkDistance(dist, rel);
      let n = len + MATCH_MIN;
      const room = end - pos;
      if (n > room) {
        this.pendingLen = n - room;
        n = room;
      }
      pos = copyMatch(out, pos, dist + 1, n);
    }
    this.rc[0] = range;
    this.rc[1] = code;
    this.inPos = inPos;
    this.state = state;
    return pos;
  }

  /** A distance must stay inside both the bytes decoded since the reset and the dictionary size. */
  private checkDistance(dist: number, rel: number): void {
    if (dist >= rel || dist >= this.dictSize) {
      throw new XzError('corrupt', `LZMA match distance ${dist + 1} reaches before the dictionary start ${at(this.inPos)}`);
    }
  }

  /** Decode one bit with the adaptive probability `probs[i]`. */
  private bit(i: number): number {
    const probs = this.probs;
    const rc = this.rc;
    let range = rc[0]!;
    let code = rc[1]!;
    const p = probs[i]!;
    const bound = (range >>> 11) * p;
    let b = 0;
    if (code < bound) {
      range = bound;
      probs[i] = p + ((2048 - p) >>> 5);
    } else {
      range -= bound;
      code -= bound;
      probs[i] = p - (p >>> 5);
      b = 1;
    }
    if (range < TOP) {
      // Shift in one more input byte (zeros past the chunk end; decodeChunk checks the count).
      const next = this.inPos++;
      range = (range * 256) >>> 0;
      code = (code * 256 + (next < this.inEnd ? this.input[next]! : 0)) >>> 0;
    }
    rc[0] = range;
    rc[1] = code;
    return b;
  }

  /** Decode `count` bits with fixed probability one half, most significant first. */
  private directBits(count: number): number {
    const rc = this.rc;
    let range = rc[0]!;
    let code = rc[1]!;
    let res = 0;
    for (let k = 0; k < count; k++) {
      range = range >>> 1;
      let b = 0;
      if (code >= range) {
        code -= range;
        b = 1;
      }
      res = (res << 1) | b;
      if (range < TOP) {
        const next = this.inPos++;
        range = (range * 256) >>> 0;
        code = (code * 256 + (next < this.inEnd ? this.input[next]! : 0)) >>> 0;
      }
    }
    rc[0] = range;
    rc[1] = code;
    return res >>> 0;
  }

  /** Decode a `bits`-bit symbol from a binary tree of probabilities at `base`, MSB first. */
  private bitTree(base: number, bits: number): number {
    const probs = this.probs;
    const rc = this.rc;
    let range = rc[0]!;
    let code = rc[1]!;
    const top = 1 << bits;
    let m = 1;
    while (m < top) {
      const i = base + m;
      const p = probs[i]!;
      const bound = (range >>> 11) * p;
      if (code < bound) {
        range = bound;
        probs[i] = p + ((2048 - p) >>> 5);
        m <<= 1;
      } else {
        range -= bound;
        code -= bound;
        probs[i] = p - (p >>> 5);
        m = (m << 1) | 1;
      }
      if (range < TOP) {
        const next = this.inPos++;
        range = (range * 256) >>> 0;
        code = (code * 256 + (next < this.inEnd ? this.input[next]! : 0)) >>> 0;
      }
    }
    rc[0] = range;
    rc[1] = code;
    return m - top;
  }

  /** Like {@link bitTree} but the symbol's bits come least significant first. */
  private reverseBitTree(base: number, bits: number): number {
    const probs = this.probs;
    const rc = this.rc;
    let range = rc[0]!;
    let code = rc[1]!;
    let m = 1;
    let sym = 0;
    for (let k = 0; k < bits; k++) {
      const i = base + m;
      const p = probs[i]!;
      const bound = (range >>> 11) * p;
      if (code < bound) {
        range = bound;
        probs[i] = p + ((2048 - p) >>> 5);
        m <<= 1;
      } else {
        range -= bound;
        code -= bound;
        probs[i] = p - (p >>> 5);
        m = (m << 1) | 1;
        sym |= 1 << k;
      }
      if (range < TOP) {
        const next = this.inPos++;
        range = (range * 256) >>> 0;
        code = (code * 256 + (next < this.inEnd ? this.input[next]! : 0)) >>> 0;
      }
    }
    rc[0] = range;
    rc[1] = code;
    return sym;
  }

  /** Decode a match length minus 2 (0..271) with the length coder at `base`. */
  private decodeLen(base: number, posState: number): number {
    if (this.bit(base + LEN_CHOICE) === 0) return this.bitTree(base + LEN_LOW + (posState << 3), 3);
    if (this.bit(base + LEN_CHOICE2) === 0) return 8 + this.bitTree(base + LEN_MID + (posState << 3), 3);
    return 16 + this.bitTree(base + LEN_HIGH, 8);
  }

  /** Decode a match distance minus 1 (0xFFFFFFFF is the end marker). */
  private decodeDistance(len: number): number {
    const lenState = len < 3 ? len : 3;
    const slot = this.bitTree(POS_SLOT + (lenState << 6), 6);
    if (slot < 4) return slot;
    const footerBits = (slot >>> 1) - 1;
    const dist = ((2 | (slot & 1)) << footerBits) >>> 0;
    if (slot < END_POS_MODEL) return dist + this.reverseBitTree(SPEC_POS + dist - slot, footerBits);
    // High bits are direct; the low four use the shared align model.
    return dist + this.directBits(footerBits - 4) * 16 + this.reverseBitTree(ALIGN, 4);
  }
}

/** Copy `n` bytes from `distance` bytes back (overlap repeats the pattern). */
function copyMatch(out: Uint8Array, pos: number, distance: number, n: number): number {
  let src = pos - distance;
  const end = pos + n;
  if (distance >= n && n > 32) {
    out.copyWithin(pos, src, src + n);
    return end;
  }
  while (pos < end) out[pos++] = out[src++]!;
  return end;
}
