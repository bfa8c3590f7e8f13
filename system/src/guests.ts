import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** The Debian-built guests (`pnpm guests`), or a reason they are absent. */
export interface Guests {
  readonly dir: string;
  readonly kernel: Uint8Array;
  readonly initrd: Uint8Array;
  readonly bios: Uint8Array | null;
  /** SeaBIOS's 256 KiB build (with the LSI Logic MPT driver), or null. */
  readonly bios256k: Uint8Array | null;
  /** The kernel release, e.g. "6.1.0-50-686". */
  readonly release: string;
}

/** Where `pnpm guests` put the current guest: `<root>/current`, root from VM_GUESTS_DIR or ~/.cache/vm-guests. */
export function guestsDir(): string {
  return join(process.env.VM_GUESTS_DIR ?? join(homedir(), '.cache', 'vm-guests'), 'current');
}

/** Load the guests, or return why they cannot be (the suites skip with that message). */
export function loadGuests(): Guests | string {
  const dir = guestsDir();
  const kernel = join(dir, 'vmlinuz');
  const initrd = join(dir, 'initramfs.cpio.gz');
  if (!existsSync(kernel) || !existsSync(initrd)) return `no guests in ${dir}: run \`pnpm guests\` (needs Debian's apt) to build them`;
  const manifestPath = join(dir, 'manifest.json');
  const manifest = existsSync(manifestPath) ? (JSON.parse(readFileSync(manifestPath, 'utf8')) as Record<string, unknown>) : {};
  const release = typeof manifest.kernelVersion === 'string' ? manifest.kernelVersion : '';
  const biosPath = join(dir, 'bios.bin');
  return {
    dir,
    kernel: readFileSync(kernel),
    initrd: readFileSync(initrd),
    bios: existsSync(biosPath) ? readFileSync(biosPath) : null,
    bios256k: existsSync(join(dir, 'bios-256k.bin')) ? readFileSync(join(dir, 'bios-256k.bin')) : null,
    release,
  };
}
