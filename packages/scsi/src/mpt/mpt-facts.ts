/**
 * The IOC FACTS reply (mpi_ioc.h MSG_IOC_FACTS_REPLY) of a 53C1030.
 *
 * @module
 */

import { MpiFn } from './mpi.js';
import { MPT_CREDITS, MPT_MAX_TARGETS, MPT_REQUEST_FRAME_DWORDS } from './mpt-limits.js';

/** The IOC's current settings that IOC FACTS echoes. */
export interface IocFactsState {
  /** Who initialized the IOC (IOC INIT WhoInit). */
  readonly whoInit: number;
  /** Upper 32 bits of message frame addresses. */
  readonly hostMfaHigh: number;
  /** Upper 32 bits of sense buffer addresses. */
  readonly senseHigh: number;
  /** Reply frame size in bytes. */
  readonly replyFrameSize: number;
  /** Event notification is on. */
  readonly eventsOn: boolean;
  /** Reply FIFO depth. */
  readonly replyQueueDepth: number;
}

/**
 * Fill the 80-byte IOC FACTS reply in `r` (its header and context already
 * copied from the request). MPI 1.2, one SCSI port, 16 targets, no firmware
 * upload, product id "initiator, 1030".
 */
export function writeIocFactsReply(r: Uint8Array, v: DataView, st: IocFactsState): void {
  v.setUint16(0, 0x0102, true); // MsgVersion
  r[2] = 20; // MsgLength
  r[3] = MpiFn.IocFacts;
  v.setUint16(4, 0x0a00, true); // HeaderVersion
  r[6] = 0; // IOCNumber
  r[7] = 0;
  r[20] = 16; // MaxChainDepth
  r[21] = st.whoInit;
  // BlockSize must be non-zero: mptbase divides by it to size its request-frame hints.
  r[22] = MPT_REQUEST_FRAME_DWORDS;
  r[23] = 0; // Flags: no firmware download boot
  v.setUint16(24, st.replyQueueDepth, true);
  v.setUint16(26, MPT_REQUEST_FRAME_DWORDS, true);
  v.setUint16(30, 0x0109, true); // ProductID: initiator firmware, 1030 family
  v.setUint32(32, st.hostMfaHigh, true);
  v.setUint16(36, MPT_CREDITS, true);
  r[38] = 1; // NumberOfPorts
  r[39] = st.eventsOn ? 1 : 0;
  v.setUint32(40, st.senseHigh, true);
  v.setUint16(44, st.replyFrameSize >>> 2, true);
  r[46] = MPT_MAX_TARGETS;
  r[47] = 1; // MaxBuses
  v.setUint32(48, 0, true); // FWImageSize
  v.setUint32(52, 0, true); // IOCCapabilities
  v.setUint32(56, 0x01032700, true); // FWVersion 1.3.39
}
