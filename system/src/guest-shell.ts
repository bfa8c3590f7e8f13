import type { Machine } from '@vm/machine';
import type { GuestConsole } from './guest-console.js';

/** busybox's prompt in the test guest, followed by its cursor-position query (ESC [ 6 n). */
export const GUEST_PROMPT = /vmguest# \x1b\[6n/;

/**
 * Commands typed at the guest's busybox shell, one at a time, each ended by
 * an echo of its exit status so output and status can be told apart.
 */
export class GuestShell {
  private seq = 0;
  /** Where in the console text to look for the next prompt. */
  private promptFrom = 0;

  /**
   * @param machine the machine the guest runs on
   * @param con its serial console
   * @param budget most guest instructions one command may take before the guest is called hung
   */
  constructor(
    private readonly machine: Machine,
    private readonly con: GuestConsole,
    private readonly budget = 3_000_000_000,
  ) {}

  /** Run `cmd` at the next prompt; resolves with its output (the echoed command line dropped) and exit status. */
  async sh(cmd: string, budget = this.budget): Promise<{ out: string; status: number }> {
    // Type only at a fresh prompt, after busybox's cursor-position query (answered by the
    // console): input typed before the query would be eaten as its answer.
    await this.con.runUntil(this.machine, GUEST_PROMPT, this.promptFrom, budget);
    const tag = `VM-RC-${++this.seq}`;
    const from = this.con.text.length;
    this.con.type(`${cmd}; echo ${tag}=$?\n`);
    const m = await this.con.runUntil(this.machine, new RegExp(`\\r?\\n${tag}=(\\d+)`), from, budget);
    const body = this.con.text.slice(from, from + m.index).split(/\r?\n/).slice(1).join('\n');
    this.promptFrom = from + m.index + m[0].length;
    return { out: body, status: Number(m[1]) };
  }
}
