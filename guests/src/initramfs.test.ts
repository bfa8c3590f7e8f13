import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { readCpio } from './cpio.js';
import { buildInitramfsEntries, packInitramfs } from './initramfs.js';
import { INIT_SCRIPT, READY_MARKER, TEST_SCRIPTS } from './scripts.js';

const inputs = {
  busybox: new Uint8Array([0x7f, 0x45, 0x4c, 0x46]),
  applets: [
    { name: 'sh', path: 'bin/sh' },
    { name: 'busybox', path: 'bin/busybox' },
    { name: 'modprobe', path: 'sbin/modprobe' },
    { name: 'awk', path: 'usr/bin/awk' },
  ],
  kernelVersion: '6.1.0-99-686',
  modules: [{ relPath: 'kernel/drivers/scsi/sd_mod.ko', data: new Uint8Array([1, 2]) }],
  modulesDep: 'kernel/drivers/scsi/sd_mod.ko:\n',
};

describe('initramfs', () => {
  const entries = buildInitramfsEntries(inputs);
  const by = new Map(entries.map((e) => [e.path, e]));

  it('has busybox, applet links, /init, device nodes, tests and modules', () => {
    expect(by.get('bin/busybox')!.mode).toBe(0o100755);
    expect(new TextDecoder().decode(by.get('usr/bin/awk')!.data)).toBe('/bin/busybox');
    expect(by.get('sbin/modprobe')!.mode).toBe(0o120777);
    expect(new TextDecoder().decode(by.get('init')!.data)).toBe(INIT_SCRIPT);
    expect(by.get('init')!.mode).toBe(0o100755);
    expect([by.get('dev/console')!.rdevMajor, by.get('dev/console')!.rdevMinor]).toEqual([5, 1]);
    expect([by.get('dev/ttyS0')!.rdevMajor, by.get('dev/ttyS0')!.rdevMinor]).toEqual([4, 64]);
    for (const t of Object.keys(TEST_SCRIPTS)) expect(by.has(`vmtest/${t}.sh`)).toBe(true);
    expect(by.has('lib/modules/6.1.0-99-686/kernel/drivers/scsi/sd_mod.ko')).toBe(true);
    expect(by.has('lib/modules/6.1.0-99-686/modules.dep')).toBe(true);
    expect(by.get('tmp')!.mode & 0o7777).toBe(0o1777);
  });

  it('lists every directory before its contents', () => {
    const seen = new Set<string>();
    for (const e of entries) {
      const parent = e.path.includes('/') ? e.path.slice(0, e.path.lastIndexOf('/')) : null;
      if (parent) expect(seen.has(parent), `${parent} before ${e.path}`).toBe(true);
      seen.add(e.path);
    }
  });

  it('packs reproducibly into gzip + newc', () => {
    const a = packInitramfs(entries);
    expect(a).toEqual(packInitramfs(buildInitramfsEntries(inputs)));
    expect([a[0], a[1]]).toEqual([0x1f, 0x8b]);
    const back = readCpio(new Uint8Array(gunzipSync(a)));
    expect(back.map((e) => e.path)).toEqual(entries.map((e) => e.path));
    expect(back.every((e) => e.mtime === 0 && e.uid === 0)).toBe(true);
  });

  it('/init prints the ready marker, selects tests by vmtest= and powers off', () => {
    expect(INIT_SCRIPT).toContain(`echo "${READY_MARKER} uptime=$up"`);
    expect(INIT_SCRIPT).toContain('vmtest=*) VMTEST=${arg#vmtest=}');
    expect(INIT_SCRIPT).toContain('sh "/vmtest/$VMTEST.sh"');
    expect(INIT_SCRIPT.trimEnd().endsWith('poweroff -f')).toBe(true);
    expect(TEST_SCRIPTS['workload']).toContain('dd if=/dev/zero bs=1M count=8');
    expect(TEST_SCRIPTS['workload']).toContain('while [ $i -lt 200000 ]');
    expect(TEST_SCRIPTS['workload']).toContain('seq 1 1000000 | gzip -c | wc -c');
  });
});
