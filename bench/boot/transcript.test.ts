import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { WorkloadTranscript } from './transcript.js';

const DIGEST = '2daeb1f36095b44b318410b3f4e8b5d989dcc7bb023d1426c492dab0a3053e74  -';

function feedAll(t: WorkloadTranscript, lines: Array<[number, string]>): boolean[] {
  return lines.map(([seconds, text]) => t.feed({ seconds, text, cpuSeconds: seconds * 1.5 }));
}

// What the @vm/guests initramfs prints for vmtest=workload (guests/src/scripts.ts).
const BOOT: Array<[number, string]> = [
  [1.0, '[    0.512345] PnPBIOS: Unable to get node info.  Aborting.'],
  [4.0, 'VM-GUEST-READY uptime=2.50'],
  [4.5, DIGEST],
  [10.8, '2129143'],
  [10.9, 'VM-WORKLOAD loop_i=200000 sha256_cs=40 loop_cs=390 gzip_cs=190 total_cs=620'],
  [11.0, 'VM-TEST-DONE name=workload status=0 uptime=8.80'],
];

describe('WorkloadTranscript', () => {
  it('times the shell and the workload from both clocks and keeps what each part printed', () => {
    const t = new WorkloadTranscript();
    expect(feedAll(t, BOOT)).toEqual([false, false, false, false, false, true]);
    const r = t.result();
    if (typeof r === 'string') throw new Error(r);
    expect(r.host).toEqual({
      toShellSeconds: 4.0,
      workloadSeconds: expect.closeTo(6.9),
      perPart: { sha256: expect.closeTo(0.5), loop: null, gzip: null },
      loopGzipSeconds: expect.closeTo(6.3),
    });
    expect(r.cpu).toEqual({
      toShellSeconds: 6.0,
      workloadSeconds: expect.closeTo(10.35),
      perPart: { sha256: expect.closeTo(0.75), loop: null, gzip: null },
      loopGzipSeconds: expect.closeTo(9.45),
    });
    expect(r.guest).toEqual({
      toShellSeconds: 2.5,
      workloadSeconds: 6.2,
      perPart: { sha256: 0.4, loop: 3.9, gzip: 1.9 },
      loopGzipSeconds: expect.closeTo(5.8),
    });
    expect(r.outputs).toEqual({ sha256: DIGEST, loop: 'loop_i=200000', gzip: '2129143' });
  });

  it('splits the loop from gzip on the host at VM-LOOP-DONE', () => {
    const t = new WorkloadTranscript();
    feedAll(t, [...BOOT.slice(0, 3), [8.5, 'VM-LOOP-DONE i=200000'], ...BOOT.slice(3)]);
    const r = t.result();
    if (typeof r === 'string') throw new Error(r);
    expect(r.host.perPart).toEqual({ sha256: expect.closeTo(0.5), loop: expect.closeTo(4.0), gzip: expect.closeTo(2.3) });
    expect(r.cpu!.perPart.loop).toBeCloseTo(6.0);
  });

  it('matches what the guests package prints (its workload script and /init)', () => {
    // A contract test: the bench reads the lines that guests/src/scripts.ts writes.
    const scripts = readFileSync(fileURLToPath(new URL('../../guests/src/scripts.ts', import.meta.url)), 'utf8');
    for (const marker of ['VM-GUEST-READY', 'VM-TEST-DONE', 'name=$VMTEST status=$status uptime=$up', 'VM-TEST-MISSING', 'echo "VM-LOOP-DONE']) {
      expect(scripts).toContain(marker);
    }
    expect(scripts).toMatch(/echo "VM-WORKLOAD loop_i=\$i sha256_cs=.* loop_cs=.* gzip_cs=.* total_cs=/);
    expect(scripts).toMatch(/\|\s*sha256sum/);
    expect(scripts).toMatch(/gzip -c \| wc -c/);
  });

  it('says what is missing when the guest stops early', () => {
    const t = new WorkloadTranscript();
    expect(t.result()).toMatch(/VM-GUEST-READY/);
    feedAll(t, BOOT.slice(0, 3));
    expect(t.result()).toMatch(/no gzip size/);
    feedAll(t, BOOT.slice(3, 5));
    expect(t.result()).toMatch(/VM-TEST-DONE/);
  });

  it('has no CPU view when the CPU time could not be read', () => {
    const t = new WorkloadTranscript();
    BOOT.forEach(([seconds, text], i) => t.feed({ seconds, text, cpuSeconds: i === 2 ? null : seconds }));
    const r = t.result();
    if (typeof r === 'string') throw new Error(r);
    expect(r.cpu).toBeNull();
    expect(r.host.toShellSeconds).toBe(4);
  });

  it('ignores lines before the shell marker', () => {
    const t = new WorkloadTranscript();
    feedAll(t, [[0.5, DIGEST], [0.6, 'VM-TEST-DONE name=workload status=0 uptime=1']]);
    expect(t.result()).toMatch(/VM-GUEST-READY/);
  });

  it('fails a run whose script failed or is missing', () => {
    const failed = new WorkloadTranscript();
    expect(feedAll(failed, [BOOT[1]!, [5, 'VM-TEST-DONE name=workload status=1 uptime=3']]).at(-1)).toBe(true);
    expect(failed.result()).toMatch(/status 1/);
    const missing = new WorkloadTranscript();
    expect(feedAll(missing, [BOOT[1]!, [5, 'VM-TEST-MISSING workload (have: hello)']]).at(-1)).toBe(true);
    expect(missing.result()).toMatch(/no workload script/);
  });

  it('ends at a kernel panic, before or after the shell is up', () => {
    const early = new WorkloadTranscript();
    const line = "[    0.048000] Kernel panic - not syncing: IO-APIC + timer doesn't work!  Boot with apic=debug";
    expect(feedAll(early, [[0.1, '[    0.04] Call Trace:'], [0.2, line]]).at(-1)).toBe(true);
    expect(early.result()).toBe("the guest kernel panicked: IO-APIC + timer doesn't work!  Boot with apic=debug");
    const late = new WorkloadTranscript();
    expect(feedAll(late, [BOOT[1]!, [9, '[   12.5] Kernel panic - not syncing: Attempted to kill init!']]).at(-1)).toBe(true);
    expect(late.result()).toMatch(/panicked: Attempted to kill init!/);
  });

  it('refuses a summary without the figures', () => {
    const t = new WorkloadTranscript();
    feedAll(t, [...BOOT.slice(0, 4), [10.9, 'VM-WORKLOAD loop_i=200000 sha256_cs=40'], BOOT[5]!]);
    expect(t.result()).toMatch(/no number loop_cs/);
  });
});
