/**
 * `pnpm guests` / `pnpm --filter @vm/guests build-guests`: build the test
 * guests into the cache (or report that they are there).
 *
 * Options: `--refresh` asks apt for the newest kernel even when a build
 * exists. The cache root is `$VM_GUESTS_DIR` or `~/.cache/vm-guests`.
 *
 * @module
 */

import { AptUnavailableError } from './apt.js';
import { buildGuests, defaultGuestsRoot } from './build.js';

const refresh = process.argv.includes('--refresh');
try {
  const r = buildGuests({ refresh, log: (l) => console.log(`[guests] ${l}`) });
  const m = r.manifest;
  console.log(`[guests] ${r.status === 'cached' ? 'up to date' : 'built'}: ${r.dir}`);
  console.log(`[guests] kernel ${m.kernelVersion}; files: ${Object.keys(m.files).join(', ')}`);
  console.log(`[guests] tests (vmtest=<name>): ${m.tests.join(', ')}; root: ${defaultGuestsRoot()}`);
} catch (e) {
  if (e instanceof AptUnavailableError) {
    console.error(`[guests] cannot build guests: ${e.message}`);
    process.exit(2);
  }
  console.error(`[guests] failed: ${(e as Error).message}`);
  process.exit(1);
}
