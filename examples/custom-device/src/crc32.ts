/**
 * CRC-32 as used by Ethernet, zip and PNG (IEEE 802.3: reflected polynomial
 * 0xEDB88320, initial value and final XOR 0xFFFFFFFF), computed a byte at a
 * time from a 256-entry table. The accelerator's arithmetic unit: no I/O,
 * no time, just numbers.
 */
export class Crc32 {
  private static readonly table: Uint32Array = Crc32.buildTable();
  private state: number;

  constructor() {
    this.state = 0xffffffff;
  }

  private static buildTable(): Uint32Array {
    const t = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      t[n] = c >>> 0;
    }
    return t;
  }

  /** Start a new checksum. */
  reset(): void {
    this.state = 0xffffffff;
  }

  /** Feed `bytes[0 .. length)`. */
  update(bytes: Uint8Array, length = bytes.length): void {
    const t = Crc32.table;
    let c = this.state;
    for (let i = 0; i < length; i++) c = t[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
    this.state = c;
  }

  /** The checksum of everything fed since {@link reset}. */
  digest(): number {
    return (this.state ^ 0xffffffff) >>> 0;
  }
}
