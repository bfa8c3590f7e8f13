/**
 * The 82540EM's receive address filter.
 *
 * @module
 */
import { Rctl, Reg } from './e1000-regs.js';

/** Multicast table hash shifts by RCTL.MO. */
const MO_SHIFT = [4, 3, 2, 0] as const;

/**
 * Destination filter (8254x SDM 3.2.1): broadcast with BAM, unicast and
 * multicast promiscuous (UPE, MPE), the 16 exact receive addresses, the
 * multicast hash table; VLAN filtering (VFE) for tagged frames.
 */
export function acceptFrame(r: Uint32Array, f: Uint8Array, rctl: number, tagged: boolean): boolean {
  if (tagged && (rctl & Rctl.VFE) !== 0) {
    const vid = ((f[14]! << 8) | f[15]!) & 0xfff;
    if ((r[(Reg.VFTA >>> 2) + (vid >>> 5)]! & (1 << (vid & 31))) === 0) return false;
  }
  const multicast = (f[0]! & 1) !== 0;
  if (multicast) {
    if (isBroadcast(f)) return (rctl & (Rctl.BAM | Rctl.MPE)) !== 0;
    if ((rctl & Rctl.MPE) !== 0) return true;
  } else if ((rctl & Rctl.UPE) !== 0) {
    return true;
  }
  const lo = (f[0]! | (f[1]! << 8) | (f[2]! << 16) | (f[3]! << 24)) >>> 0;
  const hi = f[4]! | (f[5]! << 8);
  for (let i = Reg.RA >>> 2; i < (Reg.RA >>> 2) + 32; i += 2) {
    const rah = r[i + 1]!;
    if ((rah & 0x80000000) !== 0 && r[i] === lo && (rah & 0xffff) === hi) return true;
  }
  if (!multicast) return false;
  const hash = (((f[5]! << 8) | f[4]!) >>> MO_SHIFT[(rctl >>> Rctl.MO_SHIFT) & 3]!) & 0xfff;
  return (r[(Reg.MTA >>> 2) + (hash >>> 5)]! & (1 << (hash & 31))) !== 0;
}

/** True for ff:ff:ff:ff:ff:ff. */
export function isBroadcast(f: Uint8Array): boolean {
  return (f[0]! & f[1]! & f[2]! & f[3]! & f[4]! & f[5]!) === 0xff;
}
