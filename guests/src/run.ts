/**
 * Running host programs (apt-get, dpkg-deb, busybox) behind a small
 * interface, so command construction can be tested without running them.
 *
 * @module
 */

import { spawnSync } from 'node:child_process';

/** What a finished command produced. */
export interface CommandResult {
  /** Exit status; -1 when the program could not be started. */
  readonly status: number;
  /** Captured standard output. */
  readonly stdout: string;
  /** Captured standard error (or the spawn error's message). */
  readonly stderr: string;
  /** The spawn error code (e.g. `ENOENT`) when the program could not be started. */
  readonly errorCode?: string;
}

/** Runs a program to completion. */
export interface CommandRunner {
  /** Run `cmd` with `args` in `cwd` and wait for it. */
  run(cmd: string, args: readonly string[], options?: { readonly cwd?: string }): CommandResult;
}

/** The real runner: `child_process.spawnSync`, output captured, no shell. */
export const hostRunner: CommandRunner = {
  run(cmd, args, options = {}) {
    const r = spawnSync(cmd, args, {
      cwd: options.cwd,
      encoding: 'utf8',
      maxBuffer: 256 * 1024 * 1024,
      env: { ...process.env, LC_ALL: 'C', DEBIAN_FRONTEND: 'noninteractive' },
    });
    if (r.error) {
      const code = (r.error as NodeJS.ErrnoException).code;
      return { status: -1, stdout: '', stderr: r.error.message, ...(code ? { errorCode: code } : {}) };
    }
    return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
  },
};

/** One call a {@link RecordingRunner} saw. */
export interface RecordedCall {
  /** Program. */
  cmd: string;
  /** Arguments. */
  args: string[];
  /** Working directory, when given. */
  cwd?: string;
}

/** A runner that records calls and answers from a table, for tests. */
export class RecordingRunner implements CommandRunner {
  /** Every call, in order. */
  readonly calls: RecordedCall[] = [];
  /** @param answer decides each call's result */
  constructor(private readonly answer: (cmd: string, args: readonly string[]) => CommandResult) {}
  /** @inheritDoc */
  run(cmd: string, args: readonly string[], options: { readonly cwd?: string } = {}): CommandResult {
    this.calls.push({ cmd, args: [...args], ...(options.cwd ? { cwd: options.cwd } : {}) });
    return this.answer(cmd, args);
  }
}
