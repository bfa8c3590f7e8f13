import { describe, expect, it } from 'vitest';
import type { CharReceiver } from '@vm/bus';
import { SerialShell } from './serial-shell.js';

/** A UART receive FIFO of `room` bytes. */
class FakeUart implements CharReceiver {
  readonly got: number[] = [];
  constructor(public room: number) {}
  receiveByte(b: number): boolean {
    if (this.room === 0) return false;
    this.room--;
    this.got.push(b);
    return true;
  }
  get text(): string {
    return String.fromCharCode(...this.got);
  }
}

const print = (shell: SerialShell, s: string): void => {
  for (const c of s) shell.writeByte(c.charCodeAt(0));
  shell.pump();
};

describe('SerialShell', () => {
  it('answers the cursor query, types a command only at a fresh prompt, and reads back its output and status', () => {
    const shell = new SerialShell('t');
    const uart = new FakeUart(1000);
    shell.attach(uart);
    const c = shell.run('uname -r');
    expect(uart.text).toBe(''); // no prompt yet
    print(shell, 'booting...\r\nvmguest# \x1b[6n');
    expect(uart.text).toBe('\x1b[1;1R' + 'echo VM-BEGIN-1; uname -r; echo VM-RC-1=$?\n');
    expect(c.done).toBe(false);
    print(shell, 'echo VM-BEGIN-1; uname -r; echo VM-RC-1=$?\r\nVM-BEGIN-1\r\n6.1.0-50-686\r\nVM-RC-1=0\r\n');
    expect(c.done).toBe(true);
    expect(c.status).toBe(0);
    expect(c.output).toBe('6.1.0-50-686');
    expect(shell.idle).toBe(true);
  });

  it('queues commands: the second waits for the prompt after the first', () => {
    const shell = new SerialShell('t');
    const uart = new FakeUart(1000);
    shell.attach(uart);
    print(shell, 'vmguest# \x1b[6n');
    const a = shell.run('false');
    const b = shell.run('true');
    const typed = uart.text;
    print(shell, '\r\nVM-BEGIN-1\r\nVM-RC-1=1\r\n');
    expect(a.status).toBe(1);
    expect(a.output).toBe('');
    expect(uart.text).toBe(typed); // the old prompt does not count
    print(shell, 'vmguest# \x1b[6n');
    expect(uart.text.endsWith('echo VM-BEGIN-2; true; echo VM-RC-2=$?\n')).toBe(true);
    print(shell, '\r\nVM-BEGIN-2\r\nVM-RC-2=0\r\n');
    expect(b.done && b.status === 0).toBe(true);
  });

  it('is at a fresh prompt only after a new prompt, with every typed byte taken', () => {
    const shell = new SerialShell('t');
    const uart = new FakeUart(3);
    shell.attach(uart);
    expect(shell.atFreshPrompt).toBe(false);
    print(shell, 'vmguest# \x1b[6n'); // the 6-byte answer does not fit yet
    expect(shell.atFreshPrompt).toBe(false);
    uart.room = 10;
    shell.receiverReady();
    expect(shell.atFreshPrompt).toBe(true);
    shell.run('true');
    expect(shell.atFreshPrompt).toBe(false);
  });

  it('holds input back while the UART is full', () => {
    const shell = new SerialShell('t');
    const uart = new FakeUart(4);
    shell.attach(uart);
    shell.type('abcdefgh');
    expect(uart.text).toBe('abcd');
    expect(shell.inputDrained).toBe(false);
    uart.room = 10;
    shell.receiverReady();
    expect(uart.text).toBe('abcdefgh');
    expect(shell.inputDrained).toBe(true);
  });

  it('sends input to a stream console and, restored at a prompt, types the first command at once', () => {
    const out: string[] = [];
    const shell = new SerialShell('q', (b) => out.push(String.fromCharCode(...b)));
    shell.assumePrompt();
    shell.run('ls');
    expect(out.join('')).toBe('echo VM-BEGIN-1; ls; echo VM-RC-1=$?\n');
    shell.feed(Uint8Array.from('x\r\nVM-BEGIN-1\r\na b\r\nVM-RC-1=0\r\nvmguest# \x1b[6n', (c) => c.charCodeAt(0)));
    expect(out.at(-1)).toBe('\x1b[1;1R');
  });
});
