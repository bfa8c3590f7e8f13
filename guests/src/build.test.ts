import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { buildGuests, GUEST_MODULES, locateGuest, sha256 } from './build.js';
import { appletsFromBinary } from './busybox.js';
import { readCpio } from './cpio.js';
import { moduleKey } from './modules.js';

const hasApt = spawnSync('apt-get', ['--version']).status === 0;

// The real thing: a private apt downloads Debian's i386 packages into the
// cache (~/.cache/vm-guests or $VM_GUESTS_DIR). Cached after the first run.
describe.skipIf(!hasApt)('buildGuests with the host apt', () => {
  it('builds vmlinuz, the initramfs and a manifest, then is a no-op', () => {
    const first = buildGuests();
    const m = first.manifest;
    expect(m.kernelVersion).toMatch(/^\d+\.\d+\.\d+-\d+-686$/);
    const vmlinuz = new Uint8Array(readFileSync(join(first.dir, 'vmlinuz')));
    expect(sha256(vmlinuz)).toBe(m.files['vmlinuz']!.sha256);
    // a real bzImage: "HdrS" at 0x202
    expect(new TextDecoder().decode(vmlinuz.subarray(0x202, 0x206))).toBe('HdrS');
    expect(Object.keys(m.packages).some((p) => /^linux-image-.*-686-unsigned$/.test(p))).toBe(true);

    const entries = readCpio(new Uint8Array(gunzipSync(readFileSync(join(first.dir, 'initramfs.cpio.gz')))));
    const by = new Map(entries.map((e) => [e.path, e]));
    expect(by.get('init')!.mode).toBe(0o100755);
    expect(by.get('dev/console')!.rdevMajor).toBe(5);
    const bb = by.get('bin/busybox')!.data;
    // an i386 ELF executable
    expect([bb[0], bb[1], bb[2], bb[3], bb[4], bb[18]]).toEqual([0x7f, 0x45, 0x4c, 0x46, 1, 3]);
    expect(new TextDecoder().decode(by.get('bin/sh')!.data)).toBe('/bin/busybox');
    // the binary's own applet table agrees with what the build linked
    const table = appletsFromBinary(bb).map((a) => a.name);
    expect(m.applets.count).toBe(table.length);
    for (const wanted of GUEST_MODULES) {
      const key = moduleKey(wanted);
      const shipped = m.modules.shipped.includes(key) || m.modules.builtin.includes(key);
      expect(shipped, wanted).toBe(true);
    }
    const dep = new TextDecoder().decode(by.get(`lib/modules/${m.kernelVersion}/modules.dep`)!.data);
    expect(dep).toMatch(/mptspi\.ko: .*mptbase\.ko/);
    for (const line of dep.trim().split('\n')) expect(by.has(`lib/modules/${m.kernelVersion}/${line.split(':')[0]}`)).toBe(true);

    const again = buildGuests();
    expect(again.status).toBe('cached');
    expect(locateGuest()?.manifest.recipe).toBe(m.recipe);
  });
});
