/**
 * `vm host` (run a host over an inventory of `.vmx` files, serving the
 * management API), `vm run a.vmx b.vmx ...` (several VMs together in one
 * process) and the API clients `vm ls|start|stop|reset|suspend|resume|pause|console|stats`.
 *
 * @module
 */

import { readdirSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { loadVmxConfig } from '@vm/machine';
import { readFileSync } from 'node:fs';
import { ApiClient, DEFAULT_API } from '../api/api-client.js';
import { startApiServer } from '../api/api-server.js';
import { VmHost } from '../vmhost/vm-host.js';
import type { HostSample, VmInfo, VmSample } from '../vmhost/vm-types.js';
import type { RunOptions } from './run-args.js';
import { UsageError } from './run-args.js';

/** Where command output goes. */
export interface CommandIo {
  readonly out: { write(s: string): unknown };
  readonly err: { write(s: string): unknown };
}

/** Options of `vm host`. */
export interface HostArgs {
  /** `.vmx` files (and folders searched for them). */
  readonly inventory: readonly string[];
  /** API address. */
  readonly listen: string;
  /** Pool size, MB. */
  readonly poolMB: number;
  /** Physical CPUs. */
  readonly pcpus: number;
  /** Power every VM on at start. */
  readonly autostart: boolean;
  /** Swap file folder, or null for the default. */
  readonly swapDir: string | null;
  /** Idle-memory tax, 0..0.99. */
  readonly idleTax: number;
}

function num(flag: string, v: string | undefined, lo: number, hi: number): number {
  const n = Number(v);
  if (v === undefined || !Number.isFinite(n) || n < lo || n > hi) throw new UsageError(`${flag} ${v ?? ''}: expected a number from ${lo} to ${hi}`);
  return n;
}

/** Parse the arguments of `vm host`. */
export function parseHostArgs(argv: readonly string[]): HostArgs {
  const inventory: string[] = [];
  let listen = '127.0.0.1:8307';
  let poolMB = 1024;
  let pcpus = Math.max(1, availableParallelism());
  let autostart = false;
  let swapDir: string | null = null;
  let idleTax = 0.75;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const v = (): string => {
      const x = argv[++i];
      if (x === undefined) throw new UsageError(`${a} needs a value`);
      return x;
    };
    if (a === '--listen') listen = v();
    else if (a === '--pool') poolMB = num(a, v().replace(/M(i?B)?$/i, ''), 8, 2047);
    else if (a === '--pcpus') pcpus = Math.floor(num(a, v(), 1, 256));
    else if (a === '--autostart') autostart = true;
    else if (a === '--swap-dir') swapDir = v();
    else if (a === '--idle-tax') idleTax = num(a, v().replace(/%$/, ''), 0, 99) / 100;
    else if (a.startsWith('--')) throw new UsageError(`unknown option ${a} (see vm --help)`);
    else inventory.push(a);
  }
  if (inventory.length === 0) throw new UsageError('vm host needs .vmx files or folders holding them');
  return { inventory, listen, poolMB, pcpus, autostart, swapDir, idleTax };
}

/** The `.vmx` files named, with folders searched (one level of subfolders, as datastores hold one folder per VM). */
export function findVmxFiles(paths: readonly string[]): string[] {
  const out: string[] = [];
  const walk = (p: string, depth: number): void => {
    let st;
    try {
      st = statSync(p);
    } catch {
      throw new UsageError(`no such file or folder: ${p}`);
    }
    if (st.isDirectory()) {
      if (depth > 1) return;
      for (const e of readdirSync(p).sort()) {
        const q = join(p, e);
        if (e.endsWith('.vmx') || (depth < 1 && statSync(q).isDirectory())) walk(q, depth + 1);
      }
    } else out.push(p);
  };
  for (const p of paths) walk(p, 0);
  return out;
}

function waitForSignal(): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      process.off('SIGINT', done);
      process.off('SIGTERM', done);
      resolve();
    };
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
  });
}

/** `vm host`: run until SIGINT/SIGTERM; returns the exit status. */
export async function runHostCommand(args: HostArgs, io: CommandIo): Promise<number> {
  const host = new VmHost({
    poolMB: args.poolMB,
    pcpus: args.pcpus,
    idleTax: args.idleTax,
    ...(args.swapDir ? { swapDir: args.swapDir } : {}),
    onEvent: (vm, e) => io.err.write(`vm host: ${vm}: ${e}\n`),
  });
  try {
    for (const f of findVmxFiles(args.inventory)) host.addVmx(f, (m) => io.err.write(`vm host: ${m}\n`));
    const api = await startApiServer(host, args.listen);
    io.err.write(`vm host: ${host.list().length} VMs, ${args.poolMB} MB pool, ${args.pcpus} CPUs; API at ${api.url}\n`);
    if (args.autostart) {
      for (const v of host.list()) {
        await host.start(v.name).catch((e: unknown) => io.err.write(`vm host: ${(e as Error).message}\n`));
      }
    }
    await waitForSignal();
    await api.close();
    return 0;
  } finally {
    await host.close();
  }
}

/**
 * `vm run a.vmx b.vmx ...`: the VMs run together in one host (each in its
 * worker, NICs on VMnets by `ethernetN.networkName`). Consoles go to each
 * `serial0.fileName`, else to stdout with the VM's name before each line.
 * Returns when every VM is off (0) or on Ctrl-C; 1 if a VM crashed.
 */
export async function runManyVms(o: RunOptions, io: CommandIo, listen: string | null = null): Promise<number> {
  const sizes = o.vmx.map((p) => {
    try {
      return loadVmxConfig(readFileSync(p, 'utf8'), () => undefined).memsize;
    } catch (e) {
      throw new UsageError(`cannot read .vmx ${p}: ${(e as Error).message}`);
    }
  });
  const poolMB = Math.min(2047, sizes.reduce((s, m) => s + (o.memoryMiB ?? m) + 8, 16));
  const partial = new Map<string, string>();
  const host = new VmHost({
    poolMB,
    pcpus: Math.max(1, availableParallelism()),
    consoleSink: (vm, bytes) => {
      const chunk = Buffer.from(bytes).toString('latin1');
      const text = (partial.get(vm) ?? '') + chunk;
      // Nobody types at these consoles: answer busybox's cursor-position query as a terminal would, so its prompt appears.
      if (chunk.includes('\x1b[6n')) host.consoleIn(vm, Buffer.from('\x1b[1;1R'));
      const lines = text.split('\n');
      partial.set(vm, lines.pop()!);
      for (const l of lines) io.out.write(`[${vm}] ${l.replace(/\r$/, '').split('\x1b[6n').join('')}\n`);
    },
    onEvent: (vm, e) => io.err.write(`vm: ${vm}: ${e}\n`),
  });
  let crashed = false;
  try {
    const names = o.vmx.map((p) => host.addVmx(p, (m) => io.err.write(`vm: ${m}\n`)));
    const api = listen !== null ? await startApiServer(host, listen) : null;
    if (api) io.err.write(`vm: API at ${api.url}\n`);
    for (const n of names) await host.start(n);
    const interrupted = waitForSignal().then(() => true);
    for (;;) {
      const states = host.list().map((v) => v.state);
      if (states.every((s) => s === 'off' || s === 'crashed')) {
        crashed = states.includes('crashed');
        break;
      }
      const stop = await Promise.race([interrupted, new Promise<boolean>((r) => setTimeout(() => r(false), 200))]);
      if (stop) break;
    }
    await api?.close();
  } finally {
    await host.close();
  }
  return crashed ? 1 : 0;
}

function pad(s: string | number, n: number): string {
  const t = String(s);
  return t.length >= n ? t + ' ' : t + ' '.repeat(n - t.length);
}

/** `vm ls` as a table. */
export function formatVmList(vms: readonly VmInfo[]): string {
  const head = pad('NAME', 20) + pad('STATE', 10) + pad('MEM', 7) + pad('CPU SHARES', 11) + pad('MIN%', 6) + pad('MAX%', 6) + 'LAST EVENT';
  return [head, ...vms.map((v) => pad(v.name, 20) + pad(v.state, 10) + pad(v.memsizeMB + 'M', 7) + pad(v.cpu.shares, 11) + pad(v.cpu.minPct, 6) + pad(v.cpu.maxPct ?? '-', 6) + (v.lastEvent ?? ''))].join('\n') + '\n';
}

/** `vm stats` as a table of the latest samples. */
export function formatStats(host: HostSample | undefined, vms: Record<string, VmSample | undefined>): string {
  const f = (x: number): string => x.toFixed(1);
  const lines: string[] = [];
  if (host) {
    lines.push(
      `host: pool ${host.poolMB} MB, used ${f(host.usedMB)} MB, free ${f(host.freeMB)} MB; guest memory ${host.guestMB} MB of ${host.vmsOn} VMs; ` +
        `shared ${f(host.sharedGuestMB)} MB on ${f(host.sharedMachineMB)} MB; CPU ${f(host.cpuUsedPct)}%`,
    );
  }
  lines.push(pad('NAME', 16) + ['USED%', 'RDY%', 'ENT%', 'GRANTED', 'RESIDENT', 'SHARED', 'BALLOON', 'SWAPPED', 'ACTIVE'].map((h) => pad(h, 9)).join(''));
  for (const [name, s] of Object.entries(vms)) {
    if (!s) continue;
    const m = s.mem;
    lines.push(pad(name, 16) + [f(s.cpuUsedPct), f(s.cpuReadyPct), f(s.entitlementPct), f(m.grantedMB), f(m.residentMB), f(m.sharedMB), f(m.balloonedMB), f(m.swappedMB), f(m.activeMB)].map((x) => pad(x, 9)).join(''));
  }
  return lines.join('\n') + '\n';
}

/** The API address: `--host URL` in `argv` (removed from it), `$VM_HOST`, or the default. */
export function takeHostUrl(argv: string[]): string {
  const i = argv.indexOf('--host');
  if (i >= 0) {
    const v = argv[i + 1];
    if (v === undefined) throw new UsageError('--host needs a URL (http://HOST:PORT or unix:PATH)');
    argv.splice(i, 2);
    return v;
  }
  return process.env['VM_HOST'] ?? DEFAULT_API;
}

/** Commands that talk to a running host. */
export const CLIENT_COMMANDS = ['ls', 'start', 'stop', 'reset', 'suspend', 'resume', 'pause', 'console', 'stats'] as const;

/** Run one API client command; returns the exit status. */
export async function runClientCommand(cmd: string, rest: readonly string[], io: CommandIo): Promise<number> {
  const argv = [...rest];
  const api = new ApiClient(takeHostUrl(argv));
  const json = argv.includes('--json');
  const args = argv.filter((a) => a !== '--json' && a !== '--soft');
  const needName = (): string => {
    const n = args[0];
    if (n === undefined) throw new UsageError(`vm ${cmd} needs a VM name (see vm ls)`);
    return n;
  };
  switch (cmd) {
    case 'ls': {
      const vms = await api.list();
      io.out.write(json ? JSON.stringify(vms, null, 2) + '\n' : formatVmList(vms));
      return 0;
    }
    case 'start':
    case 'reset':
    case 'suspend':
    case 'resume':
    case 'pause': {
      const v = await api[cmd](needName());
      io.out.write(`${v.name}: ${v.state}\n`);
      return 0;
    }
    case 'stop': {
      const v = await api.stop(needName(), argv.includes('--soft'));
      io.out.write(`${v.name}: ${v.state}${v.lastEvent ? ` (${v.lastEvent})` : ''}\n`);
      return 0;
    }
    case 'stats': {
      const s = await api.stats();
      if (json) {
        io.out.write(JSON.stringify(args[0] ? s.vms[args[0]] : s, null, 2) + '\n');
        return 0;
      }
      const latest: Record<string, VmSample | undefined> = {};
      for (const [n, list] of Object.entries(s.vms)) if (!args[0] || n === args[0]) latest[n] = list.at(-1);
      io.out.write(formatStats(s.host.at(-1), latest));
      return 0;
    }
    case 'console':
      return attachConsole(api, needName(), io);
    default:
      throw new UsageError(`unknown command "${cmd}"`);
  }
}

/** `vm console NAME`: the terminal in raw mode on the VM's first serial port; Ctrl-A x quits, Ctrl-A a sends Ctrl-A. */
async function attachConsole(api: ApiClient, name: string, io: CommandIo): Promise<number> {
  const sock = await api.openConsole(name);
  const stdin = process.stdin;
  const raw = stdin.isTTY === true;
  if (raw) stdin.setRawMode(true);
  io.err.write(`vm: console of ${name} (Ctrl-A x quits)\r\n`);
  return new Promise<number>((resolve) => {
    let escape = false;
    const finish = (): void => {
      stdin.off('data', onKey);
      if (raw) stdin.setRawMode(false);
      stdin.pause();
      sock.destroy();
      resolve(0);
    };
    const onKey = (d: Buffer): void => {
      const out: number[] = [];
      for (const b of d) {
        if (escape) {
          escape = false;
          if (b === 0x78) return finish();
          out.push(b === 0x61 ? 0x01 : b);
        } else if (b === 0x01 && raw) escape = true;
        else out.push(b);
      }
      if (out.length > 0) sock.write(Buffer.from(out));
    };
    sock.on('data', (d: Buffer) => process.stdout.write(d));
    sock.on('close', finish);
    stdin.on('data', onKey);
    stdin.resume();
  });
}
