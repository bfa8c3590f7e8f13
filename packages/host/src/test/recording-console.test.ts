import { describe, expect, it } from 'vitest';
import { RecordingConsole } from './index.js';

describe('RecordingConsole', () => {
  it('records flushed output and feeds typed input with backpressure', () => {
    const con = new RecordingConsole();
    const got: number[] = [];
    let room = 1;
    con.attach({ receiveByte: (b) => (room-- > 0 ? (got.push(b), true) : false) });
    con.type('ok');
    expect(got).toEqual([0x6f]);
    room = 1;
    con.receiverReady();
    expect(got).toEqual([0x6f, 0x6b]);
    con.writeByte(0x41);
    expect(con.text).toBe('');
    con.flush();
    expect(con.text).toBe('A');
  });
});
