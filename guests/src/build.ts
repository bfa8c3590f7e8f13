/**
 * Build (or find cached) test guests: resolve and download Debian's i386
 * kernel, busybox-static and seabios through a private apt, unpack them, and
 * write `vmlinuz`, `initramfs.cpio.gz`, the SeaBIOS images and a manifest to
 * `<root>/<kernel-version>/`, with `<root>/current` pointing at it.
 *
 * @module
 */

import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync, lstatSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { pickNewestKernel, PrivateApt } from './apt.js';
import type { AptPackage } from './apt.js';
import { busyboxApplets } from './busybox.js';
import { extractDeb } from './deb.js';
import { buildInitramfsEntries, packInitramfs } from './initramfs.js';
import type { ShippedModule } from './initramfs.js';
import { indexModules, moduleDepends, modulesDep, parseModulesBuiltin, resolveModules } from './modules.js';
import { hostRunner } from './run.js';
import type { CommandRunner } from './run.js';
import { INIT_SCRIPT, REQUIRED_APPLETS, TEST_SCRIPTS } from './scripts.js';

/** Kernel modules later device work needs (SCSI HBAs, disks, NICs, balloon), dependencies added automatically. */
export const GUEST_MODULES = [
  'mptspi', 'mptscsih', 'mptbase', 'scsi_transport_spi', 'BusLogic', 'sd_mod', 'pcnet32', 'e1000', 'vmw_balloon',
  'ext4', 'crc32c_generic',
] as const;

/** The SeaBIOS images copied next to the kernel. */
export const SEABIOS_FILES = ['bios.bin', 'bios-256k.bin', 'vgabios-stdvga.bin'] as const;

/** The command line the peers use for this guest. */
export const DEFAULT_CMDLINE = 'console=ttyS0 quiet';

/** Layout version of the manifest and the build recipe. */
export const MANIFEST_FORMAT = 1;

/** One output file in the manifest. */
export interface ManifestFile {
  /** Bytes. */
  readonly size: number;
  /** Hex sha256. */
  readonly sha256: string;
}

/** A source package in the manifest. */
export interface ManifestPackage {
  /** Debian version. */
  readonly version: string;
  /** The .deb file name in the cache. */
  readonly fileName: string;
  /** The .deb's sha256 (from the apt index). */
  readonly sha256: string;
}

/** Kernel modules in the manifest. */
export interface ManifestModules {
  /** Shipped modules (canonical names), in load order. */
  readonly shipped: readonly string[];
  /** Requested modules that are built into the kernel. */
  readonly builtin: readonly string[];
}

/** Busybox applet links in the manifest. */
export interface ManifestApplets {
  /** How many. */
  readonly count: number;
  /** How the list was obtained: `list-full` (ran busybox) or `binary-table`. */
  readonly source: string;
}

/** A built guest: its directory and manifest. */
export interface LocatedGuest {
  /** The guest directory (`<root>/current`). */
  readonly dir: string;
  /** Its verified manifest. */
  readonly manifest: GuestManifest;
}

/** `manifest.json` of a built guest. */
export interface GuestManifest {
  /** {@link MANIFEST_FORMAT}. */
  readonly format: number;
  /** `uname -r` of the kernel, also the directory name. */
  readonly kernelVersion: string;
  /** Always i386. */
  readonly arch: string;
  /** Source packages by name. */
  readonly packages: Readonly<Record<string, ManifestPackage>>;
  /** Output files (relative names) -> size and sha256. */
  readonly files: Readonly<Record<string, ManifestFile>>;
  /** Kernel modules in the initramfs. */
  readonly modules: ManifestModules;
  /** Test scripts selectable with `vmtest=<name>`. */
  readonly tests: readonly string[];
  /** Busybox applet links. */
  readonly applets: ManifestApplets;
  /** Suggested kernel command line. */
  readonly cmdline: string;
  /** sha256 of the initramfs recipe (init, tests, module list); a change triggers a rebuild. */
  readonly recipe: string;
}

/** Options of {@link buildGuests}. */
export interface BuildGuestsOptions {
  /** Cache root (default `$VM_GUESTS_DIR` or `~/.cache/vm-guests`). */
  readonly root?: string;
  /** Ask apt for the newest kernel even if a build exists. */
  readonly refresh?: boolean;
  /** Command runner (default: the host). */
  readonly runner?: CommandRunner;
  /** Progress messages. */
  readonly log?: (line: string) => void;
  /** Host apt configuration directory (default /etc/apt). */
  readonly hostEtc?: string;
}

/** What {@link buildGuests} did. */
export interface BuildGuestsResult {
  /** `cached` when nothing had to be done. */
  readonly status: 'cached' | 'built';
  /** The guest directory. */
  readonly dir: string;
  /** Its manifest. */
  readonly manifest: GuestManifest;
}

/** The cache root: `$VM_GUESTS_DIR`, else `~/.cache/vm-guests`. */
export function defaultGuestsRoot(): string {
  return process.env['VM_GUESTS_DIR'] || join(homedir(), '.cache', 'vm-guests');
}

/** Hex sha256 of bytes. */
export function sha256(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** sha256 of a file, or null if it does not exist. */
export function fileSha256(path: string): string | null {
  return existsSync(path) ? sha256(readFileSync(path)) : null;
}

/**
 * Bumped whenever the builder's output changes for the same inputs (e.g. the
 * modules.dep order), so cached guests are rebuilt.
 */
export const BUILDER_REVISION = 2;

/** The recipe hash: everything besides the packages that determines the initramfs. */
export function recipeHash(): string {
  return sha256(JSON.stringify({ format: MANIFEST_FORMAT, builder: BUILDER_REVISION, INIT_SCRIPT, TEST_SCRIPTS, GUEST_MODULES, SEABIOS_FILES }));
}

/** A manifest file's contents, or null if it is missing or not JSON. */
function readManifest(path: string): GuestManifest | null {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as GuestManifest;
  } catch {
    return null;
  }
}

/** Read and check a guest directory's manifest: null unless every file is present with its sha256. */
export function verifyGuestDir(dir: string): GuestManifest | null {
  const m = readManifest(join(dir, 'manifest.json'));
  if (!m || m.format !== MANIFEST_FORMAT || !m.files) return null;
  for (const [name, f] of Object.entries(m.files)) if (fileSha256(join(dir, name)) !== f.sha256) return null;
  return m;
}

/**
 * Where a built guest is: the directory `<root>/current` points at and its
 * manifest, or null if none has been built (run `pnpm guests`).
 */
export function locateGuest(root = defaultGuestsRoot()): LocatedGuest | null {
  const dir = join(root, 'current');
  const manifest = verifyGuestDir(dir);
  return manifest ? { dir, manifest } : null;
}

/**
 * Build the guests, or do nothing when `<root>/current` is complete and was
 * built from the same recipe. With a changed recipe and the packages still
 * downloaded, apt is not asked again.
 * @throws AptUnavailableError where apt cannot be used
 */
export function buildGuests(options: BuildGuestsOptions = {}): BuildGuestsResult {
  const root = options.root ?? defaultGuestsRoot();
  const runner = options.runner ?? hostRunner;
  const log = options.log ?? (() => {});
  const recipe = recipeHash();
  const current = join(root, 'current');
  const existing = verifyGuestDir(current);
  if (existing && existing.recipe === recipe && !options.refresh) {
    return { status: 'cached', dir: current, manifest: existing };
  }
  mkdirSync(root, { recursive: true });
  const debDir = join(root, 'debs');

  // Packages: reuse the last build's when they are still downloaded, else ask apt.
  let pkgs: AptPackage[] | null = null;
  const prev = readManifest(join(current, 'manifest.json'));
  if (prev?.packages && !options.refresh) {
    const list = Object.entries(prev.packages).map(([name, p]) => ({ name, architecture: '', ...p }));
    if (list.length === 3 && list.every((p) => fileSha256(join(debDir, p.fileName)) === p.sha256)) pkgs = list;
  }
  if (!pkgs) {
    const apt = new PrivateApt(join(root, 'apt'), runner, options.hostEtc);
    log('apt: preparing a private i386 apt state');
    apt.prepare();
    log('apt: update');
    for (const w of apt.update()) log(`apt: ${w}`);
    const kernelName = pickNewestKernel(apt.searchNames('^linux-image-.*-686-unsigned$'));
    if (!kernelName) throw new Error('no linux-image-*-686-unsigned package in the i386 index');
    pkgs = [apt.show(kernelName), apt.show('busybox-static'), apt.show('seabios')];
    log(`apt: ${pkgs.map((p) => `${p.name} ${p.version}`).join(', ')}`);
    apt.download(pkgs, debDir, fileSha256);
  }
  const [kernelPkg, busyboxPkg, seabiosPkg] = pkgs as [AptPackage, AptPackage, AptPackage];

  // Unpack (each package once per version).
  const unpacked = (p: AptPackage): string => {
    const dest = join(root, 'unpacked', p.fileName.replace(/\.deb$/, ''));
    if (!existsSync(join(dest, '.complete'))) {
      log(`unpack: ${p.fileName}`);
      rmSync(dest, { recursive: true, force: true });
      extractDeb(join(debDir, p.fileName), dest, runner);
      writeFileSync(join(dest, '.complete'), p.sha256);
    }
    return dest;
  };
  const kRoot = unpacked(kernelPkg);
  const bRoot = unpacked(busyboxPkg);
  const sRoot = unpacked(seabiosPkg);

  const modRoot = join(kRoot, 'lib', 'modules');
  const kvers = existsSync(modRoot) ? readdirSync(modRoot) : [];
  if (kvers.length !== 1) throw new Error(`${kernelPkg.name}: expected one lib/modules/<version>, found ${kvers.join(', ') || 'none'}`);
  const kver = kvers[0]!;
  const vmlinuzPath = join(kRoot, 'boot', `vmlinuz-${kver}`);
  if (!existsSync(vmlinuzPath)) throw new Error(`${kernelPkg.name}: no boot/vmlinuz-${kver}`);

  // Modules and their dependencies.
  const modDir = join(modRoot, kver);
  const builtinFile = join(modDir, 'modules.builtin');
  const builtin = existsSync(builtinFile) ? parseModulesBuiltin(readFileSync(builtinFile, 'utf8')) : new Set<string>();
  const closure = resolveModules(GUEST_MODULES, indexModules(modDir), builtin, moduleDepends);
  const unpackedRel = (rel: string): string => rel.replace(/\.ko\.(xz|zst|gz)$/, '.ko');
  const shipped: ShippedModule[] = closure.modules.map((m) => ({
    relPath: unpackedRel(m.relPath),
    data: decompressModule(m.hostPath),
  }));
  log(`modules: ${closure.modules.map((m) => m.name).join(' ')}${closure.builtin.length ? ` (built in: ${closure.builtin.join(' ')})` : ''}`);

  // Busybox and its applets.
  const bbPath = join(bRoot, 'bin', 'busybox');
  const bb = new Uint8Array(readFileSync(bbPath));
  const { applets, method } = busyboxApplets(bbPath, bb, runner);
  const names = new Set(applets.map((a) => a.name));
  const lacking = REQUIRED_APPLETS.filter((a) => !names.has(a));
  if (lacking.length) throw new Error(`busybox ${busyboxPkg.version} lacks applets the guest needs: ${lacking.join(' ')}`);

  const initramfs = packInitramfs(
    buildInitramfsEntries({
      busybox: bb,
      applets,
      kernelVersion: kver,
      modules: shipped,
      modulesDep: modulesDep(closure, (m) => unpackedRel(m.relPath)),
    }),
  );

  // Write the guest directory next to the final one, then swap it in.
  const outDir = join(root, kver);
  const tmpDir = `${outDir}.tmp-${process.pid}`;
  rmSync(tmpDir, { recursive: true, force: true });
  mkdirSync(tmpDir, { recursive: true });
  const files: Record<string, ManifestFile> = {};
  const put = (name: string, data: Uint8Array): void => {
    writeFileSync(join(tmpDir, name), data);
    files[name] = { size: data.length, sha256: sha256(data) };
  };
  put('vmlinuz', new Uint8Array(readFileSync(vmlinuzPath)));
  put('initramfs.cpio.gz', initramfs);
  for (const f of SEABIOS_FILES) {
    const p = join(sRoot, 'usr', 'share', 'seabios', f);
    if (existsSync(p)) put(f, new Uint8Array(readFileSync(p)));
  }
  const manifest: GuestManifest = {
    format: MANIFEST_FORMAT,
    kernelVersion: kver,
    arch: 'i386',
    packages: Object.fromEntries(pkgs.map((p) => [p.name, { version: p.version, fileName: p.fileName, sha256: p.sha256 }])),
    files,
    modules: { shipped: closure.modules.map((m) => m.name), builtin: closure.builtin },
    tests: Object.keys(TEST_SCRIPTS),
    applets: { count: applets.length, source: method },
    cmdline: DEFAULT_CMDLINE,
    recipe,
  };
  writeFileSync(join(tmpDir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  rmSync(outDir, { recursive: true, force: true });
  renameSync(tmpDir, outDir);
  const tmpLink = `${current}.tmp-${process.pid}`;
  rmSync(tmpLink, { force: true });
  symlinkSync(kver, tmpLink);
  if (existsSync(current) && !lstatSync(current).isSymbolicLink()) rmSync(current, { recursive: true, force: true });
  renameSync(tmpLink, current);
  log(`built ${outDir}`);
  return { status: 'built', dir: outDir, manifest };
}

/** A module's bytes, uncompressed (Debian 12 ships plain `.ko`; later releases use `.ko.xz`). */
function decompressModule(path: string): Uint8Array {
  const raw = readFileSync(path);
  if (path.endsWith('.ko')) return new Uint8Array(raw);
  if (path.endsWith('.gz')) return new Uint8Array(gunzipSync(raw));
  const tool = path.endsWith('.xz') ? 'xz' : 'zstd';
  try {
    return new Uint8Array(execFileSync(tool, ['-dc', path], { maxBuffer: 64 * 1024 * 1024 }));
  } catch (e) {
    throw new Error(`cannot decompress ${path} with ${tool}: ${(e as Error).message}`);
  }
}
