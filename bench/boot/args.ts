import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { SYSTEM_IDS, type SystemId } from './runners/types.js';

/** The bench's command-line options, after parsing. */
export interface BenchOptions {
  /** Interleaved rounds; medians are taken over them. */
  readonly rounds: number;
  /** Where the JSON result goes. */
  readonly out: string;
  /** The systems to run, in column order. */
  readonly systems: readonly SystemId[];
  /** Seconds one boot may take before it is killed. */
  readonly timeoutSeconds: number;
  /** Folder holding vmlinuz and initramfs.cpio.gz, or null to look in the guests cache. */
  readonly guestDir: string | null;
  /** Extra kernel command-line words. */
  readonly appendExtra: string;
  readonly memoryMiB: number;
  /** The QEMU program. */
  readonly qemu: string;
  /** The compiled `vm` entry point, or null for the repository's own. */
  readonly vmCli: string | null;
  /** Folder with Debian's SeaBIOS images for v86, or null for the guest's copies (else the seabios package's). */
  readonly seabiosDir: string | null;
}

/** The usage text. */
export const USAGE = `usage: run.ts [--rounds N] [--out FILE] [--systems ${SYSTEM_IDS.join(',')}]
              [--timeout SECONDS] [--guest-dir DIR] [--append WORDS] [--memory MIB]
              [--qemu PROGRAM] [--vm-cli FILE] [--seabios-dir DIR]
defaults: --rounds 3 --systems vm,qemu,v86 --timeout 600 --memory 128 --qemu qemu-system-i386
          --out <tmpdir>/vm-bench-boot-<time>.json; SeaBIOS for v86: the guest's copy of Debian's
          seabios images, else /usr/share/seabios`;

function positiveNumber(flag: string, v: string | undefined, fallback: number, integer: boolean): number {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) {
    throw new Error(`--${flag} ${v}: expected a positive ${integer ? 'integer' : 'number'}`);
  }
  return n;
}

/** Parse the bench's arguments; throws an Error whose message names the bad option. */
export function parseBenchArgs(argv: readonly string[], now = new Date()): BenchOptions {
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: false,
    options: {
      rounds: { type: 'string' },
      out: { type: 'string' },
      systems: { type: 'string' },
      timeout: { type: 'string' },
      'guest-dir': { type: 'string' },
      append: { type: 'string' },
      memory: { type: 'string' },
      qemu: { type: 'string' },
      'vm-cli': { type: 'string' },
      'seabios-dir': { type: 'string' },
    },
  });
  const systems = (values.systems ?? 'vm,qemu,v86').split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  for (const s of systems) {
    if (!(SYSTEM_IDS as readonly string[]).includes(s)) throw new Error(`--systems: unknown system ${s} (known: ${SYSTEM_IDS.join(', ')})`);
  }
  if (systems.length === 0) throw new Error('--systems: name at least one system');
  const ordered = SYSTEM_IDS.filter((id) => systems.includes(id));
  const stamp = now.toISOString().replace(/[:.]/g, '-');
  return {
    rounds: positiveNumber('rounds', values.rounds, 3, true),
    out: values.out ?? join(tmpdir(), `vm-bench-boot-${stamp}.json`),
    systems: ordered,
    timeoutSeconds: positiveNumber('timeout', values.timeout, 600, false),
    guestDir: values['guest-dir'] ?? null,
    appendExtra: values.append ?? '',
    memoryMiB: positiveNumber('memory', values.memory, 128, true),
    qemu: values.qemu ?? 'qemu-system-i386',
    vmCli: values['vm-cli'] ?? null,
    seabiosDir: values['seabios-dir'] ?? null,
  };
}
