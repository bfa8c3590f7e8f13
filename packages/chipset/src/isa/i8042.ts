import type { Device, DeviceContext, DeviceState, IrqLine, PlatformControl, PortIoHandler, RealizeResult } from '@vm/bus';
import { ByteFifo } from './byte-fifo.js';
import { PortClaims } from './realize-ports.js';
import { Ps2Keyboard } from './ps2-keyboard.js';
import { Ps2Mouse } from './ps2-mouse.js';
import { translateSet2Byte } from './ps2-scancodes.js';
import { StateReader } from './state-reader.js';

/** Configuration of an {@link I8042}. */
export interface I8042Config {
  /** Instance name (default `"i8042"`). */
  readonly name?: string;
  /** Keyboard interrupt (IRQ1). */
  readonly irq1: IrqLine;
  /** Auxiliary (mouse) interrupt (IRQ12). */
  readonly irq12: IrqLine;
  /** The A20 gate: output port bit 1, raised = A20 enabled. */
  readonly a20: IrqLine;
  /** Where the output port's reset line (bit 0 pulled low) goes. */
  readonly platform: PlatformControl;
}

// Status register (port 0x64 read).
const ST_OBF = 0x01;
const ST_SYS = 0x04;
const ST_CMD = 0x08;
const ST_UNLOCKED = 0x10;
const ST_AUXB = 0x20;
// Command byte (controller RAM byte 0).
const CCB_KBD_INT = 0x01;
const CCB_AUX_INT = 0x02;
const CCB_SYS = 0x04;
const CCB_KBD_DISABLE = 0x10;
const CCB_AUX_DISABLE = 0x20;
const CCB_TRANSLATE = 0x40;
// Output port.
const OUT_RESET = 0x01; // active low: 0 resets the CPU
const OUT_A20 = 0x02;
const OUT_DEFAULT = 0xcf;

/** Port 0x60 (data) and 0x64 (status/command) handlers. */
class DataPort implements PortIoHandler {
  constructor(private readonly kbc: I8042) {}
  read8(): number {
    return this.kbc.readData();
  }
  write8(_o: number, v: number): void {
    this.kbc.writeData(v & 0xff);
  }
}
class CommandPort implements PortIoHandler {
  constructor(private readonly kbc: I8042) {}
  read8(): number {
    return this.kbc.readStatus();
  }
  write8(_o: number, v: number): void {
    this.kbc.writeCommand(v & 0xff);
  }
}

/**
 * The Intel 8042 keyboard controller of a PC/AT with PS/2 mouse support
 * (ports 0x60/0x64): the command byte, controller commands (self-test,
 * interface tests, enable/disable, output port, write-to-aux, loop-back
 * writes, pulse output), set 2 -> set 1 translation, one output buffer
 * arbitrated between its own replies, the keyboard and the mouse, IRQ1 and
 * IRQ12, the A20 gate and the CPU reset line.
 */
export class I8042 implements Device {
  /** @inheritDoc */
  readonly name: string;
  /** @inheritDoc */
  readonly stateName = 'i8042';
  /** @inheritDoc */
  readonly stateVersion = 1;
  private readonly claims = new PortClaims();
  /** The keyboard on the first port. */
  readonly keyboard = new Ps2Keyboard();
  /** The mouse on the auxiliary port. */
  readonly mouse = new Ps2Mouse();
  private readonly irq1: IrqLine;
  private readonly irq12: IrqLine;
  private readonly a20: IrqLine;
  private readonly platform: PlatformControl;
  /** Controller RAM; byte 0 is the command byte. */
  private readonly ram = new Uint8Array(32);
  /** The controller's own replies, with a parallel "from aux" flag for 0xD3. */
  private readonly replies = new ByteFifo(8);
  private readonly replyAux = new ByteFifo(8);
  private outByte = 0;
  private obf = false;
  private outAux = false;
  private sysFlag = false;
  private lastWasCommand = false;
  private pendingWrite = 0;
  private outputPort = OUT_DEFAULT;
  private breakPrefix = false;
  private irq1Level = false;
  private irq12Level = false;
  private readonly dataPort: DataPort;
  private readonly commandPort: CommandPort;

  /** @param config IRQ wires, the A20 wire and platform control */
  constructor(config: I8042Config) {
    this.name = config.name ?? 'i8042';
    this.irq1 = config.irq1;
    this.irq12 = config.irq12;
    this.a20 = config.a20;
    this.platform = config.platform;
    this.dataPort = new DataPort(this);
    this.commandPort = new CommandPort(this);
    this.keyboard.reset();
    this.mouse.reset();
    this.ram[0] = CCB_KBD_INT | CCB_AUX_INT;
  }

  /** @inheritDoc */
  realize(ctx: DeviceContext): RealizeResult {
    const r = this.claims.claim(ctx.ports, 0x60, 1, this.dataPort, `${this.name}.data`);
    return r.ok ? this.claims.claim(ctx.ports, 0x64, 1, this.commandPort, `${this.name}.cmd`) : r;
  }

  /** Power-on: keyboard and mouse reset, interrupts enabled, A20 enabled, buffers empty. */
  reset(): void {
    this.keyboard.reset();
    this.mouse.reset();
    this.ram.fill(0);
    this.ram[0] = CCB_KBD_INT | CCB_AUX_INT;
    this.replies.clear();
    this.replyAux.clear();
    this.outByte = 0;
    this.obf = false;
    this.outAux = false;
    this.sysFlag = false;
    this.lastWasCommand = false;
    this.pendingWrite = 0;
    this.outputPort = OUT_DEFAULT;
    this.breakPrefix = false;
    this.irq1Level = false;
    this.irq12Level = false;
    this.irq1.lower();
    this.irq12.lower();
    this.a20.set((this.outputPort & OUT_A20) !== 0);
  }

  /** @inheritDoc */
  destroy(): void {
    this.claims.release();
  }

  /** Re-drive IRQ1, IRQ12 and A20 from the current state (after a restore). */
  syncOutputs(): void {
    this.irq1.set(this.irq1Level);
    this.irq12.set(this.irq12Level);
    this.a20.set((this.outputPort & OUT_A20) !== 0);
  }

  /** Whether the output port enables A20. */
  get a20Enabled(): boolean {
    return (this.outputPort & OUT_A20) !== 0;
  }

  // ---- host input ----

  /** A key pressed (`down`) or released, by `KeyboardEvent.code`; false if dropped. */
  keyEvent(code: string, down: boolean): boolean {
    const ok = this.keyboard.keyEvent(code, down);
    this.pump();
    return ok;
  }

  /** Raw bytes from the keyboard in its current scan code set; false if they do not fit. */
  sendScancodes(bytes: readonly number[]): boolean {
    const ok = this.keyboard.pushAll(bytes);
    this.pump();
    return ok;
  }

  /** Mouse motion (`dy` positive = down the screen), wheel and buttons; see {@link Ps2Mouse.move}. */
  mouseEvent(dx: number, dy: number, dz: number, buttons: number): void {
    this.mouse.move(dx, dy, dz, buttons);
    this.pump();
  }

  // ---- ports ----

  /** @internal port 0x64 read */
  readStatus(): number {
    let s = ST_UNLOCKED;
    if (this.obf) s |= ST_OBF;
    if (this.obf && this.outAux) s |= ST_AUXB;
    if (this.sysFlag) s |= ST_SYS;
    if (this.lastWasCommand) s |= ST_CMD;
    return s;
  }

  /** @internal port 0x60 read: take the output buffer, then refill it. */
  readData(): number {
    const v = this.outByte;
    if (this.obf) {
      this.obf = false;
      // Drop the IRQ before the next byte moves in, so edge-triggered inputs see it again.
      this.updateIrqs();
      this.pump();
    }
    return v;
  }

  /** @internal port 0x60 write: a parameter of a pending controller command, else a byte for the keyboard. */
  writeData(v: number): void {
    this.lastWasCommand = false;
    const pending = this.pendingWrite;
    this.pendingWrite = 0;
    if (pending >= 0x60 && pending <= 0x7f) {
      this.ram[pending & 0x1f] = v;
      if (pending === 0x60) {
        this.sysFlag = (v & CCB_SYS) !== 0;
        this.updateIrqs();
      }
    } else if (pending === 0xd1) {
      this.writeOutputPort(v);
    } else if (pending === 0xd2) {
      this.reply(v, false);
    } else if (pending === 0xd3) {
      this.reply(v, true);
    } else if (pending === 0xd4) {
      this.mouse.receive(v);
    } else {
      this.keyboard.receive(v);
    }
    this.pump();
  }

  /** @internal port 0x64 write: a controller command. */
  writeCommand(cmd: number): void {
    this.lastWasCommand = true;
    this.pendingWrite = 0;
    if (cmd >= 0x20 && cmd <= 0x3f) {
      this.reply(this.ram[cmd & 0x1f]!, false);
    } else if ((cmd >= 0x60 && cmd <= 0x7f) || cmd === 0xd1 || cmd === 0xd2 || cmd === 0xd3 || cmd === 0xd4) {
      this.pendingWrite = cmd;
    } else if (cmd >= 0xf0) {
      // Pulse output port bits whose mask bit is 0; bit 0 is the CPU reset line.
      if ((cmd & 1) === 0) this.platform.requestReset('i8042: pulse reset line');
    } else {
      switch (cmd) {
        case 0xa7:
          this.ram[0] = this.ram[0]! | CCB_AUX_DISABLE;
          break;
        case 0xa8:
          this.ram[0] = this.ram[0]! & ~CCB_AUX_DISABLE;
          break;
        case 0xa9: // auxiliary interface test: no error
        case 0xab: // keyboard interface test: no error
          this.reply(0x00, false);
          break;
        case 0xaa: // controller self-test passed
          this.sysFlag = true;
          this.reply(0x55, false);
          break;
        case 0xad:
          this.ram[0] = this.ram[0]! | CCB_KBD_DISABLE;
          break;
        case 0xae:
          this.ram[0] = this.ram[0]! & ~CCB_KBD_DISABLE;
          break;
        case 0xc0: // input port: keyboard not inhibited
          this.reply(0x80, false);
          break;
        case 0xd0:
          this.reply(this.readOutputPort(), false);
          break;
        case 0xdd:
          this.writeOutputPort(this.outputPort & ~OUT_A20);
          break;
        case 0xdf:
          this.writeOutputPort(this.outputPort | OUT_A20);
          break;
        case 0xe0: // test inputs
          this.reply(0x00, false);
          break;
        default: // unknown commands are ignored
          break;
      }
    }
    this.pump();
    this.updateIrqs();
  }

  private readOutputPort(): number {
    let v = this.outputPort & ~0x30;
    if (this.obf && !this.outAux) v |= 0x10;
    if (this.obf && this.outAux) v |= 0x20;
    return v;
  }

  private writeOutputPort(v: number): void {
    const a20Was = (this.outputPort & OUT_A20) !== 0;
    this.outputPort = (v & ~0x30) | OUT_RESET;
    const a20 = (v & OUT_A20) !== 0;
    if (a20 !== a20Was) this.a20.set(a20);
    if ((v & OUT_RESET) === 0) this.platform.requestReset('i8042: output port reset line');
  }

  private reply(b: number, aux: boolean): void {
    if (this.replies.push(b)) this.replyAux.push(aux ? 1 : 0);
  }

  /** Fill an empty output buffer: controller replies first, then the keyboard, then the mouse. */
  private pump(): void {
    if (this.obf) return;
    const ccb = this.ram[0]!;
    if (this.replies.count > 0) {
      this.load(this.replies.shift(), this.replyAux.shift() !== 0);
      return;
    }
    if ((ccb & CCB_KBD_DISABLE) === 0) {
      const q = this.keyboard.queue;
      while (q.count > 0) {
        const b = q.shift();
        if (ccb & CCB_TRANSLATE) {
          // The F0 break prefix is folded into bit 7 of the next byte.
          if (b === 0xf0) {
            this.breakPrefix = true;
            continue;
          }
          const t = translateSet2Byte(b) | (this.breakPrefix ? 0x80 : 0);
          this.breakPrefix = false;
          this.load(t, false);
        } else {
          this.load(b, false);
        }
        return;
      }
    }
    if ((ccb & CCB_AUX_DISABLE) === 0 && this.mouse.queue.count > 0) this.load(this.mouse.queue.shift(), true);
  }

  private load(b: number, aux: boolean): void {
    this.outByte = b;
    this.outAux = aux;
    this.obf = true;
    this.updateIrqs();
  }

  private updateIrqs(): void {
    const ccb = this.ram[0]!;
    const k = this.obf && !this.outAux && (ccb & CCB_KBD_INT) !== 0;
    const a = this.obf && this.outAux && (ccb & CCB_AUX_INT) !== 0;
    if (k !== this.irq1Level) {
      this.irq1Level = k;
      this.irq1.set(k);
    }
    if (a !== this.irq12Level) {
      this.irq12Level = a;
      this.irq12.set(a);
    }
  }

  // ---- snapshot ----

  /** @inheritDoc */
  snapshot(): DeviceState {
    return {
      name: this.stateName,
      version: this.stateVersion,
      fields: {
        ram: this.ram.slice(),
        replies: this.replies.toArray(),
        replyAux: this.replyAux.toArray(),
        outByte: this.outByte,
        obf: this.obf,
        outAux: this.outAux,
        sysFlag: this.sysFlag,
        lastWasCommand: this.lastWasCommand,
        pendingWrite: this.pendingWrite,
        outputPort: this.outputPort,
        breakPrefix: this.breakPrefix,
        irq1: this.irq1Level,
        irq12: this.irq12Level,
        keyboard: this.keyboard.save(),
        mouse: this.mouse.save(),
      },
    };
  }

  /** @inheritDoc */
  restore(state: DeviceState): void {
    const r = StateReader.open(state, this.stateName, this.stateVersion);
    const ram = r.bytes('ram', 32);
    const replies = r.bytes('replies', -1, 8);
    const replyAux = r.bytes('replyAux', replies.length);
    const outByte = r.int('outByte', 0, 255);
    const obf = r.bool('obf');
    const outAux = r.bool('outAux');
    const sysFlag = r.bool('sysFlag');
    const lastWasCommand = r.bool('lastWasCommand');
    const pendingWrite = r.int('pendingWrite', 0, 255);
    const outputPort = r.int('outputPort', 0, 255);
    const breakPrefix = r.bool('breakPrefix');
    const irq1 = r.bool('irq1');
    const irq12 = r.bool('irq12');
    const kbd = Ps2Keyboard.check(r.record('keyboard'));
    const mouse = Ps2Mouse.check(r.record('mouse'));
    this.ram.set(ram);
    this.replies.load(replies);
    this.replyAux.load(replyAux);
    this.outByte = outByte;
    this.obf = obf;
    this.outAux = outAux;
    this.sysFlag = sysFlag;
    this.lastWasCommand = lastWasCommand;
    this.pendingWrite = pendingWrite;
    this.outputPort = outputPort;
    this.breakPrefix = breakPrefix;
    this.irq1Level = irq1;
    this.irq12Level = irq12;
    this.keyboard.loadState(kbd);
    this.mouse.loadState(mouse);
  }
}
