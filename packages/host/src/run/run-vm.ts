import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { CharBackend } from '@vm/bus';
import { bootLinux, createPc, loadFirmware, loadVmxConfig } from '@vm/machine';
import type { MachineConfig, Pc, PcOptions } from '@vm/machine';
import type { FileSystemLike } from '@vm/vdisk';
import { NodeFileSystem } from '@vm/vdisk/node';
import type { RunOptions, SerialTarget } from '../cli/run-args.js';
import { UsageError } from '../cli/run-args.js';
import { FileConsole } from '../console/file-console.js';
import type { SerialConsole } from '../console/serial-console.js';
import { SocketConsole } from '../console/socket-console.js';
import { TerminalConsole } from '../console/terminal-console.js';
import { openCommandLineDisks, openVmxDisks } from './scsi-disks.js';
import type { AttachedDisks } from './scsi-disks.js';

/** How a run ended. */
export interface RunOutcome {
  /** Why it stopped. */
  readonly reason: 'power-off' | 'quit' | 'time-limit' | 'idle';
  /** The process exit code to use. */
  readonly exitCode: number;
}

/** A machine built from the command line or a `.vmx`, with its consoles and open disks. */
export interface Prepared {
  readonly pc: Pc;
  readonly consoles: SerialConsole[];
  /** The SCSI disks; closed (flushed) by {@link closePrepared}. */
  readonly disks: AttachedDisks;
}

/** What a run needs from the host; tests substitute their own. */
export interface RunHost {
  /** Where disk images are opened (default the Node file system). */
  readonly fs?: FileSystemLike;
  /** Warnings about the configuration (default stderr). */
  readonly warn?: (message: string) => void;
}

/** Where `.vmx` extras come from when preparing a machine. */
export interface PrepareExtra {
  /** The parsed `.vmx`. */
  readonly vmx?: MachineConfig;
  /** The `.vmx`'s folder: relative file names in it are resolved there. */
  readonly baseDir?: string;
  /** The first serial port's host end, instead of the one `--serial` names (a host's console relay). */
  readonly serial0?: SerialConsole | null;
  /** Further PC options (a host's shared pool, swap file, NICs, the VMware devices). */
  readonly pc?: Pick<PcOptions, 'pool' | 'swap' | 'vmware' | 'nics' | 'onTripleFault' | 'clock'>;
}

const stderrWarn = (message: string): void => {
  process.stderr.write(`vm: ${message}\n`);
};

/**
 * Tear down a prepared machine: close its consoles, destroy the machine, then
 * flush and close every disk (even when something before failed).
 */
export async function closePrepared(p: Prepared): Promise<void> {
  try {
    for (const c of p.consoles) c.close();
    p.pc.machine.destroy();
  } finally {
    await p.disks.close();
  }
}

function openConsole(target: SerialTarget, onQuit: () => void): SerialConsole | null {
  switch (target.kind) {
    case 'stdio':
      return new TerminalConsole(onQuit);
    case 'file':
      return new FileConsole(target.path);
    case 'socket':
      return new SocketConsole(target.address);
    default:
      return null;
  }
}

function readFile(path: string, what: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (e) {
    throw new UsageError(`cannot read ${what} ${path}: ${(e as Error).message}`);
  }
}

/** The guest's default command line when none is given: the first serial port is the console. */
export const DEFAULT_APPEND = 'console=ttyS0';

/**
 * Build a PC from `vm run` options (direct kernel boot or a firmware image)
 * and, with a `.vmx`, its settings: disks are opened first (the `.vmx`'s
 * scsiN:M, or `--disk`), and closed again if anything after fails.
 */
export async function prepareFromOptions(o: RunOptions, onQuit: () => void, extra: PrepareExtra = {}, host: RunHost = {}): Promise<Prepared> {
  const fs = host.fs ?? new NodeFileSystem();
  const disks = extra.vmx
    ? await openVmxDisks(extra.vmx, extra.baseDir ?? '.', fs, host.warn ?? stderrWarn)
    : await openCommandLineDisks(o.disks, fs);
  const consoles: SerialConsole[] = [];
  try {
    return { pc: buildPc(o, onQuit, extra, disks, consoles), consoles, disks };
  } catch (e) {
    for (const c of consoles) c.close();
    await disks.close().catch(() => undefined);
    throw e;
  }
}

function buildPc(o: RunOptions, onQuit: () => void, extra: PrepareExtra, disks: AttachedDisks, consoles: SerialConsole[]): Pc {
  const serial: (CharBackend | null)[] = [];
  const first = extra.serial0 !== undefined ? extra.serial0 : openConsole(o.serial, onQuit);
  if (first) consoles.push(first);
  serial.push(first);
  const vmx = extra.vmx;
  if (vmx) {
    for (const port of vmx.serial) {
      if (!port.present || port.index === 0) continue;
      if (port.fileType === 'file' && port.fileName) {
        const c = new FileConsole(resolve(extra.baseDir ?? '.', port.fileName));
        consoles.push(c);
        serial[port.index] = c;
      }
    }
  }
  const debugcon = o.debugcon ? new FileConsole(o.debugcon) : null;
  if (debugcon) consoles.push(debugcon);
  const postFile = o.post ? new FileConsole(o.post) : null;
  if (postFile) consoles.push(postFile);
  const base = extra.baseDir ?? '.';
  const bios = o.bios ?? (vmx?.biosFile ? resolve(base, vmx.biosFile) : null);
  const pc = createPc({
    name: vmx?.displayName ?? 'vm',
    firmwareBoot: bios !== null,
    memoryMB: o.memoryMiB ?? vmx?.memsize ?? 128,
    serial,
    debugcon,
    post: postFile ? (code) => postFile.writeByte(code) : null,
    // The RTC starts at the host's time of day, like a PC's battery-backed clock.
    startTime: Math.floor(Date.now() / 1000),
    clock: o.clock === 'realtime' ? { mode: 'realtime', hostNowMs: () => performance.now(), maxStepNs: 100_000_000 } : { mode: 'deterministic', nsPerInstruction: 1 },
    scsi: disks.scsi,
    cpuEngine: o.engine,
    ...(extra.pc ?? {}),
  });
  const kernel = o.kernel ?? (vmx?.boot ? resolve(base, vmx.boot.kernel) : null);
  try {
    if (bios) loadFirmware(pc, readFile(bios, 'firmware'));
    else if (kernel) {
      const initrdPath = o.initrd ?? (vmx?.boot?.initrd ? resolve(base, vmx.boot.initrd) : null);
      bootLinux(pc, readFile(kernel, 'kernel'), initrdPath ? readFile(initrdPath, 'initrd') : undefined, o.append ?? vmx?.boot?.cmdline ?? DEFAULT_APPEND);
    } else throw new UsageError('nothing to boot: give --kernel (direct Linux boot), --bios (a firmware image) or a .vmx that names one');
  } catch (e) {
    pc.machine.destroy();
    throw e;
  }
  return pc;
}

/** Load a `.vmx` and build its PC (disks from its scsiN:M entries, relative to its folder). */
export async function prepareFromVmx(path: string, o: RunOptions, onQuit: () => void, host: RunHost = {}): Promise<Prepared> {
  const text = readFile(path, '.vmx').toString();
  const warn = host.warn ?? stderrWarn;
  const config = loadVmxConfig(text, (d) => warn(`${path}: ${d.message}`));
  return prepareFromOptions(o, onQuit, { vmx: config, baseDir: dirname(resolve(path)) }, { ...host, warn });
}

/**
 * Run until the guest powers off (exit code 0), the user types Ctrl-A x, or
 * the time limit passes. Guest faults never end the process: a triple fault
 * resets the VM, as on a PC. However the run ends, every disk is flushed and
 * closed before this resolves (or rejects).
 */
export async function runVm(o: RunOptions, host: RunHost = {}): Promise<RunOutcome> {
  const abort = new AbortController();
  let quit = false;
  const onQuit = (): void => {
    quit = true;
    abort.abort();
  };
  if (o.vmx.length > 1) throw new UsageError('several .vmx files at once need virtual networking (not built yet): run one .vmx');
  const prepared = o.vmx.length === 1 ? await prepareFromVmx(o.vmx[0]!, o, onQuit, host) : await prepareFromOptions(o, onQuit, {}, host);
  const { pc, consoles } = prepared;
  const machine = pc.machine;
  for (const c of consoles) c.onInput = () => machine.kick();
  const flush = setInterval(() => {
    for (const c of consoles) c.flush();
  }, 25);
  const stopSignals = (): void => onQuit();
  process.once('SIGINT', stopSignals);
  process.once('SIGTERM', stopSignals);
  let limitTimer: NodeJS.Timeout | null = null;
  let timedOut = false;
  if (o.timeLimitSeconds > 0 && o.clock === 'realtime') {
    limitTimer = setTimeout(() => {
      timedOut = true;
      abort.abort();
    }, o.timeLimitSeconds * 1000);
  }
  try {
    if (o.clock === 'deterministic') {
      const limitNs = o.timeLimitSeconds > 0 ? o.timeLimitSeconds * 1e9 : Infinity;
      for (;;) {
        const r = machine.runUntil({ timeNs: Math.min(limitNs, machine.clock.now() + 50_000_000) });
        for (const c of consoles) c.flush();
        if (r.stop === 'power-off') return { reason: 'power-off', exitCode: machine.powerOffInfo?.code ?? 0 };
        if (quit) return { reason: 'quit', exitCode: 0 };
        if (machine.clock.now() >= limitNs) return { reason: 'time-limit', exitCode: 3 };
        if (r.stop === 'idle') return { reason: 'idle', exitCode: 4 };
        await new Promise((res) => setImmediate(res));
      }
    }
    const r = await machine.run({ signal: abort.signal });
    if (r.stop === 'power-off') return { reason: 'power-off', exitCode: machine.powerOffInfo?.code ?? 0 };
    if (timedOut) return { reason: 'time-limit', exitCode: 3 };
    return { reason: 'quit', exitCode: 0 };
  } finally {
    clearInterval(flush);
    if (limitTimer) clearTimeout(limitTimer);
    process.off('SIGINT', stopSignals);
    process.off('SIGTERM', stopSignals);
    await closePrepared(prepared);
  }
}
