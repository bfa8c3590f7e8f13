import { put16, put32, put64 } from '../bytes.js';

/** Fields of a {@link buildSyntheticBzImage} image; each has a realistic default. */
export interface SyntheticBzImageOptions {
  /** Boot protocol version (default 0x020f, 2.15). */
  readonly version?: number;
  /** setup_sects as stored (default 4; 0 means 4 to a loader). */
  readonly setupSects?: number;
  /** loadflags (default 0x01, LOADED_HIGH). */
  readonly loadflags?: number;
  /** initrd_addr_max (default 0x7fffffff). */
  readonly initrdAddrMax?: number;
  /** cmdline_size (default 2047). */
  readonly cmdlineSize?: number;
  /** kernel_alignment (default 0x2000). */
  readonly kernelAlignment?: number;
  /** relocatable_kernel (default true). */
  readonly relocatable?: boolean;
  /** pref_address (default 0x1000000, the i386 CONFIG_PHYSICAL_START). */
  readonly prefAddress?: number;
  /** init_size (default 4 MiB). */
  readonly initSize?: number;
  /** The protected-mode payload (default 8 KiB of a recognisable pattern). */
  readonly payload?: Uint8Array;
  /** kernel_version string (default "6.1.0-test (synthetic)"). */
  readonly kernelVersion?: string;
}

/**
 * Build a file with a well-formed bzImage setup header (boot sector, setup
 * sectors, "HdrS" header) followed by `payload` as the protected-mode
 * kernel. Enough for loader tests; it does not boot.
 */
export function buildSyntheticBzImage(options: SyntheticBzImageOptions = {}): Uint8Array {
  const sects = options.setupSects ?? 4;
  const realSects = sects === 0 ? 4 : sects;
  const payload = options.payload ?? patternBytes(8192, 0x5a);
  const pmOffset = (realSects + 1) * 512;
  const b = new Uint8Array(pmOffset + payload.length);
  b[0x1f1] = sects;
  put32(b, 0x1f4, Math.ceil(payload.length / 16));
  put16(b, 0x1fe, 0xaa55);
  b[0x200] = 0xeb; // jmp short over the header
  b[0x201] = 0x6a; // header ends at 0x26c
  put32(b, 0x202, 0x53726448);
  put16(b, 0x206, options.version ?? 0x020f);
  const kv = options.kernelVersion ?? '6.1.0-test (synthetic)';
  const kvAt = 0x300;
  for (let i = 0; i < kv.length; i++) b[kvAt + i] = kv.charCodeAt(i);
  put16(b, 0x20e, kvAt - 0x200);
  b[0x211] = options.loadflags ?? 0x01;
  put32(b, 0x214, 0x100000);
  put32(b, 0x22c, options.initrdAddrMax ?? 0x7fffffff);
  put32(b, 0x230, options.kernelAlignment ?? 0x2000);
  b[0x234] = (options.relocatable ?? true) ? 1 : 0;
  put32(b, 0x238, options.cmdlineSize ?? 2047);
  put64(b, 0x258, options.prefAddress ?? 0x1000000);
  put32(b, 0x260, options.initSize ?? 0x400000);
  b.set(payload, pmOffset);
  return b;
}

/** `n` bytes of a deterministic pattern seeded by `seed`, for spotting copies in memory. */
export function patternBytes(n: number, seed: number): Uint8Array {
  const b = new Uint8Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    b[i] = x >>> 24;
  }
  return b;
}
