import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { TestGuests } from '../test/test-rom.js';
import { VmHost } from '../vmhost/vm-host.js';
import { ApiClient, ApiError } from './api-client.js';
import { API_SCHEMA } from './api-schema.js';
import { startApiServer } from './api-server.js';
import { formatStats, formatVmList, runClientCommand } from '../cli/host-commands.js';

const here = dirname(fileURLToPath(import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'vm-api-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function vmx(name: string, rom: Uint8Array, extra: Record<string, string> = {}): string {
  const romPath = join(dir, `${name}.rom`);
  writeFileSync(romPath, rom);
  const lines = { 'config.version': '8', displayName: name, memsize: '4', 'bios440.filename': romPath, ...extra };
  const p = join(dir, `${name}.vmx`);
  writeFileSync(p, Object.entries(lines).map(([k, v]) => `${k} = "${v}"`).join('\n') + '\n');
  return p;
}

const until = async (cond: () => Promise<boolean> | boolean, ms = 20_000): Promise<void> => {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 25));
  }
};

describe('management API', () => {
  it('lists, powers on and off, resets, suspends, streams the console and serves stats and its schema', async () => {
    const host = new VmHost({ poolMB: 64, pcpus: 2, swapDir: dir, periodMs: 100 });
    const api = await startApiServer(host, '127.0.0.1:0');
    try {
      host.addVmx(vmx('echo', TestGuests.echo()));
      host.addVmx(vmx('off', TestGuests.helloPowerOff('bye\n')));
      const c = new ApiClient(api.url);
      expect((await c.list()).map((v) => [v.name, v.state])).toEqual([
        ['echo', 'off'],
        ['off', 'off'],
      ]);
      expect((await c.start('echo')).state).toBe('on');
      await expect(c.start('echo')).rejects.toMatchObject({ status: 409 });
      await expect(c.start('nope')).rejects.toBeInstanceOf(ApiError);
      await until(async () => (await c.consoleText('echo')).includes('READY'));
      // Raw console stream: the backlog, then echoes of what we type.
      const sock = await c.openConsole('echo');
      let got = '';
      sock.on('data', (d: Buffer) => (got += d.toString('latin1')));
      sock.write('hello');
      await until(() => got.includes('READY\nhello'));
      sock.destroy();
      await c.consoleType('echo', 'X');
      await until(async () => (await c.consoleText('echo')).endsWith('helloX'));
      expect((await c.pause('echo')).state).toBe('paused');
      expect((await c.resume('echo')).state).toBe('on');
      expect((await c.suspend('echo')).state).toBe('suspended');
      expect((await c.resume('echo')).state).toBe('on');
      await c.consoleType('echo', 'Y');
      await until(async () => (await c.consoleText('echo')).endsWith('helloXY'));
      expect((await c.reset('echo')).resets).toBeGreaterThanOrEqual(0);
      // The guest that powers itself off.
      await c.start('off');
      await until(async () => (await c.list()).find((v) => v.name === 'off')!.state === 'off');
      expect((await c.list()).find((v) => v.name === 'off')!.lastEvent).toMatch(/ACPI S5/);
      // Soft stop of a guest without ACPI enabled: the board powers off at once.
      const soft = await c.stop('echo', true);
      expect(soft.state).toBe('off');
      expect(soft.lastEvent).toMatch(/power button/);
      const stats = await c.stats();
      expect(stats.host.length).toBeGreaterThan(0);
      expect(stats.vms['echo']!.length).toBeGreaterThan(0);
      expect(formatStats(stats.host.at(-1), { echo: stats.vms['echo']!.at(-1) })).toMatch(/echo\s+\d/);
      expect(formatVmList(await c.list())).toMatch(/^NAME\s+STATE/);
      expect(await c.call('GET', '/api/schema')).toEqual(JSON.parse(JSON.stringify(API_SCHEMA)));
      // The CLI client commands use the same API.
      let out = '';
      const io = { out: { write: (s: string) => (out += s) }, err: { write: () => true } };
      expect(await runClientCommand('ls', ['--host', api.url], io)).toBe(0);
      expect(out).toMatch(/echo\s+off/);
      out = '';
      expect(await runClientCommand('start', ['echo', '--host', api.url], io)).toBe(0);
      expect(out).toBe('echo: on\n');
    } finally {
      await api.close();
      await host.close();
    }
  }, 60_000);
});

describe('vm run a.vmx b.vmx (the command line)', () => {
  it('runs both VMs in one process, prefixes their console lines and exits 0 when both are off', () => {
    const a = vmx('alpha', TestGuests.helloPowerOff('hello from alpha\n'), { 'ethernet0.present': 'TRUE', 'ethernet0.networkName': 'net0' });
    const b = vmx('beta', TestGuests.helloPowerOff('hello from beta\n'), { 'ethernet0.present': 'TRUE', 'ethernet0.networkName': 'net0', 'ethernet0.virtualDev': 'e1000' });
    const r = spawnSync(process.execPath, ['--conditions=source', '--import', 'tsx', join(here, '..', 'cli', 'main.ts'), 'run', a, b], {
      cwd: join(here, '..', '..'),
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(r.stderr).toMatch(/alpha: powered off: ACPI S5/);
    expect(r.stdout).toContain('[alpha] hello from alpha');
    expect(r.stdout).toContain('[beta] hello from beta');
    expect(r.status).toBe(0);
  }, 70_000);
});

describe('vm host + vm ls/start/stats (the command line)', () => {
  it('serves an inventory folder; the client commands drive it; SIGTERM ends it with status 0', async () => {
    const inv = join(dir, 'inventory');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(join(inv, 'spinner'), { recursive: true });
    const romPath = join(inv, 'spinner', 'spin.rom');
    writeFileSync(romPath, TestGuests.spin());
    writeFileSync(join(inv, 'spinner', 'spinner.vmx'), `displayName = "spinner"\nmemsize = "4"\nbios440.filename = "spin.rom"\nsched.cpu.max = "30"\n`);
    const main = join(here, '..', 'cli', 'main.ts');
    const sock = join(dir, 'api.sock');
    const hostProc = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', main, 'host', inv, '--listen', `unix:${sock}`, '--pool', '32', '--pcpus', '1'], {
      cwd: join(here, '..', '..'),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    hostProc.stderr.on('data', (d: Buffer) => (err += d.toString()));
    try {
      await until(() => err.includes('API at'), 30_000);
      const vm = (...args: string[]): { status: number | null; stdout: string; stderr: string } => {
        const r = spawnSync(process.execPath, ['--conditions=source', '--import', 'tsx', main, ...args, '--host', `unix:${sock}`], { cwd: join(here, '..', '..'), encoding: 'utf8', timeout: 30_000 });
        return { status: r.status, stdout: r.stdout, stderr: r.stderr };
      };
      expect(vm('ls').stdout).toMatch(/spinner\s+off\s+4M\s+1000\s+0\s+30/);
      expect(vm('start', 'spinner')).toMatchObject({ status: 0, stdout: 'spinner: on\n' });
      await new Promise((r) => setTimeout(r, 2500));
      const stats = vm('stats', 'spinner', '--json');
      const samples = JSON.parse(stats.stdout) as { cpuUsedPct: number }[];
      expect(samples.length).toBeGreaterThan(0);
      expect(samples.at(-1)!.cpuUsedPct).toBeLessThanOrEqual(31);
      expect(vm('stop', 'nope')).toMatchObject({ status: 1 });
      expect(vm('stop', 'nope').stderr).toMatch(/no VM named "nope"/);
    } finally {
      hostProc.kill('SIGTERM');
      const code = await new Promise<number | null>((r) => hostProc.once('exit', (c) => r(c)));
      expect(code).toBe(0);
    }
  }, 90_000);
});
