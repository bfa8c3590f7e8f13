/**
 * The 82540EM's transmit assembler: gathers descriptor buffers into frames,
 * keeps the TCP/IP context, inserts IP and TCP/UDP checksums and performs
 * TCP segmentation (8254x SDM 3.3 and 3.5).
 *
 * @module
 */
import { DmaStatus } from '@vm/bus';
import type { DmaSpace } from '@vm/bus';
import { addChecksum, finishChecksum, foldChecksum } from '../shared/checksum.js';
import { TxCmd } from './e1000-regs.js';

/** Where assembled frames go. */
export interface E1000FrameSink {
  /** Send `length` bytes of `frame` (no FCS); `tso` marks a segment of a TSO burst. */
  transmitFrame(frame: Uint8Array, length: number, tso: boolean): void;
}

/** Header room plus the largest segment (HDRLEN <= 255, MSS <= 65535). */
const BUFFER_BYTES = 0x10000 + 0x100;
/**
 * Work allowed for one packet (bytes moved plus 64 per chunk): a TSO burst
 * with a tiny MSS or a gigantic DTALEN is cut off and dropped instead of
 * occupying the host for seconds.
 */
const PACKET_WORK_LIMIT = 4 << 20;
/** POPTS bits (data descriptor bits 15:8 of the third dword). */
const POPTS_IXSM = 0x01;
const POPTS_TXSM = 0x02;

/** Transmit context and the frame under assembly. */
export class E1000TxAssembler {
  /** The frame being gathered. */
  readonly buffer = new Uint8Array(BUFFER_BYTES);
  /** Bytes gathered. */
  fill = 0;
  /** Context: IP checksum start. */
  ipcss = 0;
  /** Context: IP checksum field offset. */
  ipcso = 0;
  /** Context: IP checksum end (inclusive; 0 = to the end). */
  ipcse = 0;
  /** Context: TCP/UDP checksum start. */
  tucss = 0;
  /** Context: TCP/UDP checksum field offset. */
  tucso = 0;
  /** Context: TCP/UDP checksum end (inclusive; 0 = to the end). */
  tucse = 0;
  /** Context: TUCMD bits (TSE, IP, TCP) in descriptor bit positions. */
  tucmd = 0;
  /** Context: header length copied in front of every segment. */
  hdrLen = 0;
  /** Context: maximum segment payload. */
  mss = 0;
  /** Options of the packet under assembly, from its first data descriptor. */
  popts = 0;
  /** The packet under assembly is a TSO burst. */
  tse = false;
  /** Legacy descriptor: checksum start (CSS). */
  legacyCss = 0;
  /** Legacy descriptor: checksum field offset (CSO). */
  legacyCso = 0;
  /** Legacy descriptor: insert a checksum (IC). */
  legacyIc = false;
  /** VLAN tag to insert (VLE on the EOP descriptor), or -1. */
  vlan = -1;
  /** The gathered data did not fit: the packet is dropped at EOP. */
  overflow = false;
  /** TSO: segments sent in this burst. */
  segments = 0;
  /** TSO: payload bytes those segments carried. */
  payloadSent = 0;
  /** TSO: header fields saved from the first segment. */
  private ipId = 0;
  private tcpSeq = 0;
  private tcpFlags = 0;
  private l4Seed = 0;
  private headerSaved = false;
  /** Work done on the current packet (see PACKET_WORK_LIMIT). */
  private work = 0;

  /** Forget the context and any partial packet (device reset). */
  reset(): void {
    this.fill = 0;
    this.ipcss = this.ipcso = this.ipcse = 0;
    this.tucss = this.tucso = this.tucse = 0;
    this.tucmd = 0;
    this.hdrLen = this.mss = 0;
    this.legacyCss = this.legacyCso = 0;
    this.legacyIc = false;
    this.endPacket();
  }

  private endPacket(): void {
    this.fill = 0;
    this.popts = 0;
    this.tse = false;
    this.vlan = -1;
    this.overflow = false;
    this.segments = 0;
    this.payloadSent = 0;
    this.headerSaved = false;
    this.work = 0;
  }

  /** A context descriptor: dwords 0..3 as read from the ring. */
  context(d0: number, d1: number, d2: number, d3: number): void {
    this.ipcss = d0 & 0xff;
    this.ipcso = (d0 >>> 8) & 0xff;
    this.ipcse = d0 >>> 16;
    this.tucss = d1 & 0xff;
    this.tucso = (d1 >>> 8) & 0xff;
    this.tucse = d1 >>> 16;
    this.tucmd = d2 & (TxCmd.TSE | TxCmd.IP | TxCmd.TCP);
    this.hdrLen = (d3 >>> 8) & 0xff;
    this.mss = d3 >>> 16;
  }

  /**
   * A data or legacy descriptor's buffer: append `length` bytes from guest
   * `addr`, segmenting on the way for TSO; at `eop` finish the packet.
   * Returns false if the buffer could not be read (a DMA fault).
   */
  data(dma: DmaSpace, addr: number, length: number, eop: boolean, sink: E1000FrameSink): boolean {
    const segmenting = this.tse && this.mss > 0 && this.hdrLen > 0;
    let ok = true;
    while (length > 0) {
      if (this.work > PACKET_WORK_LIMIT) {
        this.overflow = true;
        break;
      }
      let room = segmenting ? this.hdrLen + this.mss - this.fill : BUFFER_BYTES - this.fill;
      if (room <= 0) {
        if (!segmenting) {
          this.overflow = true;
          break;
        }
        this.emitSegment(false, sink);
        room = this.hdrLen + this.mss - this.fill;
      }
      const n = Math.min(room, length);
      if (dma.read(addr, this.buffer.subarray(this.fill, this.fill + n)) !== DmaStatus.Ok) ok = false;
      this.fill += n;
      this.work += n + 64;
      addr = (addr + n) >>> 0;
      length -= n;
      if (segmenting && !this.headerSaved && this.fill >= this.hdrLen) this.saveHeader();
    }
    if (eop) {
      if (!ok || this.overflow) {
        this.endPacket();
      } else if (segmenting) {
        if (this.fill > this.hdrLen || this.segments === 0) this.emitSegment(true, sink);
        this.endPacket();
      } else {
        this.emitSimple(sink);
        this.endPacket();
      }
    } else if (!ok) {
      this.overflow = true; // the packet is lost; keep consuming descriptors to EOP
    }
    return ok;
  }

  /**
   * Begin a packet from its first data descriptor: its checksum options,
   * whether it is a TSO burst, and the VLAN tag to insert (-1 for none).
   */
  startData(popts: number, tse: boolean, vlan: number): void {
    if (this.fill !== 0 || this.segments !== 0) return;
    this.popts = popts;
    this.tse = tse && (this.tucmd & TxCmd.TSE) !== 0;
    this.vlan = vlan;
  }

  /** Begin a legacy packet from its first descriptor: checksum insertion (IC, CSS, CSO) and VLAN tag. */
  startLegacy(ic: boolean, css: number, cso: number, vlan: number): void {
    if (this.fill !== 0) return;
    this.popts = 0;
    this.tse = false;
    this.legacyIc = ic;
    this.legacyCss = css;
    this.legacyCso = cso;
    this.vlan = vlan;
  }

  private saveHeader(): void {
    const b = this.buffer;
    this.headerSaved = true;
    this.ipId = this.ipcss + 6 <= this.hdrLen ? (b[this.ipcss + 4]! << 8) | b[this.ipcss + 5]! : 0;
    const t = this.tucss;
    this.tcpSeq = t + 8 <= this.hdrLen ? ((b[t + 4]! << 24) | (b[t + 5]! << 16) | (b[t + 6]! << 8) | b[t + 7]!) >>> 0 : 0;
    this.tcpFlags = t + 14 <= this.hdrLen ? b[t + 13]! : 0;
    this.l4Seed = this.tucso + 2 <= this.hdrLen ? (b[this.tucso]! << 8) | b[this.tucso + 1]! : 0;
  }

  /** Send a non-TSO packet with the requested checksums inserted. */
  private emitSimple(sink: E1000FrameSink): void {
    const len = this.fill;
    const b = this.buffer;
    if (this.legacyIc) {
      // Legacy: sum from CSS to the end, stored at CSO.
      if (this.legacyCss < len && this.legacyCso + 2 <= len) this.store(this.legacyCso, finishChecksum(addChecksum(0, b, this.legacyCss, len)));
      this.legacyIc = false;
    } else {
      if ((this.popts & POPTS_IXSM) !== 0) this.insertIpChecksum(len);
      if ((this.popts & POPTS_TXSM) !== 0) this.insertL4Checksum(len, 0);
    }
    this.send(len, false, sink);
  }

  /** Send one TSO segment: fix lengths, ID, sequence, flags and checksums of the copied header. */
  private emitSegment(last: boolean, sink: E1000FrameSink): void {
    const b = this.buffer;
    const len = this.fill;
    const hdr = this.hdrLen;
    if (!this.headerSaved || hdr > len) {
      this.send(len, true, sink);
      this.fill = 0;
      return;
    }
    const ipcss = this.ipcss;
    const t = this.tucss;
    const tcp = (this.tucmd & TxCmd.TCP) !== 0;
    if ((this.tucmd & TxCmd.IP) !== 0) {
      if (ipcss + 6 <= hdr) {
        this.store(ipcss + 2, len - ipcss);
        this.store(ipcss + 4, (this.ipId + this.segments) & 0xffff);
      }
    } else if (ipcss + 6 <= hdr) {
      this.store(ipcss + 4, len - ipcss - 40); // IPv6 payload length
    }
    if (tcp && t + 14 <= hdr) {
      const seq = (this.tcpSeq + this.payloadSent) >>> 0;
      b[t + 4] = seq >>> 24;
      b[t + 5] = (seq >>> 16) & 0xff;
      b[t + 6] = (seq >>> 8) & 0xff;
      b[t + 7] = seq & 0xff;
      // FIN and PSH only on the last segment.
      b[t + 13] = last ? this.tcpFlags : this.tcpFlags & ~0x09;
    } else if (!tcp && t + 6 <= hdr) {
      this.store(t + 4, len - t); // UDP length
    }
    if ((this.popts & POPTS_IXSM) !== 0) this.insertIpChecksum(len);
    if ((this.popts & POPTS_TXSM) !== 0) {
      // The seed is the pseudo-header sum without the length; the hardware adds each segment's.
      if (this.tucso + 2 <= hdr) this.store(this.tucso, this.l4Seed);
      this.insertL4Checksum(len, len - t);
    }
    this.send(len, true, sink);
    this.segments++;
    this.payloadSent += len - hdr;
    this.fill = hdr;
  }

  private insertIpChecksum(len: number): void {
    const css = this.ipcss;
    const cso = this.ipcso;
    const end = this.ipcse === 0 ? len : Math.min(this.ipcse + 1, len);
    if (css >= end || cso + 2 > len) return;
    this.store(cso, 0);
    this.store(cso, ~foldChecksum(addChecksum(0, this.buffer, css, end)) & 0xffff);
  }

  private insertL4Checksum(len: number, pseudoLength: number): void {
    const css = this.tucss;
    const cso = this.tucso;
    const end = this.tucse === 0 ? len : Math.min(this.tucse + 1, len);
    if (css >= end || cso + 2 > len) return;
    this.store(cso, finishChecksum(addChecksum(pseudoLength, this.buffer, css, end)));
  }

  private store(at: number, value: number): void {
    this.buffer[at] = (value >>> 8) & 0xff;
    this.buffer[at + 1] = value & 0xff;
  }

  private send(len: number, tso: boolean, sink: E1000FrameSink): void {
    const b = this.buffer;
    if (this.vlan >= 0 && len >= 12 && len + 4 <= b.length) {
      // 802.1Q insertion after the addresses, undone afterwards for the next TSO segment.
      b.copyWithin(16, 12, len);
      b[12] = 0x81;
      b[13] = 0x00;
      b[14] = this.vlan >>> 8;
      b[15] = this.vlan & 0xff;
      sink.transmitFrame(b, len + 4, tso);
      b.copyWithin(12, 16, len + 4);
      return;
    }
    sink.transmitFrame(b, len, tso);
  }

  /** Capture the context (the partial packet is dropped on restore, as after a link flap). */
  save(): number[] {
    return [this.ipcss, this.ipcso, this.ipcse, this.tucss, this.tucso, this.tucse, this.tucmd, this.hdrLen, this.mss];
  }

  /** Restore what {@link save} captured. */
  load(s: readonly number[]): void {
    this.reset();
    this.ipcss = (s[0] ?? 0) & 0xff;
    this.ipcso = (s[1] ?? 0) & 0xff;
    this.ipcse = (s[2] ?? 0) & 0xffff;
    this.tucss = (s[3] ?? 0) & 0xff;
    this.tucso = (s[4] ?? 0) & 0xff;
    this.tucse = (s[5] ?? 0) & 0xffff;
    this.tucmd = (s[6] ?? 0) & (TxCmd.TSE | TxCmd.IP | TxCmd.TCP);
    this.hdrLen = (s[7] ?? 0) & 0xff;
    this.mss = (s[8] ?? 0) & 0xffff;
  }
}
