import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { LabGuest } from './net-lab.js';

/** Where `pnpm guests` puts the current guest: `$VM_GUESTS_DIR/current`, default `~/.cache/vm-guests/current`. */
export function guestDir(): string {
  return join(process.env.VM_GUESTS_DIR ?? join(homedir(), '.cache', 'vm-guests'), 'current');
}

/** Load the guest kernel and initramfs, or say why they are missing. */
export function loadLabGuest(): (LabGuest & { readonly dir: string }) | string {
  const dir = guestDir();
  const kernel = join(dir, 'vmlinuz');
  const initrd = join(dir, 'initramfs.cpio.gz');
  if (!existsSync(kernel) || !existsSync(initrd)) return `no guests in ${dir}: run \`pnpm guests\` at the repository root (needs Debian's apt) to build them`;
  return { dir, kernel: readFileSync(kernel), initrd: readFileSync(initrd) };
}
