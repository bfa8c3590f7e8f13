/** Where a serial port's host end goes. */
export type SerialTarget =
  | { readonly kind: 'stdio' }
  | { readonly kind: 'file'; readonly path: string }
  | { readonly kind: 'socket'; readonly address: string }
  | { readonly kind: 'none' };

/** Options of `vm run`, after parsing. */
export interface RunOptions {
  /** `.vmx` files to run (several run together in one process). */
  readonly vmx: readonly string[];
  /** Direct Linux boot: bzImage. */
  readonly kernel: string | null;
  /** Direct Linux boot: initramfs. */
  readonly initrd: string | null;
  /** Kernel command line. */
  readonly append: string | null;
  /** Guest RAM in MiB (overrides the .vmx). */
  readonly memoryMiB: number | null;
  /** Firmware image to run instead of direct boot (SeaBIOS, a test ROM). */
  readonly bios: string | null;
  /** The first serial port's host end. */
  readonly serial: SerialTarget;
  /** File receiving the bytes written to port 0x402 (SeaBIOS's debug log). */
  readonly debugcon: string | null;
  /** File receiving POST codes written to port 0x80. */
  readonly post: string | null;
  /** Virtual time mode. */
  readonly clock: 'realtime' | 'deterministic';
  /** Stop after this many seconds of virtual time (0: no limit). */
  readonly timeLimitSeconds: number;
  /** `--disk` images, attached to an LSI Logic adapter at SCSI ids 0, 1, 2, ... (not 7). */
  readonly disks: readonly string[];
  /** `--engine`: the CPU's block translator (default) or its interpreter alone. */
  readonly engine: 'translator' | 'interpreter';
}

/** A command line the user got wrong; the message says how. */
export class UsageError extends Error {
  /** @param message what is wrong */
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Parse `--serial` values: `stdio`, `none`, `file:PATH`, `unix:PATH`, `tcp:[HOST:]PORT`. */
export function parseSerialTarget(value: string): SerialTarget {
  if (value === 'stdio') return { kind: 'stdio' };
  if (value === 'none') return { kind: 'none' };
  if (value.startsWith('file:') && value.length > 5) return { kind: 'file', path: value.slice(5) };
  if ((value.startsWith('unix:') && value.length > 5) || /^tcp:(?:.+:)?\d+$/.test(value)) return { kind: 'socket', address: value };
  throw new UsageError(`--serial ${value}: expected stdio, none, file:PATH, unix:PATH or tcp:[HOST:]PORT`);
}

const valueFlags = new Set(['--kernel', '--initrd', '--append', '--memory', '--bios', '--serial', '--debugcon', '--post', '--clock', '--time-limit', '--disk', '--engine']);

/** Parse the arguments that follow `vm run`. */
export function parseRunArgs(argv: readonly string[]): RunOptions {
  const vmx: string[] = [];
  const v = new Map<string, string>();
  const disks: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const flag = eq > 0 ? a.slice(0, eq) : a;
      if (!valueFlags.has(flag)) throw new UsageError(`unknown option ${flag} (see vm run --help)`);
      const value = eq > 0 ? a.slice(eq + 1) : argv[++i];
      if (value === undefined) throw new UsageError(`${flag} needs a value`);
      if (flag === '--disk') {
        if (value === '') throw new UsageError('--disk needs a path');
        disks.push(value);
      } else v.set(flag, value);
    } else vmx.push(a);
  }
  let memoryMiB: number | null = null;
  if (v.has('--memory')) {
    const m = Number(v.get('--memory'));
    if (!Number.isInteger(m) || m < 1 || m > 3584) throw new UsageError(`--memory ${v.get('--memory')}: expected MiB from 1 to 3584`);
    memoryMiB = m;
  }
  const clock = v.get('--clock') ?? 'realtime';
  if (clock !== 'realtime' && clock !== 'deterministic') throw new UsageError(`--clock ${clock}: expected realtime or deterministic`);
  const limit = Number(v.get('--time-limit') ?? '0');
  if (!Number.isFinite(limit) || limit < 0) throw new UsageError(`--time-limit ${v.get('--time-limit')}: expected seconds >= 0`);
  const engine = v.get('--engine') ?? 'translator';
  if (engine !== 'translator' && engine !== 'interpreter') throw new UsageError(`--engine ${engine}: expected translator or interpreter`);
  const kernel = v.get('--kernel') ?? null;
  if (kernel === null && (v.has('--initrd') || v.has('--append'))) throw new UsageError('--initrd and --append need --kernel');
  if (vmx.length > 0 && (kernel !== null || v.has('--bios'))) throw new UsageError('give either .vmx files or --kernel/--bios, not both');
  if (vmx.length > 0 && disks.length > 0) throw new UsageError('--disk is for --kernel/--bios runs; a .vmx lists its disks as scsiN:M.fileName');
  if (disks.length > 15) throw new UsageError(`--disk: at most 15 disks fit on one adapter (got ${disks.length})`);
  return {
    vmx,
    kernel,
    initrd: v.get('--initrd') ?? null,
    append: v.get('--append') ?? null,
    memoryMiB,
    bios: v.get('--bios') ?? null,
    serial: parseSerialTarget(v.get('--serial') ?? 'stdio'),
    debugcon: v.get('--debugcon') ?? null,
    post: v.get('--post') ?? null,
    clock,
    timeLimitSeconds: limit,
    disks,
    engine,
  };
}
