import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AptUnavailableError, aptOptions, aptPaths, compareVersions, pickNewestKernel, PrivateApt } from './apt.js';
import { rewriteDeb822Sources, rewriteOneLineSources } from './apt-sources.js';
import { RecordingRunner } from './run.js';

const dirs: string[] = [];
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'apt-test-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('source rewriting', () => {
  it('forces arch=i386 on one-line deb entries and drops the rest', () => {
    const text = [
      '# comment',
      'deb http://example.org/debian bookworm main contrib',
      'deb [signed-by=/k.gpg arch=amd64,i386] http://example.org/x stable main',
      'deb [arch=amd64] http://example.org/amd64-only stable main',
      'deb-src http://example.org/debian bookworm main',
      '',
    ].join('\n');
    expect(rewriteOneLineSources(text)).toEqual([
      'deb [arch=i386] http://example.org/debian bookworm main contrib',
      'deb [arch=i386 signed-by=/k.gpg] http://example.org/x stable main',
    ]);
  });

  it('sets Architectures: i386 on deb822 stanzas and drops other-arch, disabled and source-only ones', () => {
    const text = [
      'Types: deb deb-src',
      'URIs: http://example.org/debian',
      'Suites: bookworm bookworm-updates',
      'Components: main',
      'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg',
      '',
      'Types: deb',
      'URIs: https://example.org/node',
      'Suites: nodistro',
      'Components: main',
      'Architectures: amd64',
      '',
      'Types: deb',
      'URIs: http://example.org/off',
      'Suites: x',
      'Components: main',
      'Enabled: no',
      '',
      'Types: deb-src',
      'URIs: http://example.org/src',
      'Suites: x',
      'Components: main',
    ].join('\n');
    expect(rewriteDeb822Sources(text)).toBe(
      [
        'Types: deb',
        'URIs: http://example.org/debian',
        'Suites: bookworm bookworm-updates',
        'Components: main',
        'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg',
        'Architectures: i386',
        '',
      ].join('\n'),
    );
    expect(rewriteDeb822Sources('Types: deb\nURIs: u\nSuites: s\nComponents: c\nArchitectures: amd64\n')).toBe('');
  });
});

describe('version ordering', () => {
  it('orders kernel ABI names numerically', () => {
    expect(compareVersions('6.1.0-9', '6.1.0-10')).toBeLessThan(0);
    expect(compareVersions('6.1.0-50', '6.1.0-47')).toBeGreaterThan(0);
    expect(compareVersions('1.0~rc1', '1.0')).toBeLessThan(0);
    expect(compareVersions('2.0', '2.0')).toBe(0);
  });

  it('picks the newest 686-unsigned kernel image', () => {
    expect(
      pickNewestKernel([
        'linux-image-6.1.0-9-686-unsigned',
        'linux-image-6.1.0-47-686-unsigned',
        'linux-image-6.1.0-50-686-pae-unsigned',
        'linux-image-6.1.0-50-686-unsigned',
        'linux-image-686',
        'linux-image-6.1.0-50-686-dbg',
      ]),
    ).toBe('linux-image-6.1.0-50-686-unsigned');
    expect(pickNewestKernel(['linux-image-amd64'])).toBeNull();
  });
});

describe('PrivateApt command construction', () => {
  const ok = { status: 0, stdout: '', stderr: '' };

  it('points every state directory at the private root and forces i386', () => {
    const p = aptPaths('/cache/apt');
    const o = aptOptions(p);
    const pairs = new Map<string, string>();
    for (let i = 0; i < o.length; i += 2) {
      expect(o[i]).toBe('-o');
      const [k, v] = o[i + 1]!.split('=') as [string, string];
      pairs.set(k, v);
    }
    expect(pairs.get('Dir::State')).toBe('/cache/apt/state');
    expect(pairs.get('Dir::State::status')).toBe('/cache/apt/state/status');
    expect(pairs.get('Dir::Cache')).toBe('/cache/apt/cache');
    expect(pairs.get('Dir::Etc::SourceList')).toBe('/cache/apt/etc/sources.list');
    expect(pairs.get('Dir::Etc::SourceParts')).toBe('/cache/apt/etc/sources.list.d');
    expect(pairs.get('APT::Architecture')).toBe('i386');
    expect(pairs.get('APT::Architectures')).toBe('i386');
    expect(pairs.has('APT::Sandbox::User')).toBe(false);
    expect(aptOptions(p, { asRoot: true })).toContain('APT::Sandbox::User=root');
  });

  it('prepares the directories and i386 sources from the host configuration', () => {
    const etc = tmp();
    mkdirSync(join(etc, 'sources.list.d'));
    writeFileSync(join(etc, 'sources.list'), 'deb http://example.org/debian bookworm main\n');
    writeFileSync(join(etc, 'sources.list.d', 'debian.sources'), 'Types: deb\nURIs: http://example.org/sec\nSuites: s\nComponents: main\n');
    writeFileSync(join(etc, 'sources.list.d', 'ignored.list.disabled'), 'deb http://example.org/no x main\n');
    const root = join(tmp(), 'apt');
    const runner = new RecordingRunner(() => ok);
    const apt = new PrivateApt(root, runner, etc);
    apt.prepare();
    expect(runner.calls[0]).toEqual({ cmd: 'apt-get', args: ['--version'] });
    expect(readFileSync(join(root, 'etc', 'sources.list'), 'utf8')).toBe('deb [arch=i386] http://example.org/debian bookworm main\n');
    expect(readFileSync(join(root, 'etc', 'sources.list.d', 'debian.sources'), 'utf8')).toContain('Architectures: i386');
    expect(readFileSync(join(root, 'state', 'status'), 'utf8')).toBe('');
  });

  it('reports a missing apt clearly', () => {
    const runner = new RecordingRunner(() => ({ status: -1, stdout: '', stderr: 'spawn apt-get ENOENT', errorCode: 'ENOENT' }));
    const apt = new PrivateApt(join(tmp(), 'apt'), runner, tmp());
    expect(() => apt.prepare()).toThrow(AptUnavailableError);
    expect(() => apt.prepare()).toThrow(/apt-get is not available \(ENOENT\)/);
  });

  it('reports a host without usable sources', () => {
    const runner = new RecordingRunner(() => ok);
    expect(() => new PrivateApt(join(tmp(), 'apt'), runner, tmp()).prepare()).toThrow(/no apt sources usable for i386/);
  });

  it('builds update, search, show and download commands', () => {
    const root = join(tmp(), 'apt');
    const runner = new RecordingRunner((cmd, args) => {
      const verb = args.filter((a) => !a.includes('=') && a !== '-o' && a !== '-q')[0];
      if (verb === 'update') {
        mkdirSync(join(root, 'state', 'lists'), { recursive: true });
        writeFileSync(join(root, 'state', 'lists', 'x_dists_bookworm_main_binary-i386_Packages'), '');
        return { status: 100, stdout: '', stderr: 'E: Failed to fetch http://x/Packages.xz  File has unexpected size\n' };
      }
      if (verb === 'search') return { ...ok, stdout: 'linux-image-6.1.0-50-686-unsigned - Linux 6.1 for older PCs\n' };
      if (verb === 'show') {
        return { ...ok, stdout: 'Package: busybox-static\nVersion: 1:1.35.0-4\nArchitecture: i386\nSHA256: abc\n' };
      }
      return ok;
    });
    const apt = new PrivateApt(root, runner);
    const warnings = apt.update();
    expect(warnings).toEqual(['E: Failed to fetch http://x/Packages.xz  File has unexpected size']);
    expect(apt.searchNames('^linux-image-.*-686-unsigned$')).toEqual(['linux-image-6.1.0-50-686-unsigned']);
    const p = apt.show('busybox-static');
    expect(p).toEqual({
      name: 'busybox-static',
      version: '1:1.35.0-4',
      architecture: 'i386',
      fileName: 'busybox-static_1%3a1.35.0-4_i386.deb',
      sha256: 'abc',
    });
    const debs = tmp();
    let have: string | null = null;
    apt.download([p], debs, () => {
      const h = have;
      have = 'abc';
      return h;
    });
    const last = runner.calls[runner.calls.length - 1]!;
    expect(last.cwd).toBe(debs);
    expect(last.args.slice(-3)).toEqual(['-q', 'download', 'busybox-static=1:1.35.0-4']);
    for (const c of runner.calls) expect(c.args.slice(0, 2)).toEqual(['-o', `Dir::Etc::SourceList=${root}/etc/sources.list`]);
    // a file already present with the right hash is not fetched again
    const n = runner.calls.length;
    apt.download([p], debs, () => 'abc');
    expect(runner.calls.length).toBe(n);
  });

  it('fails update when no package list arrived', () => {
    const runner = new RecordingRunner(() => ({ status: 100, stdout: '', stderr: 'E: no network' }));
    expect(() => new PrivateApt(join(tmp(), 'apt'), runner).update()).toThrow(/fetched no package lists:\nE: no network/);
  });
});
