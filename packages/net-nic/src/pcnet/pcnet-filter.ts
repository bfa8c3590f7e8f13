/**
 * The Am79C970A's receive address filter (CSR15 mode bits, the station
 * address in CSR12-14 and the logical address filter in CSR8-11).
 *
 * @module
 */
import { crc32Register } from '../shared/crc32.js';
import { Desc, Mode } from './pcnet-regs.js';

/**
 * Address filter (CSR15 and the station/logical address registers).
 * Returns the RMD1 match flag (PAM, LAFM or BAM), 0 for promiscuous
 * acceptance, or -1 to reject.
 */
export function pcnetAddressMatch(c: Uint16Array, frame: Uint8Array): number {
  const mode = c[15]!;
  if ((frame[0]! & 1) === 0) {
    if ((mode & Mode.DRCVPA) === 0 && physicalMatch(c, frame)) return Desc.PAM;
    return (mode & Mode.PROM) !== 0 ? 0 : -1;
  }
  if (frame[0] === 0xff && frame[1] === 0xff && frame[2] === 0xff && frame[3] === 0xff && frame[4] === 0xff && frame[5] === 0xff) {
    if ((mode & Mode.DRCVBC) === 0) return Desc.BAM;
    return (mode & Mode.PROM) !== 0 ? 0 : -1;
  }
  // Logical address filter: the top 6 bits of the CRC register over the destination.
  const hash = crc32Register(frame, 0, 6) >>> 26;
  if ((c[8 + (hash >>> 4)]! & (1 << (hash & 15))) !== 0) return Desc.LAFM;
  return (mode & Mode.PROM) !== 0 ? 0 : -1;
}

function physicalMatch(c: Uint16Array, frame: Uint8Array): boolean {
  return (
    (frame[0]! | (frame[1]! << 8)) === c[12] && (frame[2]! | (frame[3]! << 8)) === c[13] && (frame[4]! | (frame[5]! << 8)) === c[14]
  );
}
