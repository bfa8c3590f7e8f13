/**
 * How each dword of the 82540EM's register window behaves: absent, plain
 * storage, special (side effects), or a read-to-clear statistics counter.
 *
 * @module
 */
import { Reg } from './e1000-regs.js';

/** Reads 0, ignores writes. */
export const K_NONE = 0;
/** Plain storage. */
export const K_RW = 1;
/** Handled by the core's switch. */
export const K_SPECIAL = 2;
/** Read-to-clear statistics counter. */
export const K_STAT = 3;

/** Dwords in the 128 KiB register window. */
export const REG_DWORDS = 0x20000 >>> 2;

/** Plain read/write registers: [offset, count of dwords]. */
const PLAIN_REGISTERS: readonly (readonly [number, number])[] = [
  [Reg.CTRL_EXT, 1],
  [Reg.FLA, 1],
  [Reg.FCAL, 1],
  [Reg.FCAH, 1],
  [Reg.FCT, 1],
  [Reg.VET, 1],
  [Reg.FCTTV, 1],
  [Reg.TXCW, 1],
  [Reg.RXCW, 1],
  [Reg.TIPG, 1],
  [Reg.AIFS, 1],
  [Reg.LEDCTL, 1],
  [Reg.PBA, 1],
  [Reg.FCRTL, 1],
  [Reg.FCRTH, 1],
  [0x2410, 1], // RDFH .. RDFPC: receive FIFO pointers (diagnostics)
  [0x2418, 1],
  [0x2420, 1],
  [0x2428, 1],
  [0x2430, 1],
  [Reg.RDBAH, 1],
  [Reg.RXDCTL, 1],
  [Reg.RSRPD, 1],
  [Reg.TXDMAC, 1],
  [0x3410, 1], // TDFH .. TDFPC
  [0x3418, 1],
  [0x3420, 1],
  [0x3428, 1],
  [0x3430, 1],
  [Reg.TDBAH, 1],
  [Reg.TXDCTL, 1],
  [Reg.TSPMT, 1],
  [Reg.RXCSUM, 1],
  [Reg.MTA, 128],
  [Reg.RA, 32],
  [Reg.VFTA, 128],
  [Reg.WUC, 1],
  [Reg.WUFC, 1],
  [Reg.WUS, 1],
  [0x5820, 1], // MANC
  [Reg.IPAV, 1],
  [Reg.IP4AT, 8],
  [Reg.IP6AT, 4],
  [Reg.WUPL, 1],
  [Reg.WUPM, 32],
  [Reg.FFLT, 8],
  [Reg.FFMT, 256],
  [Reg.FFVT, 256],
];

const SPECIAL_REGISTERS: readonly number[] = [
  Reg.CTRL,
  Reg.CTRL_ALIAS,
  Reg.STATUS,
  Reg.EECD,
  Reg.EERD,
  Reg.MDIC,
  Reg.ICR,
  Reg.ITR,
  Reg.ICS,
  Reg.IMS,
  Reg.IMC,
  Reg.RCTL,
  Reg.TCTL,
  Reg.RDBAL,
  Reg.RDLEN,
  Reg.RDH,
  Reg.RDT,
  Reg.RDTR,
  Reg.RADV,
  Reg.TDBAL,
  Reg.TDLEN,
  Reg.TDH,
  Reg.TDT,
  Reg.TIDV,
  Reg.TADV,
];

/** The dispatch table, shared by every instance (it never changes). */
export const KIND = /* @__PURE__ */ buildKinds();

function buildKinds(): Uint8Array {
  const k = new Uint8Array(REG_DWORDS);
  for (const [off, n] of PLAIN_REGISTERS) k.fill(K_RW, off >>> 2, (off >>> 2) + n);
  for (const off of SPECIAL_REGISTERS) k[off >>> 2] = K_SPECIAL;
  k.fill(K_STAT, Reg.STATS >>> 2, Reg.STATS_END >>> 2);
  return k;
}
