import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createPc, loadFirmware } from '@vm/machine';
import { GARBAGE_TO_EVERY_PORT, SPIN_WITH_INTERRUPTS_OFF, TRIPLE_FAULT, testRom } from './test-rom.js';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

describe('a hostile guest stays inside its VM', () => {
  it('a triple fault resets the machine, and the reset guest runs again', () => {
    const pc = createPc({ memoryMB: 16, firmwareBoot: true });
    loadFirmware(pc, testRom(TRIPLE_FAULT));
    pc.machine.runUntil({ instructions: 1000, until: (m) => m.resets.count >= 2 });
    expect(pc.machine.resets.count).toBeGreaterThanOrEqual(2);
    expect(pc.machine.resets.lastReason).toMatch(/triple fault/);
    pc.machine.destroy();
  });

  it('garbage written to every port in every width never reaches the host', () => {
    const pc = createPc({ memoryMB: 16, firmwareBoot: true });
    loadFirmware(pc, testRom(GARBAGE_TO_EVERY_PORT));
    // 65,536 iterations of 12 instructions, whatever the devices make of it (resets included)
    expect(() => pc.machine.runUntil({ instructions: 1_000_000 })).not.toThrow();
    expect(pc.machine.cpu!.retired).toBeGreaterThan(0);
    pc.machine.destroy();
  });

  it('`vm run` keeps answering Ctrl-A x while the guest spins with interrupts off', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vm-spin-'));
    const rom = join(dir, 'spin.rom');
    writeFileSync(rom, testRom(SPIN_WITH_INTERRUPTS_OFF));
    const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=source', join(repo, 'packages/host/src/cli/main.ts'), 'run', '--bios', rom, '--memory', '16'], {
      cwd: repo,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    // let it spin for a while, then quit
    await new Promise((r) => setTimeout(r, 3000));
    const started = Date.now();
    child.stdin.write(Buffer.from([0x01, 0x78]));
    const timeout = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 10_000));
    const code = await Promise.race([exited, timeout]);
    if (code === 'timeout') child.kill('SIGKILL');
    expect(code, stderr).toBe(0);
    expect(Date.now() - started).toBeLessThan(5000);
  });
});
