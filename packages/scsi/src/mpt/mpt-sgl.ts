/**
 * The Fusion-MPT scatter/gather list walk (MPI 1.2 SGE formats): simple
 * elements (32/64-bit) in the request frame, chain elements into guest
 * memory, bounded by element and chain-hop counts.
 *
 * @module
 */

import type { DmaSpace } from '@vm/bus';
import type { SgList } from '../sg-list.js';
import { IocStatus, Sge } from './mpi.js';

/** Most chain elements followed per request (a chain loop ends as INVALID_SGL). */
const MAX_CHAIN_HOPS = 64;
/** Offset of the SGL in a SCSI IO request frame. */
const SCSI_IO_SGL_OFFSET = 48;

/**
 * Collect the data segments of the SCSI IO request in `frame` (its first
 * `frameBytes` bytes) into `sgl`, following chain elements through `dma`,
 * until END_OF_LIST or `dataLength` bytes are described. Returns an
 * IOCStatus: Success, or InvalidSgl for a malformed, looping, >4 GiB or
 * overlong list.
 */
export function walkMptSgl(sgl: SgList, frame: DataView, frameBytes: number, dma: DmaSpace, dataLength: number): number {
  let inFrame = true;
  let addr = SCSI_IO_SGL_OFFSET;
  let end = frameBytes;
  let hops = 0;
  for (;;) {
    if (addr + 8 > end) return IocStatus.InvalidSgl;
    const fl = inFrame ? frame.getUint32(addr, true) : dma.read32(addr);
    const flags = fl >>> 24;
    const is64 = (flags & Sge.Address64) !== 0;
    if (is64 && addr + 12 > end) return IocStatus.InvalidSgl;
    const lo = inFrame ? frame.getUint32(addr + 4, true) : dma.read32(addr + 4);
    const hi = is64 ? (inFrame ? frame.getUint32(addr + 8, true) : dma.read32(addr + 8)) : 0;
    const type = flags & Sge.TypeMask;
    if (type === Sge.TypeSimple) {
      // DMA reaches 32-bit guest-physical addresses only.
      if (hi !== 0) return IocStatus.InvalidSgl;
      if (!sgl.add(lo, fl & 0xffffff)) return IocStatus.InvalidSgl;
      if ((flags & Sge.EndOfList) !== 0 || sgl.total >= dataLength) return IocStatus.Success;
      addr += is64 ? 12 : 8;
    } else if (type === Sge.TypeChain) {
      // Chain: length in bits 15:0; the next chain element, if any, follows the simple ones.
      if (hi !== 0 || ++hops > MAX_CHAIN_HOPS) return IocStatus.InvalidSgl;
      inFrame = false;
      addr = lo;
      end = lo + (fl & 0xffff);
    } else {
      return IocStatus.InvalidSgl;
    }
  }
}
