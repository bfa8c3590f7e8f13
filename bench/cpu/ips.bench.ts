// Guest instructions per second of @vm/cpu-x86 on a fixed mix, for both engines
// (the interpreter and the block translator), and the translator's speed-up.
// Run: cd bench && node --import tsx --conditions=source cpu/ips.bench.ts
// Environment: BENCH_SECONDS (3), BENCH_ONLY (one kernel), BENCH_ENGINE (interpreter|translator).
//
// Rates are per second of this process's CPU time.
// The guest runs in flat 32-bit protected mode with paging on (identity map,
// so every access goes through the software TLB), on RAM-only memory.
import { Cr0 } from '@vm/cpu-x86';
import { createTestMachine, enterFlatProtectedMode, loadBytes } from '@vm/cpu-x86/test';

const d = (v: number): number[] => [v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, (v >>> 24) & 0xff];

// Each kernel loops forever; the harness measures retired instructions per second.
const kernels: Record<string, number[]> = {
  // L: add eax,ecx; xor edx,eax; shl edx,1; lea ebx,[ebx+edx*2+3]; dec ecx; jnz L; mov ecx,1000000; jmp L
  integer: [0x01, 0xc8, 0x31, 0xc2, 0xd1, 0xe2, 0x8d, 0x5c, 0x53, 0x03, 0x49, 0x75, 0xf3, 0xb9, ...d(1000000), 0xeb, 0xec],
  // mov esi,0x100000; mov edi,0x200000; mov ecx,16384; L: mov eax,[esi]; mov [edi],eax; add esi,4; add edi,4; dec ecx; jnz L; jmp start
  memcopy: [0xbe, ...d(0x100000), 0xbf, ...d(0x200000), 0xb9, ...d(16384), 0x8b, 0x06, 0x89, 0x07, 0x83, 0xc6, 0x04, 0x83, 0xc7, 0x04, 0x49, 0x75, 0xf3, 0xeb, 0xe2],
  // mov esi,0x100000; mov edi,0x200000; mov ecx,16384; rep movsd; mov edi,0x300000; mov ecx,65536; xor eax,eax; rep stosb; mov edi,0x300000; mov ecx,65536; repne scasb(al=0 -> stops at once: use al=1) ; jmp start
  string: [0xbe, ...d(0x100000), 0xbf, ...d(0x200000), 0xb9, ...d(16384), 0xf3, 0xa5, 0xbf, ...d(0x300000), 0xb9, ...d(65536), 0x31, 0xc0, 0xf3, 0xaa,
    0xbf, ...d(0x300000), 0xb9, ...d(65536), 0xb0, 0x01, 0xf2, 0xae, 0xeb, 0xd1],
};

type Engine = 'interpreter' | 'translator';

function machine(code: number[], engine: Engine) {
  const m = createTestMachine({ ramSize: 0x800000, engine });
  const cpu = m.cpu;
  enterFlatProtectedMode(cpu);
  // identity-map 8 MiB with 4 KiB pages
  const pd = 0x700000;
  for (let t = 0; t < 2; t++) {
    const pt = 0x701000 + t * 0x1000;
    m.memory.write32(pd + t * 4, pt | 7);
    for (let i = 0; i < 1024; i++) m.memory.write32(pt + i * 4, (((t << 10) | i) << 12) | 7);
  }
  cpu.cr3 = pd;
  cpu.cr0 |= Cr0.PG;
  cpu.flushTlbAll();
  loadBytes(m.memory, 0x1000, code);
  cpu.eip = 0x1000;
  cpu.reg32[4] = 0x80000;
  cpu.reg32[1] = 1000000;
  return m;
}

/** Retired instructions in one pass of a kernel (from 0x1000 back to 0x1000). */
function perPass(code: number[]): number {
  const m = machine(code, 'interpreter');
  let n = 0;
  do n += m.cpu.run(1);
  while (m.cpu.eip !== 0x1000 && n < 10_000_000);
  return n;
}

function measure(name: string, code: number[], seconds: number, engine: Engine): number {
  const m = machine(code, engine);
  // warm up (JIT tiers of the host engine)
  for (let i = 0; i < 20; i++) m.cpu.run(100_000);
  let n = 0;
  // CPU time of this process, so a loaded machine distorts the figure less than wall time
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  let t = t0;
  while (t - t0 < seconds * 1000) {
    n += m.cpu.run(1_000_000);
    t = performance.now();
  }
  const c = process.cpuUsage(c0);
  const ips = n / ((c.user + c.system) / 1e6);
  if (m.cpu.runState !== 0) throw new Error(`${name}: the guest stopped (run state ${m.cpu.runState})`);
  if (name === 'string') {
    // a REP instruction retires once per 4096 iterations: report guest bytes per second
    const passes = n / perPass(code);
    const mbs = (passes * (65536 * 3)) / ((c.user + c.system) / 1e6) / 1e6;
    console.log(`${engine.padEnd(11)} ${name.padEnd(8)} ${mbs.toFixed(0).padStart(7)} MB/s of REP MOVSD + STOSB + SCASB`);
    return mbs * 1e6;
  }
  console.log(`${engine.padEnd(11)} ${name.padEnd(8)} ${(ips / 1e6).toFixed(1).padStart(7)} M instructions/s`);
  return ips;
}

const secs = Number(process.env.BENCH_SECONDS ?? 3);
const only = process.env.BENCH_ONLY;
const engines: Engine[] = process.env.BENCH_ENGINE ? [process.env.BENCH_ENGINE as Engine] : ['interpreter', 'translator'];
for (const k of Object.keys(kernels)) {
  if (only && k !== only) continue;
  const r = engines.map((e) => measure(k, kernels[k]!, secs, e));
  if (r.length === 2) console.log(`${''.padEnd(11)} ${k.padEnd(8)} translator / interpreter = ${(r[1]! / r[0]!).toFixed(2)}x`);
}
