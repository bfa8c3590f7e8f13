import { describe, expect, it } from 'vitest';
import { PcapBufferSink, PcapWriter } from './pcap-writer.js';
import { ethernetFrame, readPcap } from './test/index.js';

describe('PcapWriter', () => {
  it('writes a classic little-endian microsecond Ethernet capture', () => {
    const sink = new PcapBufferSink(64);
    const writer = new PcapWriter(sink, { snaplen: 20 });
    const short = ethernetFrame({ dst: 'ff:ff:ff:ff:ff:ff', src: '00:50:56:00:00:01', payload: 'hi' });
    const long = ethernetFrame({ dst: '00:50:56:00:00:02', src: '00:50:56:00:00:01', payload: 'x'.repeat(100) });
    writer.writeFrame(short, 1_500_000_999); // 1.500000999 s
    writer.writeFrame(long, 3_000_000_123_999); // 3000.000123999 s: microseconds truncate
    const bytes = sink.bytes();
    expect([...bytes.subarray(0, 4)]).toEqual([0xd4, 0xc3, 0xb2, 0xa1]);
    const { header, records } = readPcap(bytes);
    expect(header).toEqual({ version: '2.4', snaplen: 20, linkType: 1, nanoseconds: false });
    expect(records).toHaveLength(2);
    expect(records[0]).toMatchObject({ seconds: 1, fraction: 500000, originalLength: 16 });
    expect(records[0]!.data).toEqual(short);
    expect(records[1]).toMatchObject({ seconds: 3000, fraction: 123, originalLength: 114 });
    expect(records[1]!.data).toEqual(long.subarray(0, 20));
    expect(writer.frames).toBe(2);
  });

  it('writes just the header for an empty capture', () => {
    const sink = new PcapBufferSink();
    new PcapWriter(sink).writeHeader();
    expect(readPcap(sink.bytes()).records).toEqual([]);
    expect(sink.length).toBe(24);
  });

  it('rejects a bad snaplen', () => {
    expect(() => new PcapWriter(new PcapBufferSink(), { snaplen: 0 })).toThrow(RangeError);
  });
});
