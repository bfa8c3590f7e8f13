import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

/** A program to start: an emulator, or a Node script that hosts one. */
export interface ChildCommand {
  readonly command: string;
  readonly args: readonly string[];
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
}

/** One line of the child's standard output (the guest's serial console), stamped on arrival. */
export interface StampedLine {
  /** The line without its end-of-line characters. */
  readonly text: string;
  /** Host seconds from just before the spawn to the arrival of the line's last byte. */
  readonly seconds: number;
  /** CPU seconds (user + system, all threads) the child had used when the line arrived; null where unknown. */
  readonly cpuSeconds: number | null;
}

let clockTicks = 0;

/**
 * CPU seconds a live process has used so far (user + system, all its threads), from
 * Linux's /proc/<pid>/stat; null elsewhere or once the process is gone.
 */
export function processCpuSeconds(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    // Fields after the command name (which may hold spaces) start at the last ')'.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (clockTicks === 0) {
      try {
        clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8', timeout: 5000 }).trim()) || 100;
      } catch {
        clockTicks = 100;
      }
    }
    // utime and stime are fields 14 and 15 of stat(5); f[0] is field 3.
    return (Number(f[11]) + Number(f[12])) / clockTicks;
  } catch {
    return null;
  }
}

/** How to watch one child. */
export interface WatchOptions {
  /** Kill the child and give up after this many seconds. */
  readonly timeoutSeconds: number;
  /** Called for every line as it arrives; return true when the line completes the run. */
  readonly onLine: (line: StampedLine) => boolean;
  /** After the completing line, seconds the child gets to exit by itself before it is killed. */
  readonly graceSeconds?: number;
  /** Lines kept for diagnostics (the last ones). */
  readonly tailLines?: number;
}

/** How a watched child ended. */
export type WatchOutcome = 'complete' | 'exited' | 'timeout' | 'spawn-error';

/** What watching a child saw. */
export interface WatchResult {
  readonly outcome: WatchOutcome;
  readonly exitCode: number | null;
  readonly signal: string | null;
  /** Host seconds from the spawn to the end of watching. */
  readonly seconds: number;
  /** The last lines of standard output. */
  readonly tail: readonly string[];
  /** The last bytes of standard error. */
  readonly stderrTail: string;
  /** The spawn error's message, for `spawn-error`. */
  readonly error: string | null;
}

const live = new Set<ChildProcess>();
let exitHooked = false;

/** Kill every child still running; installed on process exit and on SIGINT/SIGTERM. */
export function killAllChildren(): void {
  for (const c of live) {
    try {
      c.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
  live.clear();
}

function hookExit(): void {
  if (exitHooked) return;
  exitHooked = true;
  process.on('exit', killAllChildren);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(sig, () => {
      killAllChildren();
      process.exit(128 + (sig === 'SIGINT' ? 2 : sig === 'SIGTERM' ? 15 : 1));
    });
  }
}

/**
 * Start a child and feed its standard output, line by line and time-stamped, to
 * `onLine` until a line completes the run, the child exits, or the timeout fires.
 * The child never outlives the call (nor the bench process).
 */
export function watchChild(cmd: ChildCommand, opts: WatchOptions): Promise<WatchResult> {
  hookExit();
  const graceMs = (opts.graceSeconds ?? 3) * 1000;
  const tailMax = opts.tailLines ?? 60;
  return new Promise((resolve) => {
    const t0 = performance.now();
    const tail: string[] = [];
    let stderrTail = '';
    let pending = '';
    let outcome: WatchOutcome | null = null;
    let error: string | null = null;
    let timer: NodeJS.Timeout | null = null;
    let graceTimer: NodeJS.Timeout | null = null;
    let settled = false;

    const child = spawn(cmd.command, [...cmd.args], {
      cwd: cmd.cwd,
      env: cmd.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    live.add(child);

    const finish = (exitCode: number | null, signal: string | null): void => {
      if (settled) return;
      settled = true;
      if (timer) clearTimeout(timer);
      if (graceTimer) clearTimeout(graceTimer);
      live.delete(child);
      if (pending.length > 0) pushLine(pending, performance.now());
      resolve({
        outcome: outcome ?? 'exited',
        exitCode,
        signal,
        seconds: (performance.now() - t0) / 1000,
        tail,
        stderrTail,
        error,
      });
    };

    const kill = (): void => {
      try {
        child.kill('SIGKILL');
      } catch {
        // already gone
      }
    };

    function pushLine(text: string, now: number): void {
      pending = '';
      tail.push(text);
      if (tail.length > tailMax) tail.shift();
      if (outcome !== null) return;
      if (opts.onLine({ text, seconds: (now - t0) / 1000, cpuSeconds: processCpuSeconds(child.pid) })) {
        outcome = 'complete';
        graceTimer = setTimeout(kill, graceMs);
      }
    }

    timer = setTimeout(() => {
      if (outcome === null) outcome = 'timeout';
      kill();
    }, opts.timeoutSeconds * 1000);

    child.stdout.setEncoding('latin1');
    child.stdout.on('data', (chunk: string) => {
      const now = performance.now();
      let start = 0;
      for (;;) {
        const nl = chunk.indexOf('\n', start);
        if (nl < 0) break;
        let line = pending + chunk.slice(start, nl);
        if (line.endsWith('\r')) line = line.slice(0, -1);
        pushLine(line, now);
        start = nl + 1;
      }
      pending += chunk.slice(start);
      // A guest that never ends a line must not grow memory without bound.
      if (pending.length > 1 << 16) pushLine(pending, now);
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      stderrTail = (stderrTail + chunk).slice(-4000);
    });
    child.on('error', (e) => {
      outcome = 'spawn-error';
      error = e.message;
      finish(null, null);
    });
    child.on('close', (code, signal) => finish(code, signal));
  });
}
