/**
 * The Fusion-MPT message unit of an LSI 53C1030: doorbell and handshake,
 * IOC state machine, host interrupt status/mask, request and reply FIFOs,
 * and the message functions Linux's mptbase/mptscsih/mptspi and SeaBIOS use.
 * Bus-independent: the PCI binding routes register accesses here.
 *
 * @module
 */

import type { DeviceState, DmaSpace, IrqLine } from '@vm/bus';
import { DmaStatus, StateError } from '@vm/bus';
import { ScsiTask } from '../target/scsi-task.js';
import { Unplugged } from '../unplugged.js';
import type { ScsiTarget, ScsiTaskOwner } from '../target/scsi-task.js';
import { ScsiStatus } from '../target/sense.js';
import { SgList } from '../sg-list.js';
import { U32Fifo } from '../u32-fifo.js';
import { checkState, readBool, readNum, readU32 } from '../state-read.js';
import {
  ConfigAction,
  DOORBELL_ACTIVE,
  DoorbellFn,
  Him,
  His,
  IocState,
  IocStatus,
  MSGFLAGS_CONTINUATION_REPLY,
  MpiEvent,
  MpiFn,
  MptReg,
  PageType,
  ScsiState,
  Sge,
  TaskType,
} from './mpi.js';
import { MptConfigState, applyConfigWrite, buildConfigPage } from './mpt-config-pages.js';
import { walkMptSgl } from './mpt-sgl.js';
import { writeIocFactsReply } from './mpt-facts.js';
import type { MptPageFacts } from './mpt-config-pages.js';

import { MPT_CREDITS, MPT_MAX_TARGETS, MPT_REQUEST_FRAME_DWORDS } from './mpt-limits.js';

export { MPT_CREDITS, MPT_MAX_TARGETS, MPT_REQUEST_FRAME_DWORDS };
const FIFO_DEPTH = 256;
const HANDSHAKE_MAX_DWORDS = 255;
const MAX_SGE = 256;
const MAX_TRANSFER = 16 * 1024 * 1024;
const FAULT_REPLY_OVERFLOW = 0x0001;
const FAULT_NO_REPLY_FRAME = 0x0002;
const WRSEQ_KEYS = [0x4, 0xb, 0x2, 0x7, 0xd] as const;
const DIAG_DRWE = 0x80;
const DIAG_RESET_HISTORY = 0x20;
const DIAG_RESET_ADAPTER = 0x04;
const DIAG_STORED = 0x1f & ~DIAG_RESET_ADAPTER;

/** Handshake phases. */
const Hs = { None: 0, Write: 1, Read: 2 } as const;

class MptSlot {
  readonly task: ScsiTask;
  readonly sgl = new SgList(MAX_SGE);
  msgContext = 0;
  target = 0;
  bus = 0;
  cdbLength = 0;
  senseBufferLength = 0;
  msgFlags = 0;
  dataLength = 0;
  write = false;
  senseAddr = 0;
  constructor(owner: ScsiTaskOwner, index: number) {
    this.task = new ScsiTask(owner, index);
  }
}

/**
 * The Fusion-MPT IOC core. Registers are 32-bit at {@link MptReg} offsets;
 * {@link readRegister}/{@link writeRegister} are what both the I/O BAR and
 * the memory BAR call.
 */
export class MptIoc implements ScsiTaskOwner {
  /** Snapshot name. */
  readonly stateName = 'mpt-ioc';
  /** Snapshot layout version. */
  readonly stateVersion = 1;
  /** SCSI id of the adapter itself. */
  readonly initiatorId = 7;
  private dma: DmaSpace;
  private irq: IrqLine;
  private readonly targets: (ScsiTarget | null)[] = new Array<ScsiTarget | null>(MPT_MAX_TARGETS).fill(null);
  private readonly slots: MptSlot[] = [];
  private readonly pageState = new MptConfigState();
  private readonly facts: MptPageFacts;

  private state: number = IocState.Ready;
  private faultCode = 0;
  private whoInit = 0;
  private intStatus = 0;
  private intMask = Him.Doorbell | Him.Reply;
  private irqLevel = false;
  private hsPhase: number = Hs.None;
  private hsExpected = 0;
  private hsReceived = 0;
  private hsReplyWords = 0;
  private hsReplyIndex = 0;
  private wrseq = 0;
  private diagWriteEnable = false;
  private diagBits = 0;
  private resetHistory = false;
  private replyFrameSize = 0;
  private hostMfaHigh = 0;
  private senseHigh = 0;
  private maxDevices = 0;
  private maxBuses = 0;
  private portEnabled = false;
  private eventsOn = false;
  private eventContext = 0;
  private readonly replyPost = new U32Fifo(FIFO_DEPTH);
  private readonly replyFree = new U32Fifo(FIFO_DEPTH);
  /** Message being received (handshake) or fetched (request FIFO). */
  private readonly msg = new Uint8Array(HANDSHAKE_MAX_DWORDS * 4 + 4);
  private readonly msgView = new DataView(this.msg.buffer);
  /** Scratch for building replies (address replies are written out at once). */
  private readonly reply = new Uint8Array(128);
  /** The handshake reply being read through the doorbell (kept apart from {@link reply}, which asynchronous completions reuse). */
  private readonly hsReply = new Uint8Array(128);
  private readonly replyView = new DataView(this.reply.buffer);
  private readonly page = new Uint8Array(128);
  private processing = false;

  /** @param facts PCI identity echoed by IOC page 0 */
  constructor(facts: Omit<MptPageFacts, 'initiatorId'>) {
    this.facts = { ...facts, initiatorId: 7 };
    const none = new Unplugged();
    this.dma = none;
    this.irq = none;
    for (let i = 0; i < MPT_CREDITS; i++) this.slots.push(new MptSlot(this, i));
  }

  /** Connect DMA and the interrupt wire (from the PCI slot). */
  attach(dma: DmaSpace, irq: IrqLine): void {
    this.dma = dma;
    this.irq = irq;
    this.updateIrq();
  }

  /** Put `target` at SCSI id `id` (0..15 except the adapter's 7), or remove it with null. */
  setTarget(id: number, target: ScsiTarget | null): void {
    if (!Number.isInteger(id) || id < 0 || id >= MPT_MAX_TARGETS || id === this.initiatorId)
      throw new RangeError(`SCSI id ${id} is not available on this adapter`);
    this.targets[id] = target;
  }

  /** Power-on / PCI reset: IOC READY, FIFOs empty, targets reset. */
  reset(): void {
    this.messageUnitReset();
    this.whoInit = 0;
    this.wrseq = 0;
    this.diagWriteEnable = false;
    this.diagBits = 0;
    this.resetHistory = false;
    this.pageState.reset();
    for (const t of this.targets) t?.reset();
    this.updateIrq();
  }

  /** Requests still waiting for a target (including cancelled ones). */
  get busySlots(): number {
    let n = 0;
    for (const s of this.slots) if (s.task.inUse) n++;
    return n;
  }

  /** Read the 32-bit register at `offset` (side effects: doorbell reply, reply FIFO pop). */
  readRegister(offset: number): number {
    switch (offset & 0xfc) {
      case MptReg.Doorbell:
        return this.readDoorbell();
      case MptReg.Diagnostic:
        return (
          (this.diagWriteEnable ? DIAG_DRWE : 0) | (this.resetHistory ? DIAG_RESET_HISTORY : 0) | this.diagBits
        ) >>> 0;
      case MptReg.HostInterruptStatus:
        return this.readIntStatus();
      case MptReg.HostInterruptMask:
        return this.intMask;
      case MptReg.ReplyQueue: {
        const v = this.replyPost.pop();
        this.updateIrq();
        return v < 0 ? 0xffffffff : v;
      }
      case MptReg.RequestQueue:
        return 0xffffffff; // no IOC-owned message frames: host-managed frames only
      default:
        return 0;
    }
  }

  /** Write the 32-bit register at `offset`. */
  writeRegister(offset: number, value: number): void {
    value >>>= 0;
    switch (offset & 0xfc) {
      case MptReg.Doorbell:
        this.writeDoorbell(value);
        break;
      case MptReg.WriteSequence:
        this.writeSequence(value);
        break;
      case MptReg.Diagnostic:
        this.writeDiagnostic(value);
        break;
      case MptReg.HostInterruptStatus:
        this.writeIntStatus();
        break;
      case MptReg.HostInterruptMask:
        this.intMask = value & (Him.Doorbell | Him.Reply);
        break;
      case MptReg.RequestQueue:
      case MptReg.HighPriorityQueue:
        this.postRequest(value);
        break;
      case MptReg.ReplyQueue:
        this.replyFree.push(value);
        break;
      default:
        break;
    }
    this.updateIrq();
  }

  // ---- doorbell and handshake (MPI 1.2 section 3.5) ----

  private readDoorbell(): number {
    let v = ((this.state << 28) | ((this.whoInit & 7) << 24)) >>> 0;
    if (this.hsPhase !== Hs.None) v |= DOORBELL_ACTIVE;
    if (this.state === IocState.Fault) return (v | (this.faultCode & 0xffff)) >>> 0;
    if (this.hsPhase === Hs.Read) {
      // Each read hands out the next 16-bit word of the reply.
      const i = this.hsReplyIndex;
      if (i < this.hsReplyWords) {
        v |= this.hsReply[2 * i]! | (this.hsReply[2 * i + 1]! << 8);
        this.hsReplyIndex = i + 1;
      }
    }
    return v >>> 0;
  }

  private writeDoorbell(value: number): void {
    if (this.hsPhase === Hs.Write) {
      this.msgView.setUint32(this.hsReceived * 4, value, true);
      this.hsReceived++;
      if (this.hsReceived >= this.hsExpected) this.handshakeMessage();
      return;
    }
    const fn = value >>> 24;
    if (fn === DoorbellFn.IocMessageUnitReset || fn === DoorbellFn.IoUnitReset) {
      this.messageUnitReset();
      return;
    }
    if (fn === DoorbellFn.Handshake && this.state !== IocState.Fault) {
      const n = (value >>> 16) & 0xff;
      if (n === 0) return;
      this.msg.fill(0);
      this.hsPhase = Hs.Write;
      this.hsExpected = n;
      this.hsReceived = 0;
      this.intStatus |= His.Doorbell;
    }
  }

  private readIntStatus(): number {
    let v = this.intStatus & His.Doorbell;
    if (this.replyPost.count > 0) v |= His.Reply;
    return v >>> 0;
  }

  private writeIntStatus(): void {
    // Any write clears the doorbell interrupt; while a reply is being read
    // the IOC raises it again for the next word, and once more at the end.
    this.intStatus &= ~His.Doorbell;
    if (this.hsPhase === Hs.Read) {
      this.intStatus |= His.Doorbell;
      if (this.hsReplyIndex >= this.hsReplyWords) this.hsPhase = Hs.None;
    }
  }

  private handshakeMessage(): void {
    const fn = this.msg[3]!;
    this.intStatus |= His.Doorbell;
    if (fn === MpiFn.ScsiTaskMgmt) {
      // Linux sends task management through the doorbell and expects the
      // reply through the reply FIFO.
      this.hsPhase = Hs.None;
      const n = this.taskManagement();
      if (n > 0) this.postAddressReply(n);
      return;
    }
    const n = fn === MpiFn.ScsiIo ? this.simpleReply(IocStatus.InvalidFunction, 5) : this.dispatch(fn);
    this.hsReply.set(this.reply);
    this.hsPhase = Hs.Read;
    this.hsReplyWords = n * 2;
    this.hsReplyIndex = 0;
  }

  private writeSequence(value: number): void {
    const key = value & 0xf;
    if (key === WRSEQ_KEYS[this.wrseq]) {
      this.wrseq++;
      if (this.wrseq === WRSEQ_KEYS.length) {
        this.diagWriteEnable = true;
        this.wrseq = 0;
      }
    } else {
      this.diagWriteEnable = false;
      this.wrseq = key === WRSEQ_KEYS[0] ? 1 : 0;
    }
  }

  private writeDiagnostic(value: number): void {
    if (!this.diagWriteEnable) return;
    if ((value & DIAG_RESET_HISTORY) === 0) this.resetHistory = false;
    this.diagBits = value & DIAG_STORED & ~DIAG_RESET_HISTORY;
    if ((value & DIAG_RESET_ADAPTER) !== 0) {
      // The reset clears diagnostic write enable and the ARM/debug bits and
      // records itself in RESET_HISTORY (mptbase mpt_diag_reset checks all three).
      this.messageUnitReset();
      this.whoInit = 0;
      this.diagBits = 0;
      this.diagWriteEnable = false;
      this.resetHistory = true;
      for (const t of this.targets) t?.reset();
    }
  }

  /** IOC message unit reset: back to READY, FIFOs empty, requests abandoned. */
  private messageUnitReset(): void {
    for (const s of this.slots) if (s.task.inUse) s.task.cancelled = true;
    this.state = IocState.Ready;
    this.faultCode = 0;
    this.hsPhase = Hs.None;
    this.hsExpected = 0;
    this.hsReceived = 0;
    this.hsReplyWords = 0;
    this.hsReplyIndex = 0;
    this.intStatus = 0;
    this.intMask = Him.Doorbell | Him.Reply;
    this.replyPost.clear();
    this.replyFree.clear();
    this.replyFrameSize = 0;
    this.hostMfaHigh = 0;
    this.senseHigh = 0;
    this.portEnabled = false;
    this.eventsOn = false;
    this.eventContext = 0;
  }

  private fault(code: number): void {
    this.state = IocState.Fault;
    this.faultCode = code;
    for (const s of this.slots) if (s.task.inUse) s.task.cancelled = true;
  }

  private updateIrq(): void {
    const pending = this.readIntStatus() & ~this.intMask & (His.Doorbell | His.Reply);
    const level = pending !== 0;
    if (level !== this.irqLevel) {
      this.irqLevel = level;
      this.irq.set(level);
    }
  }

  // ---- request FIFO ----

  private postRequest(value: number): void {
    if (this.state !== IocState.Operational || this.processing) return;
    const addr = (value & ~3) >>> 0;
    this.processing = true;
    const ok = this.dma.read(addr, this.msg.subarray(0, MPT_REQUEST_FRAME_DWORDS * 4)) === DmaStatus.Ok;
    if (!ok) {
      // An unreadable frame has no trustworthy context to reply to.
      this.processing = false;
      return;
    }
    const fn = this.msg[3]!;
    let n: number;
    if (fn === MpiFn.ScsiIo) n = this.scsiIo();
    else if (fn === MpiFn.ScsiTaskMgmt) n = this.taskManagement();
    else n = this.dispatch(fn);
    if (n > 0) this.postAddressReply(n);
    this.processing = false;
  }

  /** Post the `dwords`-long reply in {@link reply} through a reply frame. */
  private postAddressReply(dwords: number): void {
    if (this.state === IocState.Fault) return;
    const frame = this.replyFree.pop();
    if (frame < 0) {
      this.fault(FAULT_NO_REPLY_FRAME);
      return;
    }
    const n = Math.min(dwords * 4, this.replyFrameSize);
    this.dma.write(frame, this.reply.subarray(0, n));
    this.postReply((0x80000000 | (frame >>> 1)) >>> 0);
  }

  private postReply(v: number): void {
    if (!this.replyPost.push(v)) this.fault(FAULT_REPLY_OVERFLOW);
    this.updateIrq();
  }

  // ---- message functions ----

  /** Handle a synchronous function; returns the reply length in dwords. */
  private dispatch(fn: number): number {
    switch (fn) {
      case MpiFn.IocFacts:
        return this.iocFacts();
      case MpiFn.PortFacts:
        return this.portFacts();
      case MpiFn.IocInit:
        return this.iocInit();
      case MpiFn.PortEnable:
        this.portEnabled = true;
        return this.simpleReply(IocStatus.Success, 5);
      case MpiFn.EventNotification:
        return this.eventNotification();
      case MpiFn.EventAck:
        return this.simpleReply(IocStatus.Success, 5);
      case MpiFn.Config:
        return this.config();
      default:
        return this.simpleReply(IocStatus.InvalidFunction, 5);
    }
  }

  /** Start a reply: copy the request's first dword layout bytes and context. */
  private beginReply(dwords: number): void {
    this.reply.fill(0);
    this.reply[0] = this.msg[0]!;
    this.reply[1] = this.msg[1]!;
    this.reply[2] = dwords;
    this.reply[3] = this.msg[3]!;
    this.reply[4] = this.msg[4]!;
    this.reply[5] = this.msg[5]!;
    this.reply[6] = this.msg[6]!;
    this.reply[7] = this.msg[7]!;
    this.replyView.setUint32(8, this.msgView.getUint32(8, true), true);
  }

  private simpleReply(status: number, dwords: number): number {
    this.beginReply(dwords);
    this.replyView.setUint16(14, status, true);
    return dwords;
  }

  private iocFacts(): number {
    this.beginReply(20);
    writeIocFactsReply(this.reply, this.replyView, {
      whoInit: this.whoInit,
      hostMfaHigh: this.hostMfaHigh,
      senseHigh: this.senseHigh,
      replyFrameSize: this.replyFrameSize,
      eventsOn: this.eventsOn,
      replyQueueDepth: FIFO_DEPTH - 1,
    });
    return 20;
  }

  private portFacts(): number {
    const port = this.msg[6]!;
    this.beginReply(10);
    if (port !== 0) {
      this.replyView.setUint16(14, IocStatus.InvalidField, true);
      return 10;
    }
    this.reply[21] = 0x01; // PortType SCSI
    this.replyView.setUint16(22, MPT_MAX_TARGETS, true);
    this.replyView.setUint16(24, this.initiatorId, true);
    this.replyView.setUint16(26, 0x08, true); // ProtocolFlags: initiator
    return 10;
  }

  private iocInit(): number {
    const m = this.msgView;
    const frameSize = m.getUint16(12, true);
    const mfaHigh = m.getUint32(16, true);
    const senseHigh = m.getUint32(20, true);
    if (frameSize < 4 || frameSize > 1024 || mfaHigh !== 0) return this.simpleReply(IocStatus.InvalidField, 5);
    this.whoInit = this.msg[0]! & 7;
    this.maxDevices = this.msg[5]!;
    this.maxBuses = this.msg[6]!;
    this.replyFrameSize = frameSize & ~3;
    this.hostMfaHigh = mfaHigh;
    this.senseHigh = senseHigh;
    this.state = IocState.Operational;
    return this.simpleReply(IocStatus.Success, 5);
  }

  private eventNotification(): number {
    this.eventsOn = (this.msg[0]! & 1) !== 0;
    this.eventContext = this.msgView.getUint32(8, true);
    this.beginReply(8);
    this.reply[0] = 1; // EventDataLength
    this.reply[1] = 0;
    this.reply[6] = 0; // AckRequired
    this.reply[7] = this.eventsOn ? MSGFLAGS_CONTINUATION_REPLY : 0;
    this.replyView.setUint32(20, MpiEvent.EventChange, true);
    this.replyView.setUint32(28, this.eventsOn ? 1 : 0, true);
    return 8;
  }

  private config(): number {
    const m = this.msgView;
    const action = this.msg[0]!;
    const version = this.msg[20]!;
    const type = this.msg[23]! & 0x0f;
    const num = this.msg[22]!;
    const address = m.getUint32(24, true);
    const done = (status: number): number => {
      this.beginReply(6);
      this.reply[20] = status === IocStatus.Success ? this.page[0]! : version;
      this.reply[21] = status === IocStatus.Success ? this.page[1]! : 0;
      this.reply[22] = num;
      this.reply[23] = this.msg[23]!;
      this.replyView.setUint16(14, status, true);
      return 6;
    };
    if (action > ConfigAction.ReadNvram) return done(IocStatus.ConfigInvalidAction);
    if (type === PageType.Extended) return done(IocStatus.ConfigInvalidType);
    const len = buildConfigPage(this.page, type, num, address, this.facts, this.pageState);
    if (len < 0) return done(IocStatus.ConfigInvalidPage);
    if (action === ConfigAction.PageHeader) return done(IocStatus.Success);
    // Page buffer: one simple SGE at offset 28.
    const fl = m.getUint32(28, true);
    const flags = fl >>> 24;
    if ((flags & Sge.TypeMask) !== Sge.TypeSimple) return done(IocStatus.InvalidSgl);
    const addr = m.getUint32(32, true);
    if ((flags & Sge.Address64) !== 0 && m.getUint32(36, true) !== 0) return done(IocStatus.InvalidSgl);
    const n = Math.min(fl & 0xffffff, len * 4);
    if (action === ConfigAction.WriteCurrent || action === ConfigAction.WriteNvram) {
      const tmp = this.page;
      if (this.dma.read(addr, tmp.subarray(0, n)) !== DmaStatus.Ok) return done(IocStatus.InvalidSgl);
      applyConfigWrite(tmp, type, num, address, this.pageState);
      buildConfigPage(this.page, type, num, address, this.facts, this.pageState);
      return done(IocStatus.Success);
    }
    if (action === ConfigAction.Default) return done(IocStatus.Success);
    if (this.dma.write(addr, this.page.subarray(0, n)) !== DmaStatus.Ok) return done(IocStatus.InvalidSgl);
    return done(IocStatus.Success);
  }

  // ---- SCSI task management ----

  private taskManagement(): number {
    const type = this.msg[5]!;
    const target = this.msg[0]!;
    const bus = this.msg[1]!;
    const lun = this.msg[13]!;
    const taskContext = this.msgView.getUint32(48, true);
    let count = 0;
    // Terminated requests are answered before the task management reply.
    for (const s of this.slots) {
      const t = s.task;
      if (!t.inUse || t.cancelled) continue;
      let hit = false;
      switch (type) {
        case TaskType.AbortTask:
          hit = s.msgContext === taskContext && s.target === target;
          break;
        case TaskType.AbortTaskSet:
        case TaskType.ClearTaskSet:
        case TaskType.LogicalUnitReset:
          hit = s.target === target && t.lun === lun;
          break;
        case TaskType.TargetReset:
          hit = s.target === target;
          break;
        case TaskType.ResetBus:
          hit = true;
          break;
        default:
          break;
      }
      if (!hit) continue;
      t.cancelled = true;
      count++;
      this.terminatedReply(s);
    }
    if (bus === 0 && target < MPT_MAX_TARGETS) {
      if (type === TaskType.TargetReset || type === TaskType.LogicalUnitReset) this.targets[target]?.reset();
    }
    if (type === TaskType.ResetBus) {
      for (const t of this.targets) t?.reset();
      this.postEvent(MpiEvent.IocBusReset);
    }
    // Rebuild the TM reply (terminatedReply used the reply buffer).
    this.beginReply(6);
    this.reply[4] = 0; // ResponseCode: complete
    this.reply[5] = type;
    this.reply[6] = 0;
    this.replyView.setUint32(20, count, true);
    return 6;
  }

  private terminatedReply(s: MptSlot): void {
    // Saved request bytes are overwritten by the next beginReply; keep the TM frame intact.
    const r = this.reply;
    const rv = this.replyView;
    r.fill(0);
    r[0] = s.target;
    r[1] = s.bus;
    r[2] = 9;
    r[3] = MpiFn.ScsiIo;
    r[4] = s.cdbLength;
    r[5] = s.senseBufferLength;
    r[7] = s.msgFlags;
    rv.setUint32(8, s.msgContext, true);
    r[13] = ScsiState.Terminated | ScsiState.NoScsiStatus;
    rv.setUint16(14, IocStatus.ScsiTaskTerminated, true);
    this.postAddressReply(9);
  }

  /**
   * Post an asynchronous event reply (a continuation of the outstanding
   * EVENT NOTIFICATION request, so it carries that request's context).
   */
  private postEvent(event: number): void {
    if (!this.eventsOn) return;
    const r = this.reply;
    r.fill(0);
    r[2] = 7;
    r[3] = MpiFn.EventNotification;
    r[7] = MSGFLAGS_CONTINUATION_REPLY;
    this.replyView.setUint32(8, this.eventContext, true);
    this.replyView.setUint32(20, event, true);
    this.postAddressReply(7);
  }

  // ---- SCSI IO ----

  private scsiIoError(status: number): number {
    this.beginReply(9);
    this.replyView.setUint16(14, status, true);
    this.reply[13] = ScsiState.NoScsiStatus;
    return 9;
  }

  private scsiIo(): number {
    const m = this.msgView;
    const target = this.msg[0]!;
    const bus = this.msg[1]!;
    const cdbLength = this.msg[4]!;
    if (bus !== 0) return this.scsiIoError(IocStatus.ScsiInvalidBus);
    if (target >= MPT_MAX_TARGETS || target === this.initiatorId) return this.scsiIoError(IocStatus.ScsiInvalidTargetId);
    const dev = this.targets[target] ?? null;
    if (dev === null) return this.scsiIoError(IocStatus.ScsiDeviceNotThere);
    if (cdbLength === 0 || cdbLength > 16) return this.scsiIoError(IocStatus.InvalidField);
    const dataLength = m.getUint32(40, true);
    if (dataLength > MAX_TRANSFER) return this.scsiIoError(IocStatus.InvalidField);
    let slot: MptSlot | null = null;
    const slots = this.slots;
    for (let i = 0; i < slots.length; i++) {
      if (!slots[i]!.task.inUse) {
        slot = slots[i]!;
        break;
      }
    }
    if (slot === null) return this.scsiIoError(IocStatus.InsufficientResources);
    const dir = (m.getUint32(20, true) >>> 24) & 3;
    slot.sgl.clear();
    if (dataLength > 0 && dir !== 0) {
      const st = walkMptSgl(slot.sgl, this.msgView, MPT_REQUEST_FRAME_DWORDS * 4, this.dma, dataLength);
      if (st !== IocStatus.Success) return this.scsiIoError(st);
    }
    slot.msgContext = m.getUint32(8, true);
    slot.target = target;
    slot.bus = bus;
    slot.cdbLength = cdbLength;
    slot.senseBufferLength = this.msg[5]!;
    slot.msgFlags = this.msg[7]!;
    slot.dataLength = dir === 0 ? 0 : Math.min(dataLength, slot.sgl.total);
    slot.write = dir === 1;
    slot.senseAddr = m.getUint32(44, true);
    const lun = this.msg[12] === 0 ? this.msg[13]! : 0xffff;
    const task = slot.task;
    task.prepare(lun, this.msg, cdbLength, 24);
    if (slot.write) {
      const want = Math.min(dev.dataOutLength(task.cdb), slot.dataLength);
      task.ensureCapacity(want);
      if (!slot.sgl.gather(this.dma, task.data, want)) return this.scsiIoError(IocStatus.ScsiIoDataError);
      task.dataOutLength = want;
      task.dataInLimit = 0;
    } else {
      task.dataInLimit = dir === 2 ? slot.dataLength : 0;
    }
    task.inUse = true;
    dev.execute(task);
    return 0;
  }

  /** @inheritDoc */
  scsiTaskDone(task: ScsiTask): void {
    const s = this.slots[task.slot]!;
    task.inUse = false;
    if (task.cancelled || this.state !== IocState.Operational) return;
    let dmaOk = true;
    const moved = task.dataInLength;
    if (!s.write && moved > 0) dmaOk = s.sgl.scatter(this.dma, task.data, moved);
    const transferred = s.write ? task.dataOutLength : moved;
    let scsiState = 0;
    let senseCount = 0;
    if (task.status === ScsiStatus.CheckCondition && task.senseLength > 0) {
      const n = Math.min(task.senseLength, s.senseBufferLength);
      if (this.senseHigh !== 0 && (s.msgFlags & 1) !== 0) scsiState |= ScsiState.AutosenseFailed;
      else if (n > 0 && this.dma.write(s.senseAddr, task.sense.subarray(0, n)) === DmaStatus.Ok) {
        scsiState |= ScsiState.AutosenseValid;
        senseCount = n;
      } else scsiState |= ScsiState.AutosenseFailed;
    }
    let iocStatus: number = IocStatus.Success;
    if (!dmaOk) iocStatus = IocStatus.ScsiIoDataError;
    else if (task.status === ScsiStatus.Good && transferred < s.dataLength) iocStatus = IocStatus.ScsiDataUnderrun;
    if (iocStatus === IocStatus.Success && task.status === ScsiStatus.Good) {
      // Context ("turbo") reply: the MsgContext alone.
      this.postReply(s.msgContext & 0x7fffffff);
      return;
    }
    const r = this.reply;
    const rv = this.replyView;
    r.fill(0);
    r[0] = s.target;
    r[1] = s.bus;
    r[2] = 9;
    r[3] = MpiFn.ScsiIo;
    r[4] = s.cdbLength;
    r[5] = s.senseBufferLength;
    r[7] = s.msgFlags;
    rv.setUint32(8, s.msgContext, true);
    r[12] = task.status;
    r[13] = scsiState;
    rv.setUint16(14, iocStatus, true);
    rv.setUint32(20, transferred, true);
    rv.setUint32(24, senseCount, true);
    this.postAddressReply(9);
    this.updateIrq();
  }

  // ---- snapshots ----

  /** Capture the IOC state (requests in flight are not included: quiesce first). */
  snapshot(): DeviceState {
    return {
      name: this.stateName,
      version: this.stateVersion,
      fields: {
        state: this.state,
        faultCode: this.faultCode,
        whoInit: this.whoInit,
        intStatus: this.intStatus,
        intMask: this.intMask,
        hsPhase: this.hsPhase,
        hsExpected: this.hsExpected,
        hsReceived: this.hsReceived,
        hsReplyWords: this.hsReplyWords,
        hsReplyIndex: this.hsReplyIndex,
        msg: this.msg.slice(),
        hsReply: this.hsReply.slice(),
        wrseq: this.wrseq,
        diagWriteEnable: this.diagWriteEnable,
        diagBits: this.diagBits,
        resetHistory: this.resetHistory,
        replyFrameSize: this.replyFrameSize,
        hostMfaHigh: this.hostMfaHigh,
        senseHigh: this.senseHigh,
        maxDevices: this.maxDevices,
        maxBuses: this.maxBuses,
        portEnabled: this.portEnabled,
        eventsOn: this.eventsOn,
        eventContext: this.eventContext,
        replyPost: this.replyPost.toArray(),
        replyFree: this.replyFree.toArray(),
        ioc1: new Uint32Array([this.pageState.ioc1Flags, this.pageState.ioc1Timeout, this.pageState.ioc1Depth]),
        requested: this.pageState.requested.slice(),
        devConfig: this.pageState.devConfig.slice(),
      },
    };
  }

  /** Restore a {@link snapshot}; in-flight requests are abandoned. */
  restore(state: DeviceState): void {
    checkState(state, this.stateName, this.stateVersion);
    const f = state.fields;
    const arr = (k: string): Uint32Array => {
      const v = f[k];
      if (!(v instanceof Uint32Array) || v.length > FIFO_DEPTH) throw new StateError(`mpt-ioc: bad ${k}`);
      return v;
    };
    const bytes = (k: string, n: number): Uint8Array => {
      const v = f[k];
      if (!(v instanceof Uint8Array) || v.length !== n) throw new StateError(`mpt-ioc: bad ${k}`);
      return v;
    };
    const msg = bytes('msg', this.msg.length);
    const reply = bytes('hsReply', this.hsReply.length);
    const post = arr('replyPost');
    const free = arr('replyFree');
    const ioc1 = readU32(f, 'ioc1', 3);
    const requested = readU32(f, 'requested', 16);
    const devConfig = readU32(f, 'devConfig', 16);
    const num = (k: string, max: number): number => Math.min(Math.max(readNum(f, k), 0), max) >>> 0;
    const st = num('state', 4);
    this.state = st === IocState.Operational || st === IocState.Fault ? st : IocState.Ready;
    this.faultCode = num('faultCode', 0xffff);
    this.whoInit = num('whoInit', 7);
    this.intStatus = num('intStatus', 1);
    this.intMask = num('intMask', 9) & 9;
    this.hsPhase = num('hsPhase', 2);
    this.hsExpected = num('hsExpected', HANDSHAKE_MAX_DWORDS);
    this.hsReceived = Math.min(num('hsReceived', HANDSHAKE_MAX_DWORDS), this.hsExpected);
    this.hsReplyWords = num('hsReplyWords', 64);
    this.hsReplyIndex = Math.min(num('hsReplyIndex', 64), this.hsReplyWords);
    this.msg.set(msg);
    this.hsReply.set(reply);
    this.wrseq = num('wrseq', 4);
    this.diagWriteEnable = readBool(f, 'diagWriteEnable');
    this.diagBits = num('diagBits', 0xff) & DIAG_STORED;
    this.resetHistory = readBool(f, 'resetHistory');
    this.replyFrameSize = num('replyFrameSize', 1024) & ~3;
    this.hostMfaHigh = num('hostMfaHigh', 0xffffffff);
    this.senseHigh = num('senseHigh', 0xffffffff);
    this.maxDevices = num('maxDevices', 255);
    this.maxBuses = num('maxBuses', 255);
    this.portEnabled = readBool(f, 'portEnabled');
    this.eventsOn = readBool(f, 'eventsOn');
    this.eventContext = num('eventContext', 0xffffffff);
    this.replyPost.load(post);
    this.replyFree.load(free);
    this.pageState.ioc1Flags = ioc1[0]!;
    this.pageState.ioc1Timeout = ioc1[1]!;
    this.pageState.ioc1Depth = ioc1[2]! & 0xff;
    this.pageState.requested.set(requested);
    this.pageState.devConfig.set(devConfig);
    for (const s of this.slots) if (s.task.inUse) s.task.cancelled = true;
    // The IRQ level is re-driven by the machine after restore (see syncIrq).
    this.irqLevel = (this.readIntStatus() & ~this.intMask & (His.Doorbell | His.Reply)) !== 0;
  }

  /** Re-drive the interrupt wire from the current state (after a restore). */
  syncIrq(): void {
    this.irq.set(this.irqLevel);
  }
}
