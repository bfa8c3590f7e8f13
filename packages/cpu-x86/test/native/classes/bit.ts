/**
 * Bit operations: BT/BTS/BTR/BTC with a register bit offset (register and
 * memory destinations, the memory form reaching outside the addressed
 * word) and with an imm8 offset; BSF/BSR.
 * Undefined (Intel SDM vol. 2): OF, SF, AF, PF after BT*; CF, OF, SF, AF, PF
 * after BSF/BSR, and their destination when the source is zero.
 */
import { opText, REG_NAMES, r, type Size } from '../asm.js';
import { AF, CF, DATA_ADDR, draft, finish, OF, operand, PF, SF, type NativeCase } from '../case.js';
import type { Prng } from '../prng.js';
import { anyReg, dataMem, getReg, maskRegBits, readData, regOrMem, setReg } from './util.js';

const BT_NAMES = ['bt', 'bts', 'btr', 'btc'];

/** One random bit-operation case. */
export function bitCase(rng: Prng): NativeCase {
  const d = draft(rng, 'bit');
  const a = d.asm;
  const size: Size = rng.chance(0.5) ? 16 : 32;
  const kind = rng.below(10);
  if (kind < 6) {
    d.undefFlags |= OF | SF | AF | PF;
    const op = rng.below(4);
    const rg = anyReg(rng, size);
    a.osz(size);
    if (kind < 3) {
      // Register bit offset.
      if (rng.chance(0.5)) {
        // Memory bit string: base points into the middle of the data area and the
        // signed offset reaches up to 64 bytes either way.
        const bases = [3, 5, 6, 7].filter((b) => b !== rg);
        const base = rng.pick(bases);
        const disp = rng.pick([0, 8, -8]);
        d.regs[base] = DATA_ADDR + 128 - disp;
        const off = rng.range(-500, 500);
        setReg(d.regs, rg, size, off & (size === 16 ? 0xffff : 0xffffffff));
        a.op([0x0f, 0xa3 + op * 8], rg, { mem: { base, disp } });
        d.name = `${BT_NAMES[op]} ${size === 16 ? 'word' : 'dword'} [data+128], ${(REG_NAMES[size] as readonly string[])[rg]}=${off}`;
      } else {
        const rm = r(anyReg(rng, size));
        a.op([0x0f, 0xa3 + op * 8], rg, rm);
        d.name = `${BT_NAMES[op]} ${opText(rm, size)}, ${(REG_NAMES[size] as readonly string[])[rg]}`;
      }
    } else {
      const rm = regOrMem(d, rng, size, 0.4);
      const imm = rng.pick([0, 1, size - 1, size, 31, 32, 200, rng.below(256)]);
      a.op([0x0f, 0xba], 4 + op, rm).imm8(imm);
      d.name = `${BT_NAMES[op]} ${opText(rm, size)}, ${imm}`;
    }
  } else {
    d.undefFlags |= CF | OF | SF | AF | PF;
    const reverse = rng.chance(0.5);
    let rm;
    let src: number;
    if (rng.chance(0.3)) {
      const dm = dataMem(d, rng, size / 8);
      rm = dm.op;
      if (rng.chance(0.2)) for (let i = 0; i < size / 8; i++) d.data[dm.offset + i] = 0;
      src = readData(d.data, dm.offset, size);
    } else {
      const n = anyReg(rng, size);
      rm = r(n);
      const v = rng.chance(0.2) ? 0 : rng.chance(0.5) ? 1 << rng.below(size) : operand(rng);
      setReg(d.regs, n, size, v);
      src = getReg(d.regs, n, size);
    }
    const rg = anyReg(rng, size);
    a.osz(size).op([0x0f, reverse ? 0xbd : 0xbc], rg, rm);
    if (src === 0) maskRegBits(d, rg, size);
    d.name = `${reverse ? 'bsr' : 'bsf'} ${(REG_NAMES[size] as readonly string[])[rg]}, ${opText(rm, size)}${src === 0 ? ' (src 0)' : ''}`;
  }
  return finish(d);
}
