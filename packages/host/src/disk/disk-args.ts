import type { VmdkSubformat } from '@vm/vdisk';
import { UsageError } from '../cli/run-args.js';
import { parseSize } from './size.js';

/** Disk image formats `vm disk` writes. */
export type DiskImageFormat = 'raw' | 'vmdk';
/** SCSI adapter recorded in a new VMDK (`ddb.adapterType`). */
export type DiskAdapter = 'lsilogic' | 'buslogic';

/** How the new image is laid out (create and convert). */
export interface DiskLayout {
  /** raw or vmdk. */
  readonly format: DiskImageFormat;
  /** VMDK layout (null: raw, or the default monolithicSparse). */
  readonly subformat: VmdkSubformat | null;
  /** `ddb.adapterType` (null: the default lsilogic, or raw). */
  readonly adapter: DiskAdapter | null;
}

/** A parsed `vm disk` command line. */
export type DiskCommand =
  | ({ readonly cmd: 'create'; readonly path: string; readonly size: number } & DiskLayout)
  | { readonly cmd: 'info'; readonly path: string; readonly json: boolean }
  | ({ readonly cmd: 'convert'; readonly src: string; readonly dst: string } & DiskLayout)
  | { readonly cmd: 'commit' | 'discard' | 'check'; readonly path: string };

/** The `vm disk` subcommands. */
export const DISK_SUBCOMMANDS = ['create', 'info', 'convert', 'commit', 'discard', 'check'] as const;

const SUBFORMATS: readonly VmdkSubformat[] = ['monolithicSparse', 'monolithicFlat', 'twoGbMaxExtentSparse', 'twoGbMaxExtentFlat'];

/** Options each subcommand takes (`true`: takes a value). */
const OPTIONS: Record<string, Record<string, boolean>> = {
  create: { '--size': true, '--format': true, '--subformat': true, '--adapter': true },
  info: { '--json': false },
  convert: { '--format': true, '--subformat': true, '--adapter': true },
  commit: {},
  discard: {},
  check: {},
};

/** Positional argument names, for messages. */
const POSITIONALS: Record<string, readonly string[]> = {
  create: ['PATH'],
  info: ['PATH'],
  convert: ['SRC', 'DST'],
  commit: ['DISK'],
  discard: ['DISK'],
  check: ['PATH'],
};

function layout(sub: string, v: Map<string, string>, dst: string | null): DiskLayout {
  const given = v.get('--format');
  // convert without --format: the destination's extension decides.
  const format = given ?? (dst !== null && !/\.vmdk$/i.test(dst) ? 'raw' : 'vmdk');
  if (format !== 'raw' && format !== 'vmdk') throw new UsageError(`--format ${format}: expected raw or vmdk`);
  const subformat = v.get('--subformat') ?? null;
  if (subformat !== null && !SUBFORMATS.includes(subformat as VmdkSubformat))
    throw new UsageError(`--subformat ${subformat}: expected ${SUBFORMATS.join(', ')}`);
  const adapter = v.get('--adapter') ?? null;
  if (adapter !== null && adapter !== 'lsilogic' && adapter !== 'buslogic') throw new UsageError(`--adapter ${adapter}: expected lsilogic or buslogic`);
  if (format === 'raw' && (subformat !== null || adapter !== null)) throw new UsageError(`disk ${sub}: --subformat and --adapter apply to --format vmdk only`);
  return { format, subformat: subformat as VmdkSubformat | null, adapter };
}

/**
 * Parse the arguments that follow `vm disk`: a subcommand, its paths and options.
 * @throws UsageError for an unknown subcommand, option or value, or a missing argument
 */
export function parseDiskArgs(argv: readonly string[]): DiskCommand {
  const [sub, ...rest] = argv;
  if (sub === undefined) throw new UsageError(`disk: expected a subcommand (${DISK_SUBCOMMANDS.join(', ')})`);
  const opts = OPTIONS[sub];
  const names = POSITIONALS[sub];
  if (!opts || !names) throw new UsageError(`disk: unknown subcommand "${sub}" (expected ${DISK_SUBCOMMANDS.join(', ')})`);
  const pos: string[] = [];
  const v = new Map<string, string>();
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i]!;
    if (!a.startsWith('--')) {
      pos.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    const flag = eq > 0 ? a.slice(0, eq) : a;
    const takesValue = opts[flag];
    if (takesValue === undefined) throw new UsageError(`disk ${sub}: unknown option ${flag}`);
    if (!takesValue) {
      if (eq > 0) throw new UsageError(`disk ${sub}: ${flag} takes no value`);
      v.set(flag, '');
      continue;
    }
    const value = eq > 0 ? a.slice(eq + 1) : rest[++i];
    if (value === undefined) throw new UsageError(`disk ${sub}: ${flag} needs a value`);
    v.set(flag, value);
  }
  if (pos.length !== names.length)
    throw new UsageError(`disk ${sub}: expected ${names.join(' ')}, got ${pos.length === 0 ? 'nothing' : pos.map((p) => `"${p}"`).join(' ')}`);
  switch (sub) {
    case 'create': {
      const size = v.get('--size');
      if (size === undefined) throw new UsageError('disk create: --size is required (e.g. --size 4G)');
      return { cmd: 'create', path: pos[0]!, size: parseSize(size), ...layout(sub, v, null) };
    }
    case 'info':
      return { cmd: 'info', path: pos[0]!, json: v.has('--json') };
    case 'convert':
      return { cmd: 'convert', src: pos[0]!, dst: pos[1]!, ...layout(sub, v, pos[1]!) };
    default:
      return { cmd: sub as 'commit' | 'discard' | 'check', path: pos[0]! };
  }
}
