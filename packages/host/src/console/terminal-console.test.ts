import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { TerminalConsole } from './terminal-console.js';

function makeConsole() {
  const input = new PassThrough() as unknown as NodeJS.ReadStream;
  const output = new PassThrough() as unknown as NodeJS.WriteStream;
  let quit = 0;
  const con = new TerminalConsole(() => quit++, { input, output });
  return { con, output, quits: () => quit };
}

describe('TerminalConsole', () => {
  it('passes keys to the guest, quits on Ctrl-A x, sends Ctrl-A on Ctrl-A a', () => {
    const { con, quits } = makeConsole();
    const got: number[] = [];
    con.attach({ receiveByte: (b) => (got.push(b), true) });
    con.keys(Uint8Array.of(0x6c, 0x73, 0x0d, 0x01, 0x61));
    expect(got).toEqual([0x6c, 0x73, 0x0d, 0x01]);
    con.keys(Uint8Array.of(0x01));
    expect(quits()).toBe(0);
    con.keys(Uint8Array.of(0x78));
    expect(quits()).toBe(1);
    con.close();
  });
  it('keeps input the UART cannot take yet', () => {
    const { con } = makeConsole();
    let room = 2;
    const got: number[] = [];
    con.attach({ receiveByte: (b) => (room > 0 ? (room--, got.push(b), true) : false) });
    con.keys(Uint8Array.of(1 + 0x40, 2 + 0x40, 3 + 0x40));
    expect(got).toEqual([0x41, 0x42]);
    expect(con.pendingInput).toBe(1);
    room = 1;
    con.receiverReady();
    expect(got).toEqual([0x41, 0x42, 0x43]);
    con.close();
  });
  it('batches guest output until flush', () => {
    const { con, output } = makeConsole();
    const chunks: Buffer[] = [];
    (output as unknown as PassThrough).on('data', (c: Buffer) => chunks.push(c));
    for (const c of 'hello') con.writeByte(c.charCodeAt(0));
    expect(chunks.length).toBe(0);
    con.flush();
    return new Promise<void>((resolve) =>
      setImmediate(() => {
        expect(Buffer.concat(chunks).toString()).toBe('hello');
        con.close();
        resolve();
      }),
    );
  });
});
