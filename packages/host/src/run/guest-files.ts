import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** Where `pnpm guests` put the current Debian-built guest: `<root>/current`, root from VM_GUESTS_DIR or ~/.cache/vm-guests. */
export function guestsDir(): string {
  return join(process.env.VM_GUESTS_DIR ?? join(homedir(), '.cache', 'vm-guests'), 'current');
}

/** The default VM's kernel and initramfs, or null when the guests are not built yet. */
export function defaultGuest(): { kernel: string; initrd: string } | null {
  const dir = guestsDir();
  const kernel = join(dir, 'vmlinuz');
  const initrd = join(dir, 'initramfs.cpio.gz');
  return existsSync(kernel) && existsSync(initrd) ? { kernel, initrd } : null;
}
