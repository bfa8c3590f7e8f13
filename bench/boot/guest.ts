import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';

/** A built guest (the @vm/guests package's output folder). */
export interface GuestDir {
  readonly dir: string;
  /** The kernel command line its manifest names (`console=ttyS0 quiet` when it has none). */
  readonly cmdline: string;
  /** The test scripts its manifest lists (empty when it has no manifest). */
  readonly tests: readonly string[];
  /** The Debian packages it was built from, name -> version. */
  readonly packages: Readonly<Record<string, string>>;
}

/** Where @vm/guests caches its builds: `$VM_GUESTS_DIR` or `~/.cache/vm-guests`; `current` points at the newest. */
export function guestsRoot(env: NodeJS.ProcessEnv = process.env): string {
  return env['VM_GUESTS_DIR'] || join(homedir(), '.cache', 'vm-guests');
}

/**
 * Find the guest: `explicit` (a folder holding vmlinuz and initramfs.cpio.gz) if
 * given, else `<guests root>/current`. Returns a message saying how to build it when
 * there is none.
 */
export function findGuest(explicit: string | null, env: NodeJS.ProcessEnv = process.env): GuestDir | string {
  const dir = explicit ?? join(guestsRoot(env), 'current');
  if (!existsSync(join(dir, 'vmlinuz')) || !existsSync(join(dir, 'initramfs.cpio.gz'))) {
    return `no guest in ${dir} (need vmlinuz and initramfs.cpio.gz): build it with \`pnpm --filter @vm/guests build-guests\`, or pass --guest-dir`;
  }
  let cmdline = 'console=ttyS0 quiet';
  let tests: string[] = [];
  const packages: Record<string, string> = {};
  const mf = join(dir, 'manifest.json');
  if (existsSync(mf)) {
    const m = JSON.parse(readFileSync(mf, 'utf8')) as { cmdline?: string; tests?: string[]; packages?: Record<string, { version?: string }> };
    if (typeof m.cmdline === 'string') cmdline = m.cmdline;
    if (Array.isArray(m.tests)) tests = m.tests;
    for (const [name, p] of Object.entries(m.packages ?? {})) packages[name] = p.version ?? '?';
  }
  return { dir, cmdline, tests, packages };
}

/** The kernel command line that makes the guest's /init run the bench workload. */
export function workloadAppend(guest: GuestDir, extra = ''): string {
  return [guest.cmdline, 'vmtest=workload', extra].filter((s) => s.length > 0).join(' ');
}

/** The guest's files copied aside for one bench run, so that a rebuild meanwhile cannot change what is measured. */
export interface GuestSnapshot {
  readonly kernel: string;
  readonly initrd: string;
  /** SeaBIOS images shipped with the guest (Debian's `seabios`), or null where the guest has none. */
  readonly bios: string | null;
  readonly vgaBios: string | null;
  readonly kernelSha256: string;
  readonly initrdSha256: string;
  /** Delete the copies. */
  dispose(): void;
}

/** Copy the guest's kernel, initramfs and firmware into a fresh temporary folder. */
export function snapshotGuest(guest: GuestDir): GuestSnapshot {
  const dir = mkdtempSync(join(tmpdir(), 'vm-bench-boot-guest-'));
  const copy = (name: string): string | null => {
    const src = join(guest.dir, name);
    if (!existsSync(src)) return null;
    const dst = join(dir, name);
    copyFileSync(src, dst);
    return dst;
  };
  const kernel = copy('vmlinuz')!;
  const initrd = copy('initramfs.cpio.gz')!;
  return {
    kernel,
    initrd,
    bios: copy('bios.bin'),
    vgaBios: copy('vgabios-stdvga.bin'),
    kernelSha256: fileSha256(kernel),
    initrdSha256: fileSha256(initrd),
    dispose: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** The SHA-256 (hex) of a file. */
export function fileSha256(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

/** What the workload must print: the sha256 of 8 MiB of zero bytes, the loop's final count, and (compared across systems) the gzip size. */
export function expectedOutputs(): { sha256: string; loop: string } {
  return { sha256: `${createHash('sha256').update(Buffer.alloc(8 << 20)).digest('hex')}  -`, loop: 'loop_i=200000' };
}
