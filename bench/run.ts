// Runs the benchmarks: `pnpm bench` (mmu and cpu), `pnpm bench -- boot` (the boot
// bench against v86 and QEMU, minutes per round), `pnpm bench -- net` (VM-to-VM
// ping and throughput, one Linux boot), `pnpm bench -- disk` (SCSI disk MB/s inside
// a booted guest, one boot), or any list of mmu, cpu, boot, net, disk.
// Packages are used as built (dist/), never through a dev-time transform, so the
// numbers are what users get. Each bench runs in its own process.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const benches: Record<string, { file: string; args: string[] }> = {
  mmu: { file: 'mmu/ram-access.bench.ts', args: [] },
  cpu: { file: 'cpu/ips.bench.ts', args: [] },
  boot: { file: 'boot/run.ts', args: [] },
  net: { file: 'net/run.ts', args: [] },
  disk: { file: 'disk/run.ts', args: [] },
};

const args = process.argv.slice(2).filter((a) => a !== '--');
const names = args.filter((a) => !a.startsWith('-'));
const passThrough = args.filter((a) => a.startsWith('-'));
const selected = names.length > 0 ? names : ['mmu', 'cpu'];
let failed = 0;
for (const name of selected) {
  const b = benches[name];
  if (!b) {
    console.error(`unknown bench "${name}" (have: ${Object.keys(benches).join(', ')})`);
    failed++;
    continue;
  }
  console.log(`\n=== bench ${name}`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(here, b.file), ...b.args, ...(name === 'boot' || name === 'disk' ? passThrough : [])], {
    stdio: 'inherit',
    cwd: here,
  });
  if (r.status !== 0) failed++;
}
process.exit(failed === 0 ? 0 : 1);
