/**
 * Starting a VM's worker thread, from the built JavaScript or, when the
 * host itself runs from TypeScript sources (tests, `tsx`), through tsx's
 * in-thread hook (Node 20 applies no module loader hooks inside workers).
 *
 * @module
 */

import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { VmSpec } from './protocol.js';

/** Start the worker that runs `spec`'s VM. */
export function spawnVmWorker(spec: VmSpec): Worker {
  const here = import.meta.url;
  if (here.endsWith('.ts')) {
    const entry = fileURLToPath(new URL('./vm-worker.ts', here));
    const tsx = createRequire(here).resolve('tsx/cjs');
    const boot = `require(${JSON.stringify(tsx)}); require(${JSON.stringify(entry)});`;
    return new Worker(boot, { eval: true, workerData: spec, execArgv: ['--conditions=source'], stdout: false, stderr: false });
  }
  return new Worker(new URL('./vm-worker.js', here), { workerData: spec });
}
