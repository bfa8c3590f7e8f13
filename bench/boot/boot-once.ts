import { watchChild } from './child-watch.js';
import { WorkloadTranscript, type BootMeasurement } from './transcript.js';
import type { BootInput, SystemRunner } from './runners/types.js';

/** One boot of one system: its measurement, or why there is none. */
export type BootOutcome =
  | { readonly ok: true; readonly measurement: BootMeasurement; readonly wallSeconds: number }
  | { readonly ok: false; readonly error: string; readonly wallSeconds: number; readonly tail: readonly string[] };

/**
 * Boot `runner` once on `input` and follow its serial console until the workload's
 * last part has ended; a guest that is stuck or dies is killed and reported, never waited on.
 */
export async function bootOnce(
  runner: SystemRunner,
  input: BootInput,
  timeoutSeconds: number,
): Promise<BootOutcome> {
  const transcript = new WorkloadTranscript();
  const r = await watchChild(runner.command(input), {
    timeoutSeconds,
    onLine: (line) => transcript.feed(line),
  });
  const m = transcript.result();
  if (r.outcome === 'complete' && typeof m !== 'string') return { ok: true, measurement: m, wallSeconds: r.seconds };
  let why: string;
  switch (r.outcome) {
    case 'timeout':
      why = `timed out after ${timeoutSeconds} s`;
      break;
    case 'spawn-error':
      why = `could not start: ${r.error}`;
      break;
    case 'exited':
      why = `exited (code ${r.exitCode}, signal ${r.signal}) before the workload ended`;
      break;
    default:
      why = '';
  }
  if (typeof m === 'string') why = why ? `${why}; ${m}` : m;
  const stderr = r.stderrTail.trim();
  if (stderr) why += `; stderr: ${stderr.split('\n').slice(-3).join(' | ')}`;
  return { ok: false, error: why, wallSeconds: r.seconds, tail: r.tail };
}
