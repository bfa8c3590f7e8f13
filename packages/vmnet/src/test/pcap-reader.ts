/** The global header of a pcap file. */
export interface PcapHeader {
  /** Format version, e.g. `2.4`. */
  readonly version: string;
  /** Snapshot length. */
  readonly snaplen: number;
  /** Link-layer type (1 = Ethernet). */
  readonly linkType: number;
  /** True for nanosecond-resolution files (magic 0xa1b23c4d). */
  readonly nanoseconds: boolean;
}

/** One record of a pcap file. */
export interface PcapRecord {
  /** Seconds part of the timestamp. */
  readonly seconds: number;
  /** Sub-second part, in micro- or nanoseconds per the header. */
  readonly fraction: number;
  /** Bytes captured. */
  readonly data: Uint8Array;
  /** Length of the frame on the wire. */
  readonly originalLength: number;
}

/** A parsed pcap file. */
export interface PcapFile {
  /** The global header. */
  readonly header: PcapHeader;
  /** The records in file order. */
  readonly records: PcapRecord[];
}

/**
 * Parse a classic pcap file (either byte order, micro- or nanosecond magic),
 * independently of the writer, so tests can check what was written.
 * @throws Error for a malformed file
 */
export function readPcap(bytes: Uint8Array): PcapFile {
  if (bytes.length < 24) throw new Error('pcap: shorter than its header');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magicLe = view.getUint32(0, true);
  let little: boolean;
  let nanoseconds: boolean;
  if (magicLe === 0xa1b2c3d4 || magicLe === 0xa1b23c4d) {
    little = true;
    nanoseconds = magicLe === 0xa1b23c4d;
  } else {
    const magicBe = view.getUint32(0, false);
    if (magicBe !== 0xa1b2c3d4 && magicBe !== 0xa1b23c4d) throw new Error(`pcap: bad magic 0x${magicLe.toString(16)}`);
    little = false;
    nanoseconds = magicBe === 0xa1b23c4d;
  }
  const header: PcapHeader = {
    version: `${view.getUint16(4, little)}.${view.getUint16(6, little)}`,
    snaplen: view.getUint32(16, little),
    linkType: view.getUint32(20, little),
    nanoseconds,
  };
  const records: PcapRecord[] = [];
  let at = 24;
  while (at < bytes.length) {
    if (at + 16 > bytes.length) throw new Error(`pcap: truncated record header at ${at}`);
    const incl = view.getUint32(at + 8, little);
    if (at + 16 + incl > bytes.length) throw new Error(`pcap: truncated record data at ${at}`);
    records.push({
      seconds: view.getUint32(at, little),
      fraction: view.getUint32(at + 4, little),
      originalLength: view.getUint32(at + 12, little),
      data: new Uint8Array(bytes.subarray(at + 16, at + 16 + incl)), // a plain copy, also from a Buffer
    });
    at += 16 + incl;
  }
  return { header, records };
}
