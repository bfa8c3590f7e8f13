/**
 * Receive checksum offload of the 82540EM (RXCSUM, 8254x SDM 3.2.9).
 *
 * @module
 */
import { addChecksum, foldChecksum } from '../shared/checksum.js';
import { RxError, RxStatus, Rxcsum } from './e1000-regs.js';

/** Verifies a received frame's IPv4 and TCP/UDP checksums; the results stay in its fields. */
export class E1000RxChecksum {
  /** Descriptor status bits from the last {@link verify} (IXSM, IPCS, TCPCS). */
  status = 0;
  /** Descriptor error bits from the last {@link verify} (IPE, TCPE). */
  errors = 0;

  /**
   * Receive checksum offload (RXCSUM): verify an IPv4 header (IPCS/IPE) and
   * its TCP or UDP checksum (TCPCS/TCPE); IXSM when nothing was checked.
   * Returns the packet checksum: the raw 16-bit sum from PCSS to the end.
   */
  verify(rxcsum: number, b: Uint8Array, len: number): number {
    const pcss = rxcsum & Rxcsum.PCSS_MASK;
    const raw = pcss < len ? foldChecksum(addChecksum(0, b, pcss, len)) : 0;
    this.status = RxStatus.IXSM;
    this.errors = 0;
    if ((rxcsum & (Rxcsum.IPOFLD | Rxcsum.TUOFLD)) === 0) return raw;
    if (len < 34 || b[12] !== 0x08 || b[13] !== 0x00 || b[14]! >>> 4 !== 4) return raw;
    const ihl = (b[14]! & 15) * 4;
    const ipLen = (b[16]! << 8) | b[17]!;
    if (ihl < 20 || 14 + ihl > len || ipLen < ihl || 14 + ipLen > len) return raw;
    let st = 0;
    let err = 0;
    if ((rxcsum & Rxcsum.IPOFLD) !== 0) {
      st |= RxStatus.IPCS;
      if (foldChecksum(addChecksum(0, b, 14, 14 + ihl)) !== 0xffff) err |= RxError.IPE;
    }
    const proto = b[23]!;
    const fragmented = (((b[20]! << 8) | b[21]!) & 0x3fff) !== 0;
    if ((rxcsum & Rxcsum.TUOFLD) !== 0 && !fragmented && (proto === 6 || proto === 17)) {
      const l4 = 14 + ihl;
      const l4len = ipLen - ihl;
      const zeroUdp = proto === 17 && l4len >= 8 && b[l4 + 6] === 0 && b[l4 + 7] === 0;
      if (!zeroUdp && l4len >= (proto === 6 ? 20 : 8)) {
        let sum = addChecksum(0, b, 26, 34); // source and destination addresses
        sum += proto + l4len;
        sum = addChecksum(sum, b, l4, l4 + l4len);
        st |= RxStatus.TCPCS;
        if (foldChecksum(sum) !== 0xffff) err |= RxError.TCPE;
      }
    }
    this.status = st;
    this.errors = err;
    return raw;
  }
}
