import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '@vm/bus/test';
import { afterAll, describe, expect, it } from 'vitest';
import { BROADCAST_MAC, ScriptedNic, ethernetFrame, readPcap } from '../test/index.js';
import { Vmnet } from '../vmnet.js';
import { capturePcapFile } from './pcap-file-sink.js';

const dir = mkdtempSync(join(tmpdir(), 'vmnet-pcap-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function onPath(tool: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;
}

/** Write a capture of a few frames, some longer than the snaplen. */
function makeCapture(path: string): void {
  const clock = new ManualClock(12_000_000_000);
  const net = new Vmnet('vmnet0', { clock, timers: clock });
  const a = new ScriptedNic(net.createPort({ mac: '00:50:56:00:00:01' }));
  new ScriptedNic(net.createPort({ mac: '00:50:56:00:00:02' }));
  const capture = capturePcapFile(net, path, { snaplen: 64 });
  for (let i = 0; i < 300; i++) {
    // An ARP request (EtherType 0x0806) so that the readers decode something real.
    const arp = new Uint8Array(28);
    arp.set([0, 1, 8, 0, 6, 4, 0, 1, 0, 0x50, 0x56, 0, 0, 1, 10, 0, 0, 1, 0, 0, 0, 0, 0, 0, 10, 0, 0, i & 0xff]);
    a.send(ethernetFrame({ dst: BROADCAST_MAC, src: '00:50:56:00:00:01', etherType: 0x0806, payload: arp }));
    a.send(ethernetFrame({ dst: '00:50:56:00:00:02', src: '00:50:56:00:00:01', payload: 'y'.repeat(200) }));
    clock.advance(1_000_000);
  }
  capture.stop();
}

describe('pcap capture files', () => {
  const path = join(dir, 'vmnet0.pcap');
  makeCapture(path);

  it('are read back by our reader with virtual timestamps and the snaplen applied', () => {
    const { header, records } = readPcap(new Uint8Array(readFileSync(path)));
    expect(header).toMatchObject({ snaplen: 64, linkType: 1 });
    expect(records).toHaveLength(600);
    expect(records[0]).toMatchObject({ seconds: 12, fraction: 0, originalLength: 42 });
    expect(records[599]).toMatchObject({ seconds: 12, fraction: 299_000, originalLength: 214 });
    expect(records[599]!.data).toHaveLength(64);
  });

  // Third-party readers are optional: Debian's tcpdump / tshark packages.
  const hasTcpdump = onPath('tcpdump');
  const hasTshark = onPath('tshark');

  it.runIf(hasTcpdump)(`are read by tcpdump -r${hasTcpdump ? '' : ' (skipped: tcpdump is not installed)'}`, () => {
    const r = spawnSync('tcpdump', ['-n', '-r', path], { encoding: 'utf8', env: { ...process.env, TZ: 'UTC' } });
    expect(r.status).toBe(0);
    // Unknown EtherTypes are followed by hex dump lines: count only packet lines.
    const lines = r.stdout.split('\n').filter((l) => /^\d\d:\d\d:\d\d\.\d{6} /.test(l));
    expect(lines).toHaveLength(600);
    expect(lines.filter((l) => l.endsWith('ethertype Unknown (0x88b5), length 214: '))).toHaveLength(300);
    expect(lines.filter((l) => /ARP, Request who-has 10\.0\.0\.\d+ tell 10\.0\.0\.1/.test(l))).toHaveLength(300);
    expect(lines[0]).toMatch(/^00:00:12\.000000 /);
  });

  it.runIf(hasTshark)(`are read by tshark -r${hasTshark ? '' : ' (skipped: tshark is not installed)'}`, () => {
    const r = spawnSync('tshark', ['-r', path], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout.trim().split('\n')).toHaveLength(600);
  });
});
