// Worker side of the cross-thread pool test: allocate and free pages in a loop.
import { parentPort, workerData } from 'node:worker_threads';
import { MachinePagePool } from '../page-pool.js';
import type { SharedPoolHandle } from '../page-pool.js';

const data = workerData as { handle: SharedPoolHandle; rounds: number };
const pool = MachinePagePool.attach(data.handle);
const held: number[] = [];
let done = 0;
for (let i = 0; i < data.rounds; i++) {
  const m = pool.tryAllocate();
  if (m >= 0) {
    pool.ram[m * 4096] = 1;
    held.push(m);
  }
  if (held.length > 8 || m < 0) pool.unref(held.shift()!);
  done++;
}
for (const m of held) pool.unref(m);
parentPort!.postMessage(done);
