/**
 * Shared pieces of the bench/host scripts: `.vmx` files for the Debian
 * guests of `pnpm guests`, console followers that answer busybox's cursor
 * query, and a shell driver (type a command, wait for the next prompt).
 */

import { existsSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { VmHost } from '@vm/host';

export const guestDir = join(homedir(), '.cache', 'vm-guests', 'current');

/** Exit with a message when the guests are not built. */
export function needGuests(): void {
  if (!existsSync(join(guestDir, 'vmlinuz'))) {
    console.error('no guest kernel: run `pnpm guests` first');
    process.exit(2);
  }
}

const t0 = performance.now();
/** A line with the seconds since the script started. */
export const log = (s: string): void => console.log(`[${((performance.now() - t0) / 1000).toFixed(0).padStart(5)} s] ${s}`);
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
/** Seconds since the script started. */
export const elapsedS = (): number => (performance.now() - t0) / 1000;

/** Write `dir/<name>.vmx` for a Linux guest; `extra` lines are appended. */
export function linuxVmx(dir: string, name: string, memMB: number, extra: string[] = []): string {
  const p = join(dir, `${name}.vmx`);
  const lines = [
    `displayName = "${name}"`,
    `memsize = "${memMB}"`,
    `kernel.fileName = "${join(guestDir, 'vmlinuz')}"`,
    `initrd.fileName = "${join(guestDir, 'initramfs.cpio.gz')}"`,
    `kernel.cmdline = "console=ttyS0 quiet"`,
    ...extra,
  ];
  writeFileSync(p, lines.join('\n') + '\n');
  return p;
}

// busybox's prompt, followed by its cursor-position query (ESC [ 6 n).
const PROMPT = new RegExp('vmguest# ' + String.fromCharCode(27) + '\\[6n', 'g');

/** Follows the consoles of a host's VMs and drives their shells. */
export class Consoles {
  private readonly text = new Map<string, string>();
  private readonly promptCount = new Map<string, number>();
  private readonly dropped = new Map<string, number>();
  constructor(private readonly host: VmHost) {}

  /** Start following VM `n`'s console (before it starts, to see the whole boot). */
  attach(n: string): void {
    if (!this.text.has(n)) {
      this.text.set(n, '');
      this.promptCount.set(n, 0);
      this.dropped.set(n, 0);
    }
    this.host.consoleAttach(n, (bytes) => {
      const s = Buffer.from(bytes).toString('latin1');
      const all = this.text.get(n)! + s;
      // Count prompts in the new text (with a little overlap for one split across chunks).
      const tail = all.slice(Math.max(0, all.length - s.length - 16));
      const before = all.slice(Math.max(0, all.length - s.length - 16), all.length - s.length);
      const c = (tail.match(PROMPT) ?? []).length - (before.match(PROMPT) ?? []).length;
      this.promptCount.set(n, this.promptCount.get(n)! + c);
      // Keep the last 256 KiB.
      if (all.length > 512 * 1024) {
        this.dropped.set(n, this.dropped.get(n)! + all.length - 256 * 1024);
        this.text.set(n, all.slice(-256 * 1024));
      } else this.text.set(n, all);
      // busybox's line editor asks where the cursor is at every prompt; answer as a terminal would.
      if (s.includes('\x1b[6n')) this.host.consoleIn(n, Buffer.from('\x1b[1;1R'));
    });
  }

  /** Everything VM `n` printed (the last 256 KiB at least). */
  textOf(n: string): string {
    return this.text.get(n) ?? '';
  }

  /** Characters VM `n` printed in all. */
  printed(n: string): number {
    return (this.dropped.get(n) ?? 0) + this.textOf(n).length;
  }

  /** What VM `n` printed from character `from` on (see {@link printed}). */
  since(n: string, from: number): string {
    return this.textOf(n).slice(Math.max(0, from - (this.dropped.get(n) ?? 0)));
  }

  /** Prompts VM `n` has shown. */
  prompts(n: string): number {
    return this.promptCount.get(n) ?? 0;
  }

  /** Type a command at the prompt and wait for the next one; returns what was printed meanwhile. */
  async sh(n: string, cmd: string, ms = 600_000): Promise<string> {
    const before = this.prompts(n);
    const from = this.printed(n);
    this.host.consoleIn(n, Buffer.from(cmd + '\n'));
    await untilTrue(() => this.prompts(n) > before, ms, `${n}: ${cmd}`);
    return this.since(n, from);
  }
}

/** Wait until `cond` holds, polling every 250 ms; throws after `ms`. */
export async function untilTrue(cond: () => boolean, ms: number, what: string): Promise<void> {
  const end = performance.now() + ms;
  while (!cond()) {
    if (performance.now() > end) throw new Error(`timed out: ${what}`);
    await sleep(250);
  }
}

/** One-decimal rounding for reports. */
export const r1 = (x: number): number => Math.round(x * 10) / 10;

/** A numeric `--name value` option of the command line, or `def`. */
export function numberOption(name: string, def: number): number {
  const argv = process.argv.slice(2);
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? Number(argv[i + 1]) : def;
}
