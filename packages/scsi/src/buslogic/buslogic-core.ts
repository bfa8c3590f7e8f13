/**
 * The BusLogic MultiMaster host adapter (BT-958) register model: the
 * command/parameter/data-in handshake, 32-bit extended mailboxes and CCBs
 * with scatter/gather, auto sense and completion codes. Bus-independent:
 * the PCI binding routes the four ports here.
 *
 * @module
 */

import { DmaStatus, StateError } from '@vm/bus';
import type { DeviceState, DmaSpace, IrqLine, Timer, TimerQueue, Clock } from '@vm/bus';
import { ScsiTask } from '../target/scsi-task.js';
import type { ScsiTarget, ScsiTaskOwner } from '../target/scsi-task.js';
import { ScsiStatus } from '../target/sense.js';
import { SgList } from '../sg-list.js';
import { U32Fifo } from '../u32-fifo.js';
import { checkState, readBool, readBytes, readNum } from '../state-read.js';
import {
  Action,
  CcbOp,
  Cmd,
  Completion,
  Control,
  DataDir,
  FIRMWARE,
  HaStatus,
  Intr,
  PARAM_COUNT,
  Status,
} from './multimaster.js';
import { initAutoScsiRam, writeExtendedSetup, writeSetupInfo } from './adapter-info.js';

import { BUSLOGIC_MAX_TARGETS, BUSLOGIC_SG_LIMIT } from './limits.js';

export { BUSLOGIC_MAX_TARGETS, BUSLOGIC_SG_LIMIT };
const SLOTS = 64;
const MAX_TRANSFER = 16 * 1024 * 1024;
const CCB_SIZE = 40;
/** Length of the power-on self test after a reset, ns. */
const DIAG_NS = 50_000;
const CHAR = (s: string): number => s.charCodeAt(0);

class CcbSlot {
  readonly task: ScsiTask;
  readonly sgl = new SgList(BUSLOGIC_SG_LIMIT);
  ccb = 0;
  opcode = 0;
  target = 0;
  senseLen = 0;
  sensePtr = 0;
  dataLength = 0;
  write = false;
  constructor(owner: ScsiTaskOwner, index: number) {
    this.task = new ScsiTask(owner, index);
  }
}

class NoWires implements IrqLine {
  raise(): void {}
  lower(): void {}
  pulse(): void {}
  set(): void {}
}

/**
 * BusLogic MultiMaster core. Ports: 0 status/control, 1 data-in /
 * command-parameter, 2 interrupt, 3 geometry.
 */
export class BusLogicCore implements ScsiTaskOwner {
  /** Snapshot name. */
  readonly stateName = 'buslogic-multimaster';
  /** Snapshot layout version. */
  readonly stateVersion = 1;
  /** The adapter's own SCSI id. */
  readonly initiatorId = 7;
  private dma: DmaSpace | null = null;
  private irq: IrqLine = new NoWires();
  private timer: Timer | null = null;
  private clock: Clock | null = null;
  private readonly targets: (ScsiTarget | null)[] = new Array<ScsiTarget | null>(BUSLOGIC_MAX_TARGETS).fill(null);
  private readonly slots: CcbSlot[] = [];

  private status: number = Status.HostAdapterReady | Status.InitRequired;
  private intr = 0;
  private irqLevel = false;
  private diagPending = false;
  private opcode = -1;
  private paramsExpected = 0;
  private paramsReceived = 0;
  private readonly params = new Uint8Array(260);
  private readonly replyBuf = new Uint8Array(256);
  private replyLength = 0;
  private replyIndex = 0;
  private mailboxCount = 0;
  /** 32-bit extended mailboxes and CCBs (else the 24-bit ISA-compatible layout). */
  private wide = true;
  private mailboxBase = 0;
  private outIndex = 0;
  private inIndex = 0;
  private strictRoundRobin = false;
  private extendedLun = false;
  private irqEnabled = true;
  private outboxAvailInt = false;
  private isaPort = 6;
  private readonly localRam = new Uint8Array(256);
  private readonly pendingCcb = new U32Fifo(256);
  private readonly pendingStatus = new U32Fifo(256);
  private readonly ccbBuf = new Uint8Array(CCB_SIZE);
  private readonly inbox = new Uint8Array(8);
  private readonly outbox = new Uint8Array(8);
  private readonly outbox24 = new Uint8Array(4);
  private readonly inbox24 = new Uint8Array(4);
  private readonly u24buf = new Uint8Array(3);
  private readonly u32buf = new Uint8Array(4);

  constructor() {
    for (let i = 0; i < SLOTS; i++) this.slots.push(new CcbSlot(this, i));
    initAutoScsiRam(this.localRam, this.initiatorId);
  }

  /** Connect DMA and the interrupt wire. */
  attach(dma: DmaSpace, irq: IrqLine): void {
    this.dma = dma;
    this.irq = irq;
  }

  /** Use `timers` for the self-test delay after a reset (without it the test ends at the next status read). */
  useTimers(timers: TimerQueue, clock: Clock): void {
    this.clock = clock;
    this.timer = timers.createTimer('buslogic.diag', () => this.diagnosticsDone());
  }

  /** Put `target` at SCSI id `id` (0..15 except 7), or remove it with null. */
  setTarget(id: number, target: ScsiTarget | null): void {
    if (!Number.isInteger(id) || id < 0 || id >= BUSLOGIC_MAX_TARGETS || id === this.initiatorId)
      throw new RangeError(`SCSI id ${id} is not available on this adapter`);
    this.targets[id] = target;
  }

  /** Power-on reset: ready, mailboxes uninitialized, targets reset. */
  reset(): void {
    this.resetState();
    this.status = Status.HostAdapterReady | Status.InitRequired;
    this.diagPending = false;
    this.timer?.disarm();
    for (const t of this.targets) t?.reset();
    this.updateIrq();
  }

  /** Read port `offset` (0..3). */
  read(offset: number): number {
    switch (offset & 3) {
      case 0: {
        const v = this.status;
        if (this.diagPending && this.timer === null) this.diagnosticsDone();
        return v;
      }
      case 1:
        return this.readDataIn();
      case 2:
        return this.intr;
      default:
        return this.geometry();
    }
  }

  /** Write port `offset` (0..3). */
  write(offset: number, value: number): void {
    value &= 0xff;
    if ((offset & 3) === 0) this.writeControl(value);
    else if ((offset & 3) === 1) this.writeCommand(value);
    this.updateIrq();
  }

  private geometry(): number {
    // Extended translation (255 heads / 63 sectors) for drives 0 and 1.
    let g = 0x80;
    if (this.targets[0]) g |= 0x03;
    if (this.targets[1]) g |= 0x0c;
    return g;
  }

  // ---- control register ----

  private writeControl(v: number): void {
    if ((v & (Control.HardReset | Control.SoftReset)) !== 0) {
      this.resetState();
      if ((v & Control.HardReset) !== 0) for (const t of this.targets) t?.reset();
      // Power-on diagnostics run for a while (BusLogic hard reset sequence).
      this.status = Status.DiagActive;
      this.diagPending = true;
      if (this.timer !== null && this.clock !== null) this.timer.arm(this.clock.now() + DIAG_NS);
      return;
    }
    if ((v & Control.IntReset) !== 0) {
      this.intr = 0;
      this.flushPending();
    }
    if ((v & Control.BusReset) !== 0) this.busReset();
  }

  private diagnosticsDone(): void {
    if (!this.diagPending) return;
    this.diagPending = false;
    this.status = Status.HostAdapterReady | Status.InitRequired;
  }

  /** Everything a hard or soft reset clears. */
  private resetState(): void {
    for (const s of this.slots) if (s.task.inUse) s.task.cancelled = true;
    this.intr = 0;
    this.opcode = -1;
    this.paramsExpected = 0;
    this.paramsReceived = 0;
    this.replyLength = 0;
    this.replyIndex = 0;
    this.mailboxCount = 0;
    this.mailboxBase = 0;
    this.wide = true;
    this.outIndex = 0;
    this.inIndex = 0;
    this.strictRoundRobin = false;
    this.extendedLun = false;
    this.irqEnabled = true;
    this.outboxAvailInt = false;
    this.pendingCcb.clear();
    this.pendingStatus.clear();
  }

  private busReset(): void {
    for (const s of this.slots) {
      if (!s.task.inUse || s.task.cancelled) continue;
      s.task.cancelled = true;
      this.postInbox(s.ccb, HaStatus.HardwareReset, 0, Completion.Error);
    }
    for (const t of this.targets) t?.reset();
  }

  private updateIrq(): void {
    const level = this.irqEnabled && (this.intr & Intr.Valid) !== 0;
    if (level !== this.irqLevel) {
      this.irqLevel = level;
      this.irq.set(level);
    }
  }

  private interrupt(bits: number): void {
    this.intr |= bits | Intr.Valid;
    this.updateIrq();
  }

  // ---- command / parameter / data-in handshake ----

  private writeCommand(v: number): void {
    if (this.diagPending) return;
    if (this.opcode >= 0 && this.paramsReceived < this.paramsExpected) {
      this.params[this.paramsReceived++] = v;
      if (this.opcode === Cmd.SetAdapterOptions && this.paramsReceived === 1) this.paramsExpected = 1 + v;
      if (this.paramsReceived >= this.paramsExpected) this.execute();
      return;
    }
    // A new opcode (also abandons unread reply bytes).
    this.replyLength = 0;
    this.replyIndex = 0;
    this.status &= ~(Status.CmdInvalid | Status.DataInReady);
    const n = PARAM_COUNT[v]!;
    if (n === -1) {
      this.status |= Status.CmdInvalid;
      this.finishCommand(true);
      return;
    }
    this.opcode = v;
    this.status &= ~Status.HostAdapterReady;
    this.paramsReceived = 0;
    this.paramsExpected = n === -2 ? 1 : n;
    if (this.paramsExpected === 0) this.execute();
  }

  private readDataIn(): number {
    if (this.replyIndex >= this.replyLength) return 0;
    const v = this.replyBuf[this.replyIndex++]!;
    if (this.replyIndex >= this.replyLength) {
      this.status &= ~Status.DataInReady;
      this.finishCommand(true);
    }
    return v;
  }

  private finishCommand(interrupt: boolean): void {
    this.opcode = -1;
    this.paramsExpected = 0;
    this.paramsReceived = 0;
    this.status |= Status.HostAdapterReady;
    if (interrupt) this.interrupt(Intr.CmdComplete);
  }

  private invalid(): void {
    this.status |= Status.CmdInvalid;
    this.finishCommand(true);
  }

  private reply(n: number): void {
    if (n === 0) {
      this.finishCommand(true);
      return;
    }
    this.replyLength = n;
    this.replyIndex = 0;
    this.status |= Status.DataInReady;
  }

  private execute(): void {
    const p = this.params;
    const r = this.replyBuf;
    r.fill(0);
    switch (this.opcode) {
      case Cmd.TestCmdComplete:
      case Cmd.HostAdapterDiagnostic:
      case Cmd.SetSelectionTimeout:
      case Cmd.SetPreemptTime:
      case Cmd.SetTimeOffBus:
      case Cmd.SetBusTransferRate:
      case Cmd.EnableTargetMode:
      case Cmd.SetAdapterOptions:
        return this.reply(0);
      case Cmd.ExecMailbox:
        // Start Mailbox Command: no command complete interrupt.
        this.finishCommand(false);
        this.processOutboxes();
        return;
      case Cmd.InquireBoardId:
        r[0] = CHAR('A');
        r[1] = CHAR('A');
        r[2] = CHAR(FIRMWARE.major);
        r[3] = CHAR(FIRMWARE.minor);
        return this.reply(4);
      case Cmd.EnableOutboxAvailInt:
        this.outboxAvailInt = p[0] !== 0;
        return this.reply(0);
      case Cmd.InquireDevices0to7:
      case Cmd.InquireDevices8to15: {
        const base = this.opcode === Cmd.InquireDevices0to7 ? 0 : 8;
        for (let i = 0; i < 8; i++) r[i] = this.targets[base + i] ? 1 : 0;
        return this.reply(8);
      }
      case Cmd.InquireTargetDevices: {
        let mask = 0;
        for (let i = 0; i < BUSLOGIC_MAX_TARGETS; i++) if (this.targets[i]) mask |= 1 << i;
        r[0] = mask & 0xff;
        r[1] = mask >>> 8;
        return this.reply(2);
      }
      case Cmd.InquireConfiguration:
        r[2] = this.initiatorId;
        return this.reply(3);
      case Cmd.InquireSetupInfo:
        writeSetupInfo(r, this.mailboxCount, this.mailboxBase);
        return this.reply(p[0]!);
      case Cmd.EchoCommandData:
        r[0] = p[0]!;
        return this.reply(1);
      case Cmd.DisableHostAdapterInt:
        this.irqEnabled = p[0] !== 0;
        return this.reply(0);
      case Cmd.InitMailbox:
      case Cmd.InitExtendedMailbox: {
        const count = p[0]!;
        const wide = this.opcode === Cmd.InitExtendedMailbox;
        // Extended: little-endian 32-bit base; legacy: 24-bit, most significant byte first.
        const base = wide ? (p[1]! | (p[2]! << 8) | (p[3]! << 16) | (p[4]! << 24)) >>> 0 : (p[1]! << 16) | (p[2]! << 8) | p[3]!;
        if (count === 0) return this.invalid();
        this.wide = wide;
        this.mailboxCount = count;
        this.mailboxBase = base;
        this.outIndex = 0;
        this.inIndex = 0;
        this.status &= ~Status.InitRequired;
        return this.reply(0);
      }
      case Cmd.InquireFirmware3rdDigit:
        r[0] = CHAR(FIRMWARE.third);
        return this.reply(1);
      case Cmd.InquireFirmwareLetter:
        r[0] = CHAR(FIRMWARE.letter);
        return this.reply(1);
      case Cmd.InquirePciInfo:
        r[0] = this.isaPort;
        r[1] = 0;
        r[2] = 0x83; // low + high termination, generic info valid
        return this.reply(4);
      case Cmd.InquireModelNumber:
        r[0] = CHAR('9');
        r[1] = CHAR('5');
        r[2] = CHAR('8');
        r[3] = CHAR(' ');
        return this.reply(p[0]!);
      case Cmd.InquireSyncPeriod:
        return this.reply(p[0]!);
      case Cmd.InquireExtendedSetup:
        writeExtendedSetup(r, this.mailboxCount, this.mailboxBase);
        return this.reply(p[0]!);
      case Cmd.StrictRoundRobin:
        this.strictRoundRobin = p[0] === 1;
        return this.reply(0);
      case Cmd.FetchLocalRam: {
        const off = p[0]!;
        const n = p[1]!;
        for (let i = 0; i < n; i++) r[i] = off + i < 256 ? this.localRam[off + i]! : 0;
        return this.reply(n);
      }
      case Cmd.ModifyIoAddress:
        if (p[0]! > 7) return this.invalid();
        this.isaPort = p[0]!;
        // Modify I/O Address completes without an interrupt.
        this.finishCommand(false);
        return;
      case Cmd.SetCcbFormat:
        if (p[0]! > 1) return this.invalid();
        this.extendedLun = p[0] === 1;
        return this.reply(0);
      default:
        return this.invalid();
    }
  }

  // ---- mailboxes ----

  private processOutboxes(): void {
    const dma = this.dma;
    if (dma === null || this.mailboxCount === 0) return;
    const wide = this.wide;
    const box = wide ? this.outbox : this.outbox24;
    const actionAt = wide ? 7 : 0;
    for (let scanned = 0; scanned < this.mailboxCount; scanned++) {
      const addr = (this.mailboxBase + this.outIndex * box.length) >>> 0;
      // A failed read (bus mastering disabled, no memory there) leaves the mailbox
      // for a later Start Mailbox Command instead of acting on all-ones garbage.
      if (dma.read(addr, box) !== DmaStatus.Ok) return;
      const action = box[actionAt]!;
      if (action === Action.Free) {
        if (this.strictRoundRobin) return;
        this.outIndex = (this.outIndex + 1) % this.mailboxCount;
        continue;
      }
      if (action === Action.Start && this.freeSlot() === null) return; // retried when a CCB completes
      const ccb = wide
        ? (box[0]! | (box[1]! << 8) | (box[2]! << 16) | (box[3]! << 24)) >>> 0
        : (box[1]! << 16) | (box[2]! << 8) | box[3]!;
      dma.write8(addr + actionAt, Action.Free);
      this.outIndex = (this.outIndex + 1) % this.mailboxCount;
      if (this.outboxAvailInt) this.interrupt(Intr.OutboxAvailable);
      if (action === Action.Start) this.startCcb(ccb);
      else if (action === Action.Abort) this.abortCcb(ccb);
      else this.postInbox(ccb, HaStatus.InvalidOutboxCode, 0, Completion.Error);
    }
  }

  private freeSlot(): CcbSlot | null {
    const slots = this.slots;
    for (let i = 0; i < slots.length; i++) if (!slots[i]!.task.inUse) return slots[i]!;
    return null;
  }

  /** Stop the self-test timer (the device is going away). */
  stopTimers(): void {
    this.timer?.disarm();
  }

  private abortCcb(ccb: number): void {
    for (const s of this.slots) {
      if (s.task.inUse && !s.task.cancelled && s.ccb === ccb) {
        s.task.cancelled = true;
        this.postInbox(ccb, 0, 0, Completion.AbortedByHost);
        return;
      }
    }
    this.postInbox(ccb, 0, 0, Completion.NotFound);
  }

  private startCcb(ccb: number): void {
    const dma = this.dma!;
    const b = this.ccbBuf;
    if (dma.read(ccb, b) !== DmaStatus.Ok) return this.postInbox(ccb, HaStatus.BadCommandParameter, 0, Completion.Error);
    const wide = this.wide;
    const op = b[0]!;
    const cdbLen = b[2]!;
    let dir: number;
    let dataLen: number;
    let dataPtr: number;
    let target: number;
    let lun: number;
    if (wide) {
      dir = (b[1]! >>> 3) & 3;
      dataLen = (b[4]! | (b[5]! << 8) | (b[6]! << 16) | (b[7]! << 24)) >>> 0;
      dataPtr = (b[8]! | (b[9]! << 8) | (b[10]! << 16) | (b[11]! << 24)) >>> 0;
      target = b[16]!;
      lun = b[17]! & (this.extendedLun ? 0x3f : 0x07);
    } else {
      // 24-bit CCB: byte 1 = target (7-5), out (4), in (3), LUN (2-0); big-endian 24-bit fields.
      const inBit = (b[1]! & 0x08) !== 0;
      const outBit = (b[1]! & 0x10) !== 0;
      dir = inBit && outBit ? DataDir.None : inBit ? DataDir.In : outBit ? DataDir.Out : DataDir.Unchecked;
      dataLen = (b[4]! << 16) | (b[5]! << 8) | b[6]!;
      dataPtr = (b[7]! << 16) | (b[8]! << 8) | b[9]!;
      target = b[1]! >>> 5;
      lun = b[1]! & 7;
    }
    if (op === CcbOp.BusDeviceReset) return this.busDeviceReset(ccb, target);
    if (op !== CcbOp.Initiator && op !== CcbOp.InitiatorSg && op !== CcbOp.InitiatorResidual && op !== CcbOp.InitiatorSgResidual)
      return this.completeCcb(ccb, HaStatus.InvalidCcbOpcode, 0);
    const dev = target < BUSLOGIC_MAX_TARGETS ? this.targets[target] ?? null : null;
    if (dev === null || target === this.initiatorId) return this.completeCcb(ccb, HaStatus.SelectionTimeout, 0);
    if (cdbLen === 0 || cdbLen > 12) return this.completeCcb(ccb, HaStatus.BadCommandParameter, 0);
    const slot = this.freeSlot()!;
    const sgl = slot.sgl;
    sgl.clear();
    if (dir !== DataDir.None && dataLen > 0) {
      if (op === CcbOp.InitiatorSg || op === CcbOp.InitiatorSgResidual) {
        const esz = wide ? 8 : 6;
        const n = Math.floor(dataLen / esz);
        if (n > BUSLOGIC_SG_LIMIT) return this.completeCcb(ccb, HaStatus.BadCommandParameter, 0);
        for (let i = 0; i < n; i++) {
          const e = (dataPtr + i * esz) >>> 0;
          if (wide) sgl.add(dma.read32(e + 4), dma.read32(e));
          else sgl.add(this.read24(e + 3), this.read24(e));
        }
      } else {
        sgl.add(dataPtr, dataLen);
      }
    }
    const task = slot.task;
    task.prepare(lun, b, cdbLen, 18);
    slot.ccb = ccb;
    slot.opcode = op;
    slot.target = target;
    slot.senseLen = b[3]!;
    // 24-bit CCBs carry their sense area right after the CDB.
    slot.sensePtr = wide ? (b[36]! | (b[37]! << 8) | (b[38]! << 16) | (b[39]! << 24)) >>> 0 : (ccb + 18 + cdbLen) >>> 0;
    slot.dataLength = Math.min(sgl.total, MAX_TRANSFER);
    const wants = dev.dataOutLength(task.cdb);
    slot.write = wants > 0 && dir !== DataDir.In && dir !== DataDir.None;
    if (slot.write) {
      const n = Math.min(wants, slot.dataLength);
      task.ensureCapacity(n);
      if (!sgl.gather(dma, task.data, n)) return this.completeCcb(ccb, HaStatus.HardwareFailure, 0);
      task.dataOutLength = n;
    } else {
      task.dataInLimit = dir === DataDir.Out ? 0 : slot.dataLength;
    }
    task.inUse = true;
    dev.execute(task);
  }

  private read24(addr: number): number {
    const dma = this.dma!;
    return (dma.read8(addr) << 16) | (dma.read8(addr + 1) << 8) | dma.read8(addr + 2);
  }

  private busDeviceReset(ccb: number, target: number): void {
    if (target >= BUSLOGIC_MAX_TARGETS || !this.targets[target]) return this.completeCcb(ccb, HaStatus.SelectionTimeout, 0);
    for (const s of this.slots) {
      if (s.task.inUse && !s.task.cancelled && s.target === target) {
        s.task.cancelled = true;
        this.completeCcb(s.ccb, HaStatus.BusDeviceReset, 0);
      }
    }
    this.targets[target]!.reset();
    this.completeCcb(ccb, HaStatus.Normal, 0);
  }

  /** Write the CCB's status bytes and post the incoming mailbox. */
  private completeCcb(ccb: number, ha: number, ts: number): void {
    const dma = this.dma!;
    dma.write8(ccb + 14, ha);
    dma.write8(ccb + 15, ts);
    this.postInbox(ccb, ha, ts, ha === HaStatus.Normal && ts === 0 ? Completion.Good : Completion.Error);
  }

  private postInbox(ccb: number, ha: number, ts: number, code: number): void {
    if (this.mailboxCount === 0 || this.dma === null) return;
    if (this.pendingCcb.count > 0 || !this.inboxFree()) {
      this.pendingCcb.push(ccb);
      this.pendingStatus.push(ha | (ts << 8) | (code << 16));
      return;
    }
    this.writeInbox(ccb, ha, ts, code);
  }

  private inboxAddress(): number {
    const size = this.wide ? 8 : 4;
    return (this.mailboxBase + (this.mailboxCount + this.inIndex) * size) >>> 0;
  }

  private inboxFree(): boolean {
    return this.dma!.read8(this.inboxAddress() + (this.wide ? 7 : 0)) === Completion.Free;
  }

  private writeInbox(ccb: number, ha: number, ts: number, code: number): void {
    const addr = this.inboxAddress();
    const m = this.inbox;
    if (this.wide) {
      m[0] = ccb & 0xff;
      m[1] = (ccb >>> 8) & 0xff;
      m[2] = (ccb >>> 16) & 0xff;
      m[3] = ccb >>> 24;
      m[4] = ha;
      m[5] = ts;
      m[6] = 0;
      m[7] = code;
      this.dma!.write(addr, m);
    } else {
      // 24-bit incoming mailbox: completion code, then the CCB address MSB first.
      const m4 = this.inbox24;
      m4[0] = code;
      m4[1] = (ccb >>> 16) & 0xff;
      m4[2] = (ccb >>> 8) & 0xff;
      m4[3] = ccb & 0xff;
      this.dma!.write(addr, m4);
    }
    this.inIndex = (this.inIndex + 1) % this.mailboxCount;
    this.interrupt(Intr.InboxLoaded);
  }

  /** Retry completions that found the incoming mailbox ring full. */
  private flushPending(): void {
    while (this.pendingCcb.count > 0 && this.mailboxCount > 0 && this.dma !== null && this.inboxFree()) {
      const ccb = this.pendingCcb.pop();
      const st = this.pendingStatus.pop();
      this.writeInbox(ccb, st & 0xff, (st >>> 8) & 0xff, (st >>> 16) & 0xff);
    }
  }

  /** @inheritDoc */
  scsiTaskDone(task: ScsiTask): void {
    const s = this.slots[task.slot]!;
    task.inUse = false;
    if (!task.cancelled && this.dma !== null) this.finishCcb(s);
    // A freed slot may let a waiting outgoing mailbox start.
    if (this.mailboxCount > 0 && this.dma !== null) this.processOutboxes();
    this.updateIrq();
  }

  private finishCcb(s: CcbSlot): void {
    const dma = this.dma!;
    const task = s.task;
    let ha: number = HaStatus.Normal;
    let moved = 0;
    if (s.write) moved = task.dataOutLength;
    else if (task.dataInLength > 0) {
      moved = task.dataInLength;
      if (!s.sgl.scatter(dma, task.data, moved)) ha = HaStatus.HardwareFailure;
    }
    if (!s.write && task.dataInWanted > s.dataLength && ha === HaStatus.Normal) ha = HaStatus.DataOverrun;
    if (task.status === ScsiStatus.CheckCondition && s.senseLen !== 1) {
      const want = s.senseLen === 0 ? 14 : s.senseLen;
      const n = Math.min(want, task.senseLength);
      dma.write(s.sensePtr, task.sense.subarray(0, n));
    }
    if (s.opcode === CcbOp.InitiatorResidual || s.opcode === CcbOp.InitiatorSgResidual) {
      const residual = Math.max(s.dataLength - moved, 0) >>> 0;
      const u = this.u32buf;
      if (this.wide) {
        u[0] = residual & 0xff;
        u[1] = (residual >>> 8) & 0xff;
        u[2] = (residual >>> 16) & 0xff;
        u[3] = residual >>> 24;
        dma.write(s.ccb + 4, u);
      } else {
        const u3 = this.u24buf;
        u3[0] = (residual >>> 16) & 0xff;
        u3[1] = (residual >>> 8) & 0xff;
        u3[2] = residual & 0xff;
        dma.write(s.ccb + 4, u3);
      }
    }
    this.completeCcb(s.ccb, ha, task.status);
  }

  /** Requests still waiting for a target (including cancelled ones). */
  get busySlots(): number {
    let n = 0;
    for (const s of this.slots) if (s.task.inUse) n++;
    return n;
  }

  // ---- snapshots ----

  /** Capture the adapter state (CCBs in flight are not included: quiesce first). */
  snapshot(): DeviceState {
    return {
      name: this.stateName,
      version: this.stateVersion,
      fields: {
        status: this.status,
        intr: this.intr,
        diagPending: this.diagPending,
        opcode: this.opcode,
        paramsExpected: this.paramsExpected,
        paramsReceived: this.paramsReceived,
        params: this.params.slice(),
        replyBuf: this.replyBuf.slice(),
        replyLength: this.replyLength,
        replyIndex: this.replyIndex,
        mailboxCount: this.mailboxCount,
        mailboxBase: this.mailboxBase,
        wide: this.wide,
        outIndex: this.outIndex,
        inIndex: this.inIndex,
        strictRoundRobin: this.strictRoundRobin,
        extendedLun: this.extendedLun,
        irqEnabled: this.irqEnabled,
        outboxAvailInt: this.outboxAvailInt,
        isaPort: this.isaPort,
        pendingCcb: this.pendingCcb.toArray(),
        pendingStatus: this.pendingStatus.toArray(),
      },
    };
  }

  /** Restore a {@link snapshot}; CCBs in flight are abandoned. */
  restore(state: DeviceState): void {
    checkState(state, this.stateName, this.stateVersion);
    const f = state.fields;
    const params = readBytes(f, 'params', this.params.length);
    const replyBuf = readBytes(f, 'replyBuf', this.replyBuf.length);
    const pc = f['pendingCcb'];
    const ps = f['pendingStatus'];
    if (!(pc instanceof Uint32Array) || !(ps instanceof Uint32Array) || pc.length !== ps.length)
      throw new StateError('buslogic: bad pending completions');
    const n = (k: string, max: number): number => Math.min(Math.max(Math.floor(readNum(f, k)), 0), max);
    const mailboxCount = n('mailboxCount', 255);
    this.status = n('status', 0xff);
    this.intr = n('intr', 0xff);
    this.diagPending = readBool(f, 'diagPending');
    const op = Math.floor(readNum(f, 'opcode'));
    this.opcode = op >= 0 && op <= 0xff && PARAM_COUNT[op] !== -1 ? op : -1;
    this.paramsExpected = n('paramsExpected', 256);
    this.paramsReceived = Math.min(n('paramsReceived', 256), this.paramsExpected);
    this.params.set(params);
    this.replyBuf.set(replyBuf);
    this.replyLength = n('replyLength', 255);
    this.replyIndex = Math.min(n('replyIndex', 255), this.replyLength);
    this.mailboxCount = mailboxCount;
    this.mailboxBase = n('mailboxBase', 0xffffffff) >>> 0;
    this.wide = readBool(f, 'wide');
    this.outIndex = mailboxCount === 0 ? 0 : n('outIndex', mailboxCount - 1);
    this.inIndex = mailboxCount === 0 ? 0 : n('inIndex', mailboxCount - 1);
    this.strictRoundRobin = readBool(f, 'strictRoundRobin');
    this.extendedLun = readBool(f, 'extendedLun');
    this.irqEnabled = readBool(f, 'irqEnabled');
    this.outboxAvailInt = readBool(f, 'outboxAvailInt');
    this.isaPort = n('isaPort', 7);
    this.pendingCcb.load(pc);
    this.pendingStatus.load(ps);
    for (const s of this.slots) if (s.task.inUse) s.task.cancelled = true;
    if (this.diagPending && this.timer !== null && this.clock !== null) this.timer.arm(this.clock.now() + DIAG_NS);
    this.irqLevel = this.irqEnabled && (this.intr & Intr.Valid) !== 0;
  }

  /** Re-drive the interrupt wire from the current state (after a restore). */
  syncIrq(): void {
    this.irq.set(this.irqLevel);
  }
}
