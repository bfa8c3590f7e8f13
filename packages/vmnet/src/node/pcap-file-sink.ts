/**
 * Pcap capture files on disk.
 *
 * @module
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import type { FrameTap, PcapSink, PcapWriterOptions, Vmnet, VmnetPort } from '../index.js';
import { PcapWriter } from '../index.js';

/**
 * A {@link PcapSink} writing to a file through a 64 KiB buffer (flushed when
 * full, on {@link flush} and on {@link close}), so capturing does not make a
 * system call per frame.
 */
export class PcapFileSink implements PcapSink {
  private fd: number;
  private readonly buffer: Uint8Array;
  private used: number;

  /** Create (or truncate) `path`. @throws Error from the file system */
  constructor(path: string, bufferBytes = 64 * 1024) {
    this.fd = openSync(path, 'w');
    this.buffer = new Uint8Array(Math.max(bufferBytes, 4096));
    this.used = 0;
  }

  /** @inheritDoc */
  write(chunk: Uint8Array, length: number): void {
    if (this.fd < 0) return;
    if (this.used + length > this.buffer.length) this.flush();
    if (length > this.buffer.length) {
      writeAll(this.fd, chunk, length);
      return;
    }
    for (let i = 0; i < length; i++) this.buffer[this.used + i] = chunk[i]!;
    this.used += length;
  }

  /** Write buffered bytes to the file. */
  flush(): void {
    if (this.fd < 0 || this.used === 0) return;
    writeAll(this.fd, this.buffer, this.used);
    this.used = 0;
  }

  /** Flush and close the file. */
  close(): void {
    if (this.fd < 0) return;
    this.flush();
    closeSync(this.fd);
    this.fd = -1;
  }
}

function writeAll(fd: number, bytes: Uint8Array, length: number): void {
  let done = 0;
  while (done < length) done += writeSync(fd, bytes, done, length - done);
}

/** A running capture made by {@link capturePcapFile}. */
export interface PcapFileCapture {
  /** The writer installed as a tap. */
  readonly writer: PcapWriter;
  /** The file sink. */
  readonly sink: PcapFileSink;
  /** Remove the tap and close the file. */
  stop(): void;
}

/**
 * Capture every frame of a VMnet (or both directions of one port) into a
 * pcap file that tcpdump, tshark and Wireshark read.
 */
export function capturePcapFile(target: Vmnet | VmnetPort, path: string, options: PcapWriterOptions = {}): PcapFileCapture {
  const sink = new PcapFileSink(path);
  const writer = new PcapWriter(sink, options);
  writer.writeHeader();
  const tap: FrameTap = writer;
  target.addCapture(tap);
  return {
    writer,
    sink,
    stop(): void {
      target.removeCapture(tap);
      sink.close();
    },
  };
}
