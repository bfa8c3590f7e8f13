/**
 * Classic libpcap capture files (the format tcpdump and tshark read):
 * a 24-byte global header, then per frame a 16-byte record header and the
 * captured bytes. Microsecond timestamps, LINKTYPE_ETHERNET (1), written
 * little-endian with magic 0xa1b2c3d4.
 *
 * @module
 */
import type { FrameTap } from './frame-tap.js';

/** LINKTYPE_ETHERNET: IEEE 802.3 frames, destination MAC first, no FCS. */
export const LINKTYPE_ETHERNET = 1;
/** The pcap magic number for microsecond timestamps. */
export const PCAP_MAGIC_MICROSECONDS = 0xa1b2c3d4;
/** Size of the global header. */
export const PCAP_HEADER_BYTES = 24;
/** Size of a record header. */
export const PCAP_RECORD_HEADER_BYTES = 16;

/** Where pcap bytes go (a file, a memory buffer, a socket). */
export interface PcapSink {
  /**
   * Take the first `length` bytes of `chunk`. The chunk is reused after the
   * call returns: copy (or write out) what you keep.
   */
  write(chunk: Uint8Array, length: number): void;
}

/** Options of a {@link PcapWriter}. */
export interface PcapWriterOptions {
  /** Bytes kept per frame (default 65535); longer frames are truncated, `orig_len` keeps the real length. */
  readonly snaplen?: number;
}

/**
 * Turns frames into pcap bytes for a {@link PcapSink}. Install it as a
 * {@link FrameTap} on a VMnet or a port; timestamps come from the virtual
 * time the switch passes in. Writes reuse one buffer: no allocation per frame.
 */
export class PcapWriter implements FrameTap {
  /** The snapshot length written into the header. */
  readonly snaplen: number;
  /** Frames written. */
  frames: number;
  private readonly sink: PcapSink;
  private readonly buffer: Uint8Array;
  private readonly view: DataView;
  private headerWritten: boolean;

  /**
   * @param sink where the bytes go; nothing is written until the first frame
   *   or {@link writeHeader}
   * @throws RangeError for a snaplen outside 1..262144
   */
  constructor(sink: PcapSink, options: PcapWriterOptions = {}) {
    const snaplen = options.snaplen ?? 65535;
    if (!Number.isInteger(snaplen) || snaplen < 1 || snaplen > 262144) throw new RangeError(`snaplen ${snaplen} out of range`);
    this.snaplen = snaplen;
    this.frames = 0;
    this.sink = sink;
    this.buffer = new Uint8Array(PCAP_RECORD_HEADER_BYTES + Math.max(snaplen, PCAP_HEADER_BYTES));
    this.view = new DataView(this.buffer.buffer);
    this.headerWritten = false;
  }

  /** Write the global header now (done automatically before the first frame). */
  writeHeader(): void {
    if (this.headerWritten) return;
    this.headerWritten = true;
    const v = this.view;
    v.setUint32(0, PCAP_MAGIC_MICROSECONDS, true);
    v.setUint16(4, 2, true); // version 2.4
    v.setUint16(6, 4, true);
    v.setInt32(8, 0, true); // thiszone: timestamps are UTC
    v.setUint32(12, 0, true); // sigfigs
    v.setUint32(16, this.snaplen, true);
    v.setUint32(20, LINKTYPE_ETHERNET, true);
    this.sink.write(this.buffer, PCAP_HEADER_BYTES);
  }

  /** @inheritDoc */
  captureFrame(frame: Uint8Array, timeNs: number): void {
    this.writeFrame(frame, timeNs);
  }

  /** Append one frame captured at virtual time `timeNs` (ns, non-negative). */
  writeFrame(frame: Uint8Array, timeNs: number): void {
    if (!this.headerWritten) this.writeHeader();
    const t = timeNs > 0 ? Math.floor(timeNs) : 0;
    const seconds = Math.floor(t / 1e9);
    const micros = Math.floor((t - seconds * 1e9) / 1000);
    const orig = frame.length;
    const incl = orig < this.snaplen ? orig : this.snaplen;
    const v = this.view;
    v.setUint32(0, seconds >>> 0, true);
    v.setUint32(4, micros, true);
    v.setUint32(8, incl, true);
    v.setUint32(12, orig, true);
    if (incl === orig) this.buffer.set(frame, PCAP_RECORD_HEADER_BYTES);
    else for (let i = 0; i < incl; i++) this.buffer[PCAP_RECORD_HEADER_BYTES + i] = frame[i]!;
    this.sink.write(this.buffer, PCAP_RECORD_HEADER_BYTES + incl);
    this.frames++;
  }
}

/** A {@link PcapSink} that keeps the bytes in memory (browser-safe). */
export class PcapBufferSink implements PcapSink {
  private data: Uint8Array;
  private used: number;

  /** @param initialBytes starting capacity; it doubles as needed */
  constructor(initialBytes = 64 * 1024) {
    this.data = new Uint8Array(Math.max(initialBytes, 64));
    this.used = 0;
  }

  /** @inheritDoc */
  write(chunk: Uint8Array, length: number): void {
    if (this.used + length > this.data.length) {
      let size = this.data.length * 2;
      while (size < this.used + length) size *= 2;
      const grown = new Uint8Array(size);
      grown.set(this.data.subarray(0, this.used));
      this.data = grown;
    }
    this.data.set(chunk.subarray(0, length), this.used);
    this.used += length;
  }

  /** Bytes written so far. */
  get length(): number {
    return this.used;
  }

  /** A copy of the capture file's bytes. */
  bytes(): Uint8Array {
    return this.data.slice(0, this.used);
  }
}
