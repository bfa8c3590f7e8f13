// The README's snippets, kept runnable.
import { describe, expect, it } from 'vitest';
import { formatDiagnostic, Machine, readVmxConfig, saveVmxConfig } from './index.js';
import { DebugExitDevice, LevelInterruptController, ScriptedCpu } from './test/index.js';

describe('README', () => {
  it('a machine in twenty lines', () => {
    const machine = new Machine({ name: 'demo', memoryMB: 4 });
    const pic = new LevelInterruptController(machine.cpuIntr, 0x20, 16);
    for (let n = 0; n < 16; n++) machine.irq.attach(n, pic.inputs[n]!);
    machine.setInterruptController(pic);
    machine.addDevice(new DebugExitDevice(machine.platform, 0xf4));
    machine.attachCpu(
      (platform) =>
        new ScriptedCpu(platform, [
          { op: 'nop', count: 1000 },
          { op: 'out', port: 0xf4, value: 42 },
        ]),
    );
    const result = machine.runUntil({});
    expect([result.stop, machine.powerOffInfo, machine.clock.now()]).toEqual(['power-off', { reason: 'debug exit port', code: 42 }, 1001]);
  });

  it('.vmx files', () => {
    const r = readVmxConfig('memsize = "256"\nnumvcpus = "2"\nscsi0.present = "TRUE"\nscsi0.virtualDev = "lsilogic"\n');
    if (!r.ok) throw new Error(r.diagnostics.map(formatDiagnostic).join('\n'));
    expect(r.config!.memsize).toBe(256);
    expect(saveVmxConfig(r.config!)).toContain('scsi0.virtualDev = "lsilogic"\n');
  });
});
