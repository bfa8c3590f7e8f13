import { describe, expect, it } from 'vitest';
import { deriveMac, formatMac, parseMac, parseStaticMac } from './mac.js';

describe('deriveMac', () => {
  it('is stable, locally administered unicast, distinct per NIC and per VM', () => {
    const a = deriveMac('/vmfs/volumes/local/web01/web01.vmx', 0);
    expect(formatMac(a)).toBe(formatMac(deriveMac('/vmfs/volumes/local/web01/web01.vmx', 0)));
    expect(a[0]).toBe(0x02);
    const all = new Set<string>();
    for (let i = 0; i < 4; i++) all.add(formatMac(deriveMac('/vmfs/volumes/local/web01/web01.vmx', i)));
    expect(all.size).toBe(4);
    expect(formatMac(deriveMac('/vmfs/volumes/local/web02/web02.vmx', 0))).not.toBe(formatMac(a));
    expect(() => deriveMac('x', 4)).toThrow(RangeError);
    expect(() => deriveMac('', 0)).toThrow(RangeError);
  });

  it('spreads over many identities without collisions', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 2000; i++) seen.add(formatMac(deriveMac(`vm-${i}`, 0)));
    expect(seen.size).toBe(2000);
  });
});

describe('parseMac / parseStaticMac', () => {
  it('parses colon and dash forms', () => {
    const r = parseMac('00-50-56-0A-0b-0C');
    expect(r.ok && formatMac(r.mac)).toBe('00:50:56:0a:0b:0c');
    expect(parseMac('00:50:56:0a:0b').ok).toBe(false);
    expect(parseMac('00:50-56:0a:0b:0c').ok).toBe(false);
    expect(parseMac('zz:50:56:0a:0b:0c').ok).toBe(false);
  });

  it('accepts VMware static addresses and rejects multicast, zero and out-of-range ones', () => {
    expect(parseStaticMac('00:50:56:3f:ff:ff').ok).toBe(true);
    const high = parseStaticMac('00:50:56:40:00:00');
    expect(high.ok).toBe(false);
    expect(!high.ok && high.error).toMatch(/static range/);
    expect(parseStaticMac('01:50:56:00:00:01').ok).toBe(false);
    expect(parseStaticMac('00:00:00:00:00:00', { vmwareRange: false }).ok).toBe(false);
    expect(parseStaticMac('02:12:34:56:78:9a', { vmwareRange: false }).ok).toBe(true);
  });
});
