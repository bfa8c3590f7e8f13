import { CpuRunState, StateError } from '@vm/bus';
import type { Device, DeviceContext, DeviceState, IrqLine, PortIoHandler, RealizeResult, Timer } from '@vm/bus';
import { MachinePagePool } from '@vm/mmu';
import { describe, expect, it } from 'vitest';
import { Machine, MachineError } from './machine.js';
import { buildTestMachine, DebugExitDevice, ScriptedCpu } from './test/index.js';
import type { ScriptStep } from './test/index.js';

/**
 * A countdown timer for the tests: write a 16-bit microsecond count to
 * port base+0 to start it; when it expires it raises its IRQ and sets
 * status bit 0 (port base+2); writing base+2 acknowledges and lowers the IRQ.
 */
class Countdown implements Device, PortIoHandler {
  readonly stateName = 'countdown';
  readonly stateVersion = 1;
  expired = false;
  fires: number[] = [];
  resets = 0;
  private timer: Timer | null = null;
  private now: () => number = () => 0;
  constructor(
    readonly name: string,
    private readonly irq: IrqLine,
    private readonly base: number,
  ) {}
  realize(ctx: DeviceContext): RealizeResult {
    ctx.ports.register(this.base, 4, this, this.name);
    this.now = () => ctx.clock.now();
    this.timer = ctx.timers.createTimer(this.name, (t) => {
      this.fires.push(t);
      this.expired = true;
      this.irq.raise();
    });
    return { ok: true };
  }
  read8(offset: number): number {
    return offset === 2 ? (this.expired ? 1 : 0) : 0xff;
  }
  write8(offset: number, value: number): void {
    if (offset === 2) {
      this.expired = false;
      this.irq.lower();
    } else if (offset === 0) this.timer!.arm(this.now() + (value & 0xff) * 1000);
  }
  write16(offset: number, value: number): void {
    if (offset === 0) this.timer!.arm(this.now() + (value & 0xffff) * 1000);
    else this.write8(offset, value & 0xff);
  }
  reset(): void {
    this.resets++;
    this.expired = false;
    this.timer!.disarm();
    this.irq.lower();
  }
  destroy(): void {
    this.timer?.disarm();
  }
  snapshot(): DeviceState {
    return { name: this.stateName, version: 1, fields: { expired: this.expired } };
  }
  restore(state: DeviceState): void {
    if (state.name !== this.stateName) throw new StateError('not a countdown state');
    this.expired = state.fields.expired === true;
  }
}

/** sti; start a 100 us countdown; hlt; ack; exit with code 7. */
const WAIT_PROGRAM: ScriptStep[] = [
  { op: 'sti' },
  { op: 'out', port: 0x300, value: 100, width: 2 },
  { op: 'hlt' },
  { op: 'in', port: 0x302 },
  { op: 'out', port: 0x302, value: 0 },
  { op: 'out', port: 0xf4, value: 7 },
];

function withCountdown(program: ScriptStep[], options = {}) {
  const t = buildTestMachine(program, options);
  const dev = t.machine.addDevice(new Countdown('countdown0', t.machine.irq.line(5, 'countdown0'), 0x300));
  return { ...t, dev };
}

describe('Machine run loop (deterministic)', () => {
  it('runs the CPU, skips halted time to the timer, delivers the IRQ and powers off on request', () => {
    const { machine, cpu, dev } = withCountdown(WAIT_PROGRAM);
    const r = machine.runUntil({ maxSlices: 100 });
    expect(r.stop).toBe('power-off');
    expect(machine.powerOffInfo).toEqual({ reason: 'debug exit port', code: 7 });
    // The OUT executes after one instruction (sti) at 1 ns each: deadline 1 ns + 100 us.
    expect(dev.fires).toEqual([1 + 100_000]);
    expect(cpu.vectors).toEqual([0x25]);
    expect(cpu.inputs).toEqual([1]);
    expect(machine.irq.level(5)).toBe(false);
    expect(machine.clock.now()).toBeGreaterThanOrEqual(100_001);
    expect(machine.runSlice().stop).toBe('power-off');
  });

  it('is deterministic: two runs give the same times and instruction counts', () => {
    const once = () => {
      const { machine, cpu, dev } = withCountdown([{ op: 'nop', count: 12345 }, ...WAIT_PROGRAM]);
      machine.runUntil({});
      return [dev.fires, cpu.retired, machine.clock.now(), cpu.vectors];
    };
    expect(once()).toEqual(once());
  });

  it('never runs the CPU past the next deadline and shows the deadline to the callback', () => {
    const { machine, cpu, dev } = withCountdown([{ op: 'out', port: 0x300, value: 5, width: 2 }, { op: 'nop', count: 1_000_000 }], {
      clock: { mode: 'deterministic', nsPerInstruction: 3 },
    });
    // The OUT runs at time 0 and arms a deadline at 5000 ns, inside the running slice: the slice ends there.
    expect(machine.runSlice()).toEqual({ stop: 'ran', retired: 1, waitNs: 0 });
    machine.runUntil({ until: () => dev.fires.length > 0 });
    expect(dev.fires).toEqual([5000]);
    // At 3 ns per instruction the CPU stopped at the first instruction boundary at or past the deadline.
    expect(cpu.retired).toBe(Math.ceil(5000 / 3));
    expect(machine.runSlice().retired).toBe(100_000); // no timer armed: the cap
  });

  it('reports idle when halted with nothing armed, and runUntil({timeNs}) skips to the limit', () => {
    const { machine } = buildTestMachine([{ op: 'cli' }, { op: 'hlt' }]);
    expect(machine.runUntil({}).stop).toBe('idle');
    const r = machine.runUntil({ timeNs: 1_000_000 });
    expect(r.stop).toBe('time');
    expect(machine.clock.now()).toBe(1_000_000);
  });

  it('stops on instruction and condition limits', () => {
    const { machine, cpu } = buildTestMachine([{ op: 'nop', count: 1_000_000 }]);
    expect(machine.runUntil({ instructions: 250_000 })).toMatchObject({ stop: 'instructions', retired: 250_000 });
    expect(machine.runUntil({ until: () => cpu.retired >= 400_000 }).stop).toBe('condition');
  });

  it('wire-ORs two devices on one IRQ input', () => {
    const t = buildTestMachine([
      { op: 'sti' },
      { op: 'out', port: 0x300, value: 10, width: 2 },
      { op: 'out', port: 0x310, value: 20, width: 2 },
      { op: 'hlt' },
      { op: 'out', port: 0x302, value: 0 }, // first countdown acknowledged; the second (20 us) still runs
      { op: 'in', port: 0x312 },
      { op: 'sti' },
      { op: 'hlt' },
      { op: 'out', port: 0xf4, value: 0 },
    ]);
    const a = t.machine.addDevice(new Countdown('a', t.machine.irq.line(3, 'a'), 0x300));
    const b = t.machine.addDevice(new Countdown('b', t.machine.irq.line(3, 'b'), 0x310));
    t.machine.runUntil({ maxSlices: 100 });
    expect(a.fires).toEqual([1 + 10_000]);
    expect(b.fires).toEqual([2 + 20_000]);
    expect(t.cpu.inputs).toEqual([0]);
    // IRQ 3 was taken when a fired and again when b raised it; b is never acknowledged so the line stays high.
    expect(t.cpu.vectors).toEqual([0x23, 0x23]);
    expect(t.machine.irq.level(3)).toBe(true);
    expect(t.machine.powerOffInfo?.code).toBe(0);
  });
});

describe('Machine platform requests', () => {
  it('resets devices and CPU between slices when a device asks', () => {
    const { machine, cpu, dev } = withCountdown([
      { op: 'out', port: 0x300, value: 50, width: 2 },
      { op: 'call', fn: (c) => void machine.platform.requestReset(`from ${c.pc}`) },
      { op: 'nop', count: 10 },
    ]);
    const stops: string[] = [];
    do stops.push(machine.runSlice().stop);
    while (stops.at(-1) === 'ran');
    expect(stops).toEqual(['ran', 'reset']); // the OUT arms a timer, which ends the first slice
    expect(cpu.resets).toBe(1);
    expect(cpu.pc).toBe(0);
    expect(dev.resets).toBe(1);
    expect(machine.timers.nextDeadline()).toBe(Infinity); // the device's reset disarmed it
    expect(machine.resets).toEqual({ count: 1, lastReason: 'from 1' });
  });

  it('resets on a triple fault by default and powers off when configured', () => {
    const a = buildTestMachine([{ op: 'shutdown', reason: 'test' }]);
    expect(a.machine.runSlice().stop).toBe('reset');
    expect(a.cpu.runState).toBe(CpuRunState.Running);
    const b = buildTestMachine([{ op: 'shutdown' }], { onTripleFault: 'power-off' });
    expect(b.machine.runUntil({}).stop).toBe('power-off');
    expect(b.machine.powerOffInfo).toEqual({ reason: 'CPU shutdown: triple fault', code: 1 });
  });

  it('drives the CPU A20 input through the a20 wire', () => {
    const { machine, cpu } = buildTestMachine([]);
    expect(cpu.a20).toBe(true);
    machine.a20.lower();
    expect(cpu.a20).toBe(false);
  });
});

describe('Machine snapshots', () => {
  it('restores CPU, devices, RAM, time and timers so the rest of the run repeats exactly', () => {
    const program: ScriptStep[] = [
      { op: 'sti' },
      { op: 'call', fn: (c) => void c.platform.memory.write32(0x1000, 0xcafef00d) },
      { op: 'out', port: 0x300, value: 30, width: 2 },
      { op: 'nop', count: 1000 },
      { op: 'hlt' },
      { op: 'call', fn: (c) => void c.platform.memory.write32(0x2000, c.platform.clock.now()) },
      { op: 'out', port: 0x302, value: 0 },
      { op: 'out', port: 0xf4, value: 3 },
    ];
    const { machine, cpu, dev } = withCountdown(program);
    machine.runUntil({ instructions: 500 });
    const snap = machine.snapshot();
    expect(snap.devices).toHaveProperty('countdown0');
    expect(snap.memory.pages).toEqual(Int32Array.from([1]));
    machine.runUntil({});
    const first = { time: machine.clock.now(), ram: machine.memory.read32(0x2000), vectors: [...cpu.vectors], fires: [...dev.fires] };
    expect(machine.poweredOff).toBe(true);

    machine.restore(structuredClone(snap));
    expect(machine.poweredOff).toBe(false);
    expect(machine.memory.read32(0x2000)).toBe(0);
    expect(machine.memory.read32(0x1000)).toBe(0xcafef00d);
    expect(machine.timers.nextDeadline()).toBe(30_002);
    cpu.vectors.length = 0;
    dev.fires.length = 0;
    machine.runUntil({});
    expect({ time: machine.clock.now(), ram: machine.memory.read32(0x2000), vectors: cpu.vectors, fires: dev.fires }).toEqual(first);
  });

  it('re-drives interrupt levels after a restore', () => {
    const { machine, pic, dev } = withCountdown([{ op: 'out', port: 0x300, value: 1, width: 2 }, { op: 'cli' }, { op: 'hlt' }]);
    machine.runUntil({ maxSlices: 10 });
    expect(dev.expired).toBe(true);
    const snap = machine.snapshot();
    dev.write8(2, 0); // ack: line low
    expect(pic.levels).toBe(0);
    machine.restore(snap);
    expect(pic.levels).toBe(1 << 5);
    expect(machine.cpuIntr.level).toBe(true);
  });

  it('refuses to save a machine whose CPU cannot be saved', () => {
    const m = new Machine({ memoryMB: 1 });
    expect(m.snapshot().cpu).toBeNull(); // no CPU yet: fine
    m.attachCpu((p) => {
      const cpu = new ScriptedCpu(p, []);
      return { intr: cpu.intr, nmi: cpu.nmi, runState: cpu.runState, retired: 0, run: () => 0, requestExit() {}, setA20() {}, reset() {} };
    });
    expect(() => m.snapshot()).toThrow(/CPU cannot be saved/);
  });

  it('rejects a snapshot of a differently built machine', () => {
    const a = withCountdown([]);
    const b = buildTestMachine([]);
    expect(() => b.machine.restore(a.machine.snapshot())).toThrow(StateError);
    const snap = a.machine.snapshot();
    expect(() => a.machine.restore({ ...snap, version: 2 as 1 })).toThrow(/version 1/);
  });
});

describe('Machine assembly', () => {
  it('rejects duplicate device names, failed realizes and running without a CPU', () => {
    const m = new Machine({ memoryMB: 1 });
    expect(() => m.runSlice()).toThrow(MachineError);
    const dev = new Countdown('x', m.irq.line(1), 0x300);
    m.addDevice(dev);
    expect(() => m.addDevice(new Countdown('x', m.irq.line(1), 0x310))).toThrow(/already exists/);
    const failing: Device = {
      name: 'bad',
      stateName: 'bad',
      stateVersion: 1,
      realize: () => ({ ok: false, error: 'no backend' }),
      reset() {},
      destroy() {},
      snapshot: () => ({ name: 'bad', version: 1, fields: {} }),
      restore() {},
    };
    expect(() => m.addDevice(failing)).toThrow('device bad failed to realize: no backend');
    expect(m.device('bad')).toBeUndefined();
    m.attachCpu((p) => new ScriptedCpu(p, []));
    expect(() => m.attachCpu((p) => new ScriptedCpu(p, []))).toThrow(/already/);
    expect(() => new Machine({ memoryMB: 0 })).toThrow(MachineError);
  });

  it('lets two machines share one page pool and gives the pages back on destroy', () => {
    const pool = new MachinePagePool({ bytes: 4 * 1024 * 1024 });
    const a = new Machine({ memoryMB: 1, pool });
    const b = new Machine({ memoryMB: 1, pool });
    const free0 = pool.freePages;
    a.memory.write8(0x100, 1);
    b.memory.write8(0x100, 2);
    b.addRom(0xf0000, new Uint8Array([0xea]), 'bios');
    expect(a.memory.read8(0x100)).toBe(1);
    expect(b.memory.read8(0x100)).toBe(2);
    expect(b.memory.read8(0xf0000)).toBe(0xea);
    expect(pool.freePages).toBe(free0 - 3);
    a.destroy();
    b.destroy();
    expect(pool.freePages).toBe(free0);
    expect(() => a.addDevice(new Countdown('y', a.irq.line(0), 0x300))).toThrow(/destroyed/);
  });

  it('destroys devices last-added first', () => {
    const order: string[] = [];
    const m = new Machine({ memoryMB: 1 });
    for (const n of ['a', 'b']) {
      const d = new Countdown(n, m.irq.line(0), n === 'a' ? 0x300 : 0x310);
      d.destroy = () => void order.push(n);
      m.addDevice(d);
    }
    m.destroy();
    expect(order).toEqual(['b', 'a']);
  });
});

describe('Machine in real time', () => {
  it('reports how long to wait while halted, and time follows the host clock', () => {
    let hostMs = 0;
    const { machine, dev } = withCountdown(WAIT_PROGRAM, { clock: { mode: 'realtime', hostNowMs: () => hostMs } });
    let r = machine.runSlice();
    while (r.stop === 'ran') r = machine.runSlice();
    expect(r.stop).toBe('halted');
    expect(r.waitNs).toBe(100_000);
    hostMs = 0.04;
    expect(machine.runSlice().waitNs).toBe(60_000);
    hostMs = 0.1;
    const done = machine.runUntil({ maxSlices: 10 });
    expect(done.stop).toBe('power-off');
    expect(dev.fires).toEqual([100_000]);
  });

  it('run() waits with the injected sleep, pauses the clock on return, and honours abort', async () => {
    let hostMs = 0;
    const { machine } = withCountdown(WAIT_PROGRAM, { clock: { mode: 'realtime', hostNowMs: () => hostMs } });
    const sleeps: number[] = [];
    const sleep = async (ms: number): Promise<void> => {
      sleeps.push(ms);
      hostMs += ms; // the host's time passes while it sleeps
    };
    const r = await machine.run({ sleep });
    expect(r.stop).toBe('power-off');
    expect(sleeps).toEqual([0.1]);
    expect(machine.clock.paused).toBe(true);

    const idle = buildTestMachine([{ op: 'cli' }, { op: 'hlt' }], { clock: { mode: 'realtime', hostNowMs: () => hostMs } });
    const ac = new AbortController();
    const waiting = idle.machine.run({
      signal: ac.signal,
      sleep: (_ms, signal) => new Promise((resolve) => signal?.addEventListener('abort', () => resolve(), { once: true })),
    });
    ac.abort();
    expect((await waiting).stop).toBe('aborted');
  });

  it('kick() wakes a waiting run() so it re-checks the machine', async () => {
    const hostMs = 0;
    const { machine } = buildTestMachine([{ op: 'cli' }, { op: 'hlt' }], { clock: { mode: 'realtime', hostNowMs: () => hostMs } });
    let wakes = 0;
    const p = machine.run({
      sleep: (_ms, signal) =>
        new Promise((resolve) =>
          signal?.addEventListener(
            'abort',
            () => {
              wakes++;
              resolve();
            },
            { once: true },
          ),
        ),
    });
    await Promise.resolve();
    machine.kick();
    await new Promise((r) => setTimeout(r, 0));
    machine.powerOff('host');
    expect((await p).stop).toBe('power-off');
    expect(wakes).toBe(2);
  });

  it('an interrupt raised by host I/O while run() waits wakes it, whatever device raised it', async () => {
    const hostMs = 0;
    const { machine } = buildTestMachine([{ op: 'cli' }, { op: 'hlt' }], { clock: { mode: 'realtime', hostNowMs: () => hostMs } });
    let wakes = 0;
    const p = machine.run({
      sleep: (_ms, signal) =>
        new Promise((resolve) =>
          signal?.addEventListener(
            'abort',
            () => {
              wakes++;
              resolve();
            },
            { once: true },
          ),
        ),
    });
    await Promise.resolve();
    // what a disk adapter does when its backend's promise settles: raise its interrupt
    machine.cpuIntr.raise();
    await new Promise((r) => setTimeout(r, 0));
    expect(wakes).toBe(1);
    machine.powerOff('host');
    expect((await p).stop).toBe('power-off');
  });
});

describe('machineOptionsFromConfig', () => {
  it('takes the name and RAM size from a configuration', async () => {
    const { machineOptionsFromConfig } = await import('./machine-options.js');
    const { createMachineConfig } = await import('./config/defaults.js');
    const opts = machineOptionsFromConfig(createMachineConfig({ displayName: 'db', memsize: 8 }), { irqInputs: 16 });
    expect(opts).toEqual({ name: 'db', memoryMB: 8, irqInputs: 16 });
    const m = new Machine(opts);
    expect(m.ramBytes).toBe(8 * 1024 * 1024);
    m.destroy();
    expect(() => machineOptionsFromConfig(createMachineConfig({ memsize: 4096 }))).toThrow(/3584/);
  });
});

describe('Machine real-time budgets', () => {
  it('sizes slices from the measured speed so timers are served on time', () => {
    let hostMs = 0;
    // A CPU that takes 10 ns of host time per instruction.
    const { machine, cpu } = buildTestMachine([{ op: 'nop', count: 10_000_000 }], {
      clock: { mode: 'realtime', hostNowMs: () => hostMs },
      sliceInstructions: 50_000,
    });
    const run = cpu.run.bind(cpu);
    cpu.run = (budget: number) => {
      const n = run(budget);
      hostMs += (n * 10) / 1e6;
      return n;
    };
    const fired: number[] = [];
    const t = machine.timers.createTimer('probe', (now) => fired.push(now));
    expect(machine.runSlice().retired).toBe(50_000); // first slice: speed unknown, the cap
    t.arm(machine.clock.rawNow() + 100_000); // 100 us = 10,000 instructions at the measured speed
    expect(machine.runSlice().retired).toBe(10_000);
    expect(fired).toHaveLength(1);
  });

  it('reports a realize that fails or throws as a MachineError naming the device', () => {
    const m = new Machine({ memoryMB: 1 });
    m.ports.register(0xf4, 1, { read8: () => 0, write8: () => {} }, 'other');
    // DebugExitDevice returns the port conflict as a typed error...
    expect(() => m.addDevice(new DebugExitDevice(m.platform, 0xf4, 'exit2'))).toThrow(/device exit2 failed to realize: .*0xf4/);
    // ...Countdown lets the port space's RangeError escape; the machine wraps it the same way.
    expect(() => m.addDevice(new Countdown('cd', m.irq.line(0), 0xf2))).toThrow(MachineError);
    expect(m.devices).toEqual([]);
  });
});

describe('Machine halt handling', () => {
  it('does not skip time past an interrupt raised by a timer that fired right after HLT', () => {
    // The CPU's budget ends exactly at the countdown deadline with HLT as the last instruction.
    const { machine, cpu, dev } = withCountdown([
      { op: 'sti' },
      { op: 'out', port: 0x300, value: 1, width: 2 }, // deadline at 1 ns + 1000 ns
      { op: 'nop', count: 998 },
      { op: 'hlt' }, // retires at 1000 -> 1001 ns
      { op: 'call', fn: (c) => void (wokeAt = c.platform.clock.now()) },
      { op: 'out', port: 0x302, value: 0 },
      { op: 'cli' },
      { op: 'hlt' },
    ]);
    let wokeAt = -1;
    const other = machine.timers.createTimer('far', () => {});
    other.arm(50_000_000); // a distant deadline the halted CPU must not be skipped to
    machine.runUntil({ timeNs: 60_000_000 });
    expect(dev.fires).toEqual([1001]);
    expect(cpu.vectors).toEqual([0x25]);
    expect(wokeAt).toBe(1001);
  });
});
