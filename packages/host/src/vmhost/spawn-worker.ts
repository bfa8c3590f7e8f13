/**
 * Starting a VM's worker thread, from the built JavaScript or, when the
 * host itself runs from TypeScript sources (tests, `tsx`), from a bundle
 * of the worker's sources.
 *
 * Node 20 applies no module loader hooks inside workers, so TypeScript
 * cannot be imported there as ES modules. tsx's CommonJS hook can load
 * it, but its output (sloppy mode, exports behind getters, name-keeping
 * wrappers) runs the emulator about four times slower than the same code
 * as ES modules: a Linux boot measured 78 M instructions in the first 10 s
 * of CPU against 360 M. So the worker's sources are bundled once per
 * process with esbuild (the compiler tsx itself uses) into one ES module;
 * the CommonJS hook stays the fallback when esbuild cannot be found.
 *
 * @module
 */

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { VmSpec } from './protocol.js';

/** The minimal part of esbuild's API used here. */
interface Esbuild {
  buildSync(options: Record<string, unknown>): { outputFiles: { text: string }[] };
}

let bundled: string | null | undefined;

/** Bundle `vm-worker.ts` (and everything it imports, from sources) into one ES module file; null if esbuild is missing. */
function workerBundle(entry: string, here: string): string | null {
  if (bundled !== undefined) return bundled;
  bundled = null;
  let esbuild: Esbuild;
  try {
    const tsx = createRequire(here).resolve('tsx');
    esbuild = createRequire(tsx)('esbuild') as Esbuild;
  } catch {
    return null;
  }
  const out = esbuild.buildSync({
    entryPoints: [entry],
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    conditions: ['source'],
    write: false,
    logLevel: 'silent',
    // Anything that still calls require() gets Node's.
    banner: { js: "import { createRequire as __vmCreateRequire } from 'node:module'; const require = __vmCreateRequire(import.meta.url);" },
  });
  const dir = mkdtempSync(join(tmpdir(), 'vm-host-worker-'));
  const file = join(dir, 'vm-worker.mjs');
  writeFileSync(file, out.outputFiles[0]!.text);
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  bundled = file;
  return file;
}

/** How a VM's worker is loaded: the built module, a bundle of the sources, or tsx's CommonJS hook (slow; the last resort). */
export type WorkerScript = { readonly kind: 'built' | 'bundle'; readonly file: string } | { readonly kind: 'cjs-hook'; readonly file: string };

/** The script VM workers start from in this process (bundling the sources on first use). */
export function workerScript(): WorkerScript {
  const here = import.meta.url;
  if (!here.endsWith('.ts')) return { kind: 'built', file: fileURLToPath(new URL('./vm-worker.js', here)) };
  const entry = fileURLToPath(new URL('./vm-worker.ts', here));
  const bundle = workerBundle(entry, here);
  return bundle !== null ? { kind: 'bundle', file: bundle } : { kind: 'cjs-hook', file: entry };
}

/** Start the worker that runs `spec`'s VM. */
export function spawnVmWorker(spec: VmSpec): Worker {
  const s = workerScript();
  if (s.kind !== 'cjs-hook') return new Worker(s.file, { workerData: spec, stdout: false, stderr: false });
  const tsx = createRequire(import.meta.url).resolve('tsx/cjs');
  const boot = `require(${JSON.stringify(tsx)}); require(${JSON.stringify(s.file)});`;
  return new Worker(boot, { eval: true, workerData: spec, execArgv: ['--conditions=source'], stdout: false, stderr: false });
}
