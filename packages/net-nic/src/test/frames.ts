/** Ethernet broadcast address. */
export const BROADCAST = Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff, 0xff);

/** Build an Ethernet II frame (no FCS). */
export function ethernetFrame(dst: Uint8Array, src: Uint8Array, etherType: number, payload: Uint8Array): Uint8Array {
  const f = new Uint8Array(14 + payload.length);
  f.set(dst.subarray(0, 6), 0);
  f.set(src.subarray(0, 6), 6);
  f[12] = etherType >>> 8;
  f[13] = etherType & 0xff;
  f.set(payload, 14);
  return f;
}

function sum16(bytes: Uint8Array, start: number, end: number, init = 0): number {
  let s = init;
  for (let i = start; i < end; i += 2) s += (bytes[i]! << 8) | (i + 1 < end ? bytes[i + 1]! : 0);
  while (s > 0xffff) s = (s & 0xffff) + Math.floor(s / 0x10000);
  return s;
}

/** Options for {@link ipv4Frame}. */
export interface Ipv4FrameOptions {
  /** Destination MAC. */
  readonly dst: Uint8Array;
  /** Source MAC. */
  readonly src: Uint8Array;
  /** 6 (TCP) or 17 (UDP). */
  readonly protocol: 6 | 17;
  /** Bytes after the TCP/UDP header. */
  readonly payload: Uint8Array;
  /** Source IPv4 address (default 10.0.0.1). */
  readonly srcIp?: readonly number[];
  /** Destination IPv4 address (default 10.0.0.2). */
  readonly dstIp?: readonly number[];
  /**
   * What to leave in the checksum fields: 'valid' (correct sums), 'offload'
   * (IP checksum 0 and the L4 field holding the pseudo-header sum, as Linux
   * hands a CHECKSUM_PARTIAL frame to the NIC), or 'broken' (wrong sums).
   */
  readonly checksums?: 'valid' | 'offload' | 'broken';
  /** TCP flags (default PSH|ACK). */
  readonly tcpFlags?: number;
}

/** An IPv4 TCP or UDP frame with a 20-byte IP header and a 20-byte TCP / 8-byte UDP header. */
export function ipv4Frame(o: Ipv4FrameOptions): Uint8Array {
  const l4h = o.protocol === 6 ? 20 : 8;
  const l4len = l4h + o.payload.length;
  const ip = new Uint8Array(20 + l4len);
  const srcIp = o.srcIp ?? [10, 0, 0, 1];
  const dstIp = o.dstIp ?? [10, 0, 0, 2];
  ip[0] = 0x45;
  ip[2] = (20 + l4len) >>> 8;
  ip[3] = (20 + l4len) & 0xff;
  ip[4] = 0x12;
  ip[5] = 0x34;
  ip[6] = 0x40; // DF
  ip[8] = 64;
  ip[9] = o.protocol;
  ip.set(srcIp, 12);
  ip.set(dstIp, 16);
  const l4 = 20;
  ip[l4] = 0x30;
  ip[l4 + 1] = 0x39; // port 12345
  ip[l4 + 2] = 0x00;
  ip[l4 + 3] = 0x50; // port 80
  if (o.protocol === 6) {
    ip[l4 + 4] = 0x01; // seq 0x01000000
    ip[l4 + 12] = 0x50; // data offset 5
    ip[l4 + 13] = o.tcpFlags ?? 0x18;
    ip[l4 + 14] = 0xff;
    ip[l4 + 15] = 0xff;
  } else {
    ip[l4 + 4] = l4len >>> 8;
    ip[l4 + 5] = l4len & 0xff;
  }
  ip.set(o.payload, l4 + l4h);
  const csumAt = l4 + (o.protocol === 6 ? 16 : 6);
  const pseudo = sum16(Uint8Array.of(...srcIp, ...dstIp, 0, o.protocol, l4len >>> 8, l4len & 0xff), 0, 12);
  const mode = o.checksums ?? 'valid';
  if (mode === 'offload') {
    // The pseudo-header sum, not inverted, seeds the field (Linux's csum_tcpudp_magic complement).
    ip[csumAt] = pseudo >>> 8;
    ip[csumAt + 1] = pseudo & 0xff;
  } else {
    const ipSum = ~sum16(ip, 0, 20) & 0xffff;
    ip[10] = ipSum >>> 8;
    ip[11] = ipSum & 0xff;
    let l4Sum = ~sum16(ip, l4, ip.length, pseudo) & 0xffff;
    if (l4Sum === 0) l4Sum = 0xffff;
    if (mode === 'broken') l4Sum ^= 0x5555;
    ip[csumAt] = l4Sum >>> 8;
    ip[csumAt + 1] = l4Sum & 0xff;
  }
  return ethernetFrame(o.dst, o.src, 0x0800, ip);
}

/** True when the IPv4 header checksum and the TCP/UDP checksum of `frame` verify. */
export function ipv4ChecksumsValid(frame: Uint8Array): boolean {
  const ipStart = 14;
  const ihl = (frame[ipStart]! & 15) * 4;
  const total = (frame[ipStart + 2]! << 8) | frame[ipStart + 3]!;
  if (sum16(frame, ipStart, ipStart + ihl) !== 0xffff) return false;
  const proto = frame[ipStart + 9]!;
  const l4 = ipStart + ihl;
  const l4len = total - ihl;
  const pseudo = sum16(Uint8Array.of(...frame.subarray(ipStart + 12, ipStart + 20), 0, proto, l4len >>> 8, l4len & 0xff), 0, 12);
  return sum16(frame, l4, l4 + l4len, pseudo) === 0xffff;
}

/** A small deterministic PRNG (xorshift32) for fuzz tests; never Math.random. */
export class XorShift32 {
  private s: number;
  /** @param seed any non-zero 32-bit seed */
  constructor(seed: number) {
    this.s = seed >>> 0 || 0x9e3779b9;
  }
  /** The next unsigned 32-bit value. */
  next(): number {
    let x = this.s;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.s = x >>> 0;
    return this.s;
  }
  /** An integer in 0..n-1. */
  below(n: number): number {
    return this.next() % n;
  }
}
