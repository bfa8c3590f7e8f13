/**
 * A private, unprivileged apt: its own sources, lists, cache and dpkg
 * status under one directory, with the architecture forced to i386, so
 * `apt-get update` and `apt-get download` work without root and without
 * touching the host's apt state.
 *
 * @module
 */

import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GUEST_ARCH, rewriteDeb822Sources, rewriteOneLineSources } from './apt-sources.js';
import type { CommandRunner } from './run.js';

/** Thrown when apt cannot be used here (not installed, no sources, update failed). */
export class AptUnavailableError extends Error {
  /** @param message what is missing and what to do */
  constructor(message: string) {
    super(message);
    this.name = 'AptUnavailableError';
  }
}

/** The files and directories of a private apt state. */
export interface AptPaths {
  /** The root of it all. */
  readonly root: string;
  /** The generated one-line source list. */
  readonly sourceList: string;
  /** The directory of generated deb822 `.sources` files. */
  readonly sourceParts: string;
  /** Dir::State (holds lists/). */
  readonly state: string;
  /** An empty dpkg status file: nothing is "installed". */
  readonly status: string;
  /** Dir::Cache (holds archives/ and the package caches). */
  readonly cache: string;
  /** An empty preferences directory (no host pinning applies). */
  readonly preferencesParts: string;
}

/** The layout of a private apt state under `root`. */
export function aptPaths(root: string): AptPaths {
  return {
    root,
    sourceList: join(root, 'etc', 'sources.list'),
    sourceParts: join(root, 'etc', 'sources.list.d'),
    state: join(root, 'state'),
    status: join(root, 'state', 'status'),
    cache: join(root, 'cache'),
    preferencesParts: join(root, 'etc', 'preferences.d'),
  };
}

/**
 * The `-o` options that point apt at the private state and force i386.
 * Keyrings stay the host's (`Signed-By` paths and /etc/apt/trusted.gpg.d).
 */
export function aptOptions(paths: AptPaths, options: { readonly asRoot?: boolean } = {}): string[] {
  const o: [string, string][] = [
    ['Dir::Etc::SourceList', paths.sourceList],
    ['Dir::Etc::SourceParts', paths.sourceParts],
    ['Dir::Etc::Preferences', join(paths.root, 'etc', 'preferences')],
    ['Dir::Etc::PreferencesParts', paths.preferencesParts],
    ['Dir::State', paths.state],
    ['Dir::State::status', paths.status],
    ['Dir::Cache', paths.cache],
    ['APT::Architecture', GUEST_ARCH],
    ['APT::Architectures', GUEST_ARCH],
    ['Debug::NoLocking', '1'],
    ['Acquire::Languages', 'none'],
  ];
  // As root apt would drop to the _apt user, who cannot write our directories.
  if (options.asRoot) o.push(['APT::Sandbox::User', 'root']);
  return o.flatMap(([k, v]) => ['-o', `${k}=${v}`]);
}

/** One resolved package. */
export interface AptPackage {
  /** Package name. */
  readonly name: string;
  /** Candidate version, e.g. `6.1.176-1`. */
  readonly version: string;
  /** Architecture (`i386` or `all`). */
  readonly architecture: string;
  /** The `.deb` file name `apt-get download` writes (epoch colon as %3a). */
  readonly fileName: string;
  /** SHA256 from the index. */
  readonly sha256: string;
}

/**
 * Compare Debian-style version strings piecewise (digits numerically, the
 * rest lexically with `~` lowest), enough to order kernel ABI names.
 */
export function compareVersions(a: string, b: string): number {
  const split = (s: string): string[] => s.match(/\d+|\D+/g) ?? [];
  const pa = split(a);
  const pb = split(b);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i];
    const y = pb[i];
    if (x === undefined) return y!.startsWith('~') ? 1 : -1;
    if (y === undefined) return x.startsWith('~') ? -1 : 1;
    const nx = /^\d/.test(x);
    const ny = /^\d/.test(y);
    if (nx && ny) {
      const d = Number(x) - Number(y);
      if (d !== 0) return d;
    } else if (x !== y) {
      if (x.startsWith('~') !== y.startsWith('~')) return x.startsWith('~') ? -1 : 1;
      return x < y ? -1 : 1;
    }
  }
  return 0;
}

/** A private apt state driven through a {@link CommandRunner}. */
export class PrivateApt {
  /** The layout. */
  readonly paths: AptPaths;
  private readonly asRoot: boolean;

  /**
   * @param root directory for the private state (created on {@link prepare})
   * @param runner how commands run
   * @param hostEtc the host's apt configuration directory (default /etc/apt)
   */
  constructor(
    root: string,
    private readonly runner: CommandRunner,
    private readonly hostEtc = '/etc/apt',
  ) {
    this.paths = aptPaths(root);
    this.asRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  }

  /** The full argument list for an apt-get or apt-cache command. */
  args(command: readonly string[]): string[] {
    return [...aptOptions(this.paths, { asRoot: this.asRoot }), ...command];
  }

  /**
   * Check that apt-get exists, create the directories and write the i386
   * source lists from the host's.
   * @throws AptUnavailableError without apt or without any usable source
   */
  prepare(): void {
    const v = this.runner.run('apt-get', ['--version']);
    if (v.status !== 0) {
      throw new AptUnavailableError(
        `apt-get is not available (${v.errorCode ?? v.stderr.trim() ?? 'exit ' + v.status}); ` +
          'building the guests needs a Debian or Ubuntu host with apt (or set VM_GUESTS_DIR to a directory with prebuilt guests)',
      );
    }
    const p = this.paths;
    for (const d of [p.sourceParts, p.preferencesParts, join(p.state, 'lists', 'partial'), join(p.cache, 'archives', 'partial')]) {
      mkdirSync(d, { recursive: true });
    }
    if (!existsSync(p.status)) writeFileSync(p.status, '');
    let count = 0;
    const main = join(this.hostEtc, 'sources.list');
    const lines = existsSync(main) ? rewriteOneLineSources(readFileSync(main, 'utf8')) : [];
    const partsDir = join(this.hostEtc, 'sources.list.d');
    const parts = existsSync(partsDir) ? readdirSync(partsDir).sort() : [];
    for (const f of parts) {
      const text = readFileSync(join(partsDir, f), 'utf8');
      if (f.endsWith('.list')) lines.push(...rewriteOneLineSources(text));
      else if (f.endsWith('.sources')) {
        const out = rewriteDeb822Sources(text);
        if (out) {
          writeFileSync(join(p.sourceParts, f), out);
          count++;
        }
      }
    }
    count += lines.length;
    writeFileSync(p.sourceList, lines.length ? `${lines.join('\n')}\n` : '');
    if (count === 0) {
      throw new AptUnavailableError(`no apt sources usable for ${GUEST_ARCH} found in ${this.hostEtc}`);
    }
  }

  /**
   * `apt-get update`. Index files that fail to download (a mirror mid-sync,
   * a third-party repository without i386) are reported as warnings; the
   * update fails only if no package list at all was fetched.
   * @returns apt's warning and error lines
   */
  update(): string[] {
    const r = this.runner.run('apt-get', this.args(['-q', 'update']));
    const problems = (r.stdout + r.stderr).split('\n').filter((l) => /^(W|E|Err):?/.test(l.trim()));
    const lists = join(this.paths.state, 'lists');
    const have = existsSync(lists) && readdirSync(lists).some((f) => f.endsWith('_Packages') || f.includes('_Packages.'));
    if (!have) {
      throw new AptUnavailableError(`apt-get update fetched no package lists:\n${(r.stderr || r.stdout).trim()}`);
    }
    return problems;
  }

  /** Package names matching an extended regular expression (`apt-cache search --names-only`). */
  searchNames(regex: string): string[] {
    const r = this.runner.run('apt-cache', this.args(['search', '--names-only', regex]));
    if (r.status !== 0) throw new Error(`apt-cache search failed: ${r.stderr.trim()}`);
    return r.stdout
      .split('\n')
      .map((l) => l.split(' - ')[0]!.trim())
      .filter(Boolean);
  }

  /** The candidate version of a package (`apt-cache show --no-all-versions`). */
  show(name: string): AptPackage {
    const r = this.runner.run('apt-cache', this.args(['show', '--no-all-versions', name]));
    if (r.status !== 0 || !r.stdout.trim()) {
      throw new Error(`package ${name} is not in the ${GUEST_ARCH} index: ${r.stderr.trim()}`);
    }
    const field = (k: string): string => new RegExp(`^${k}: (.*)$`, 'm').exec(r.stdout)?.[1]?.trim() ?? '';
    const version = field('Version');
    const architecture = field('Architecture');
    return {
      name,
      version,
      architecture,
      fileName: `${name}_${version.replace(/:/g, '%3a')}_${architecture}.deb`,
      sha256: field('SHA256'),
    };
  }

  /**
   * Download packages' `.deb` files into `dir` (`apt-get download`, run in
   * `dir`); files already there with the index's sha256 are not fetched again.
   */
  download(packages: readonly AptPackage[], dir: string, haveSha256: (file: string) => string | null): void {
    mkdirSync(dir, { recursive: true });
    const missing = packages.filter((p) => haveSha256(join(dir, p.fileName)) !== p.sha256);
    if (missing.length === 0) return;
    const r = this.runner.run(
      'apt-get',
      this.args(['-q', 'download', ...missing.map((p) => `${p.name}=${p.version}`)]),
      { cwd: dir },
    );
    if (r.status !== 0) throw new Error(`apt-get download failed:\n${(r.stderr || r.stdout).trim()}`);
    for (const p of missing) {
      const got = haveSha256(join(dir, p.fileName));
      if (got !== p.sha256) throw new Error(`downloaded ${p.fileName} has sha256 ${got}, the index says ${p.sha256}`);
    }
  }
}

/**
 * The newest `linux-image-<version>-686-unsigned` package name among
 * `names` (non-PAE 686 kernels; "unsigned" is the image without the
 * signed-shim wrapper), or null.
 */
export function pickNewestKernel(names: readonly string[]): string | null {
  const k = names.filter((n) => /^linux-image-\d[\w.+-]*-686-unsigned$/.test(n));
  k.sort((a, b) => compareVersions(a, b));
  return k.length ? k[k.length - 1]! : null;
}
