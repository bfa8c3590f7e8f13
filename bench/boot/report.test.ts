import { describe, expect, it } from 'vitest';
import type { BootOutcome } from './boot-once.js';
import type { BootMeasurement } from './transcript.js';
import { checkOutputs, formatTable, medians, ratiosToPeers, type SystemResult } from './report.js';
import type { SystemId } from './runners/types.js';

const timing = (k: number) => ({ toShellSeconds: k, workloadSeconds: 2 * k, perPart: { sha256: k / 10, loop: k / 2, gzip: null }, loopGzipSeconds: k });
const ok = (k: number, sha = 'd1g  -', gzip = '42'): BootOutcome => ({
  ok: true,
  wallSeconds: 3 * k,
  measurement: { host: timing(k), cpu: timing(k + 1), guest: timing(k - 0.5), outputs: { sha256: sha, loop: 'loop_i=200000', gzip } },
});
const failed: BootOutcome = { ok: false, error: 'timed out', wallSeconds: 9, tail: [] };

function system(id: SystemId, label: string, runs: BootOutcome[]): SystemResult {
  return { id, label, version: 'x', skipped: null, runs, median: medians(runs), checkFailures: [] };
}

describe('medians', () => {
  it('skips failed rounds and is null when none succeeded', () => {
    expect(medians([ok(1), failed, ok(3), ok(2)])!.host.toShellSeconds).toBe(2);
    expect(medians([failed])).toBeNull();
    const base = (ok(1) as { measurement: BootMeasurement }).measurement;
    const noCpu: BootOutcome = { ok: true, wallSeconds: 1, measurement: { ...base, cpu: null } };
    expect(medians([noCpu])!.cpu).toBeNull();
    expect(medians([noCpu, ok(5)])!.cpu!.toShellSeconds).toBe(6);
  });
});

describe('checkOutputs', () => {
  it('flags a wrong digest and a gzip size that differs from the peers', () => {
    const peers = system('qemu', 'QEMU', [ok(1, 'd1g  -', '42')]);
    const ours = system('vm', 'vm', [ok(1, 'bad  -', '41'), ok(1)]);
    checkOutputs([ours, peers], { sha256: 'd1g  -', loop: 'loop_i=200000' });
    expect(peers.checkFailures).toEqual([]);
    expect(ours.checkFailures).toHaveLength(2);
    expect(ours.checkFailures[0]).toMatch(/round 1: sha256/);
    expect(ours.checkFailures[1]).toMatch(/round 1: gzip printed "41", expected "42"/);
  });
});

describe('formatTable', () => {
  it('prints each system and our ratio to each peer', () => {
    const text = formatTable([system('vm', 'vm', [ok(4)]), system('qemu', 'QEMU', [ok(2)]), system('v86', 'v86', [ok(8)])]);
    const lines = text.split('\n');
    expect(lines[0]).toMatch(/vm\s+QEMU\s+v86\s+vm\/QEMU\s+vm\/v86$/);
    const shells = lines.filter((l) => l.trim().startsWith('to shell')).map((l) => l.trim().split(/\s+/).slice(2));
    // host, guest (k - 0.5), cpu (k + 1)
    expect(shells).toEqual([
      ['4.00', '2.00', '8.00', '2.00', '0.50'],
      ['3.50', '1.50', '7.50', '2.33', '0.47'],
      ['5.00', '3.00', '9.00', '1.67', '0.56'],
    ]);
    const gzip = lines.find((l) => l.trim().startsWith('gzip'))!;
    expect(gzip.trim().split(/\s+/).slice(1)).toEqual(['-', '-', '-', '-', '-']);
  });
  it('shows a dash where a system has no result', () => {
    const skipped: SystemResult = { ...system('vm', 'vm', []), skipped: 'not built' };
    const text = formatTable([skipped, system('qemu', 'QEMU', [ok(2)])]);
    const shell = text.split('\n').find((l) => l.trim().startsWith('to shell'))!;
    expect(shell.trim().split(/\s+/).slice(2)).toEqual(['-', '2.00', '-']);
  });
});

describe('ratiosToPeers', () => {
  it('gives ours over each peer in every view, null where a figure is missing', () => {
    const r = ratiosToPeers([system('vm', 'vm', [ok(4)]), system('qemu', 'QEMU', [ok(2)])]);
    expect(Object.keys(r)).toEqual(['vm/qemu']);
    expect(r['vm/qemu']!.host).toEqual({ toShellSeconds: 2, workloadSeconds: 2, sha256: 2, loop: 2, gzip: null, loopGzipSeconds: 2 });
    expect(r['vm/qemu']!.cpu.toShellSeconds).toBeCloseTo(5 / 3);
    const skipped = ratiosToPeers([{ ...system('vm', 'vm', []), skipped: 'not built' }, system('qemu', 'QEMU', [ok(2)])]);
    expect(skipped['vm/qemu']!.guest.workloadSeconds).toBeNull();
  });
});
