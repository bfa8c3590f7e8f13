/**
 * A SCSI direct-access block device (SBC-3) over a {@link BlockBackend}.
 *
 * @module
 */

import { BlockError } from '@vm/bus';
import type { BlockBackend, DeviceState, Snapshotable } from '@vm/bus';
import { TaskIo } from './scsi-task.js';
import type { ScsiTarget, ScsiTask } from './scsi-task.js';
import { Asc, FIXED_SENSE_LENGTH, ScsiStatus, SenseKey, writeFixedSense } from './sense.js';
import {
  ALL_MODE_PAGES,
  PageControl,
  naaFromSerial,
  putBe16,
  putBe32,
  putBe64,
  writeModePage,
  writeStandardInquiry,
  writeVpdPage,
} from './disk-pages.js';
import type { DiskIdentity } from './disk-pages.js';
import { readBool, readBytes, checkState } from '../state-read.js';

/** Configuration of a {@link ScsiDisk}. */
export interface ScsiDiskConfig {
  /** The disk's contents. */
  readonly backend: BlockBackend;
  /** INQUIRY vendor (default `"VMware"`). */
  readonly vendor?: string;
  /** INQUIRY product (default `"Virtual disk"`). */
  readonly product?: string;
  /** INQUIRY revision (default `"1.0"`). */
  readonly revision?: string;
  /** Unit serial number (default derived from `name`). */
  readonly serial?: string;
  /** Instance name, used to derive the default serial (default `"disk"`). */
  readonly name?: string;
  /** Largest transfer accepted in one command, bytes (default 16 MiB). */
  readonly maxTransferBytes?: number;
}

const OP = {
  TestUnitReady: 0x00,
  RezeroUnit: 0x01,
  RequestSense: 0x03,
  Read6: 0x08,
  Write6: 0x0a,
  Seek6: 0x0b,
  Inquiry: 0x12,
  ModeSelect6: 0x15,
  Reserve6: 0x16,
  Release6: 0x17,
  ModeSense6: 0x1a,
  StartStopUnit: 0x1b,
  SendDiagnostic: 0x1d,
  PreventAllow: 0x1e,
  ReadCapacity10: 0x25,
  Read10: 0x28,
  Write10: 0x2a,
  Seek10: 0x2b,
  Verify10: 0x2f,
  SynchronizeCache10: 0x35,
  ModeSelect10: 0x55,
  ModeSense10: 0x5a,
  Read16: 0x88,
  Write16: 0x8a,
  Verify16: 0x8f,
  SynchronizeCache16: 0x91,
  ServiceActionIn16: 0x9e,
  ReportLuns: 0xa0,
  Read12: 0xa8,
  Write12: 0xaa,
} as const;

const READ_CAPACITY_16 = 0x10;

function be16(b: Uint8Array, o: number): number {
  return (b[o]! << 8) | b[o + 1]!;
}
function be32(b: Uint8Array, o: number): number {
  return ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
}
/** Big-endian 64-bit as a double; values >= 2^53 come out as Infinity-ish large numbers (out of range anyway). */
function be64(b: Uint8Array, o: number): number {
  return be32(b, o) * 0x100000000 + be32(b, o + 4);
}

/**
 * A SCSI disk target: INQUIRY (with VPD 0x00/0x80/0x83/0xB0), TEST UNIT
 * READY, REQUEST SENSE, READ CAPACITY (10)/(16), READ/WRITE (6/10/12/16),
 * VERIFY (10/16), MODE SENSE/SELECT (6/10) with the caching (WCE), control,
 * error recovery and geometry pages, SYNCHRONIZE CACHE (10/16), REPORT LUNS,
 * START STOP UNIT, with fixed-format sense data for every error. It is
 * logical unit 0; other LUNs answer INQUIRY with "no unit" and fail the rest.
 *
 * Backend I/O is asynchronous; a task completes only after the backend has
 * resolved (a write with the write cache disabled also waits for a flush).
 */
export class ScsiDisk implements ScsiTarget, Snapshotable {
  /** @inheritDoc */
  readonly stateName = 'scsi-disk';
  /** @inheritDoc */
  readonly stateVersion = 1;
  /** Identity strings and NAA id. */
  readonly identity: DiskIdentity;
  private readonly backend: BlockBackend;
  private readonly blockSize: number;
  private readonly maxTransferBytes: number;
  /** A UNIT ATTENTION (power on / reset) is pending. */
  private unitAttention = true;
  /** START STOP UNIT state. */
  private started = true;
  /** Caching mode page WCE bit. */
  private writeCacheEnabled = true;
  /** Sense data for REQUEST SENSE (last CHECK CONDITION). */
  private readonly lastSense = new Uint8Array(FIXED_SENSE_LENGTH);
  private lastSenseValid = false;
  private readonly scratch = new Uint8Array(256);

  /** @param config backend and identity */
  constructor(config: ScsiDiskConfig) {
    this.backend = config.backend;
    this.blockSize = config.backend.sectorSize;
    this.maxTransferBytes = config.maxTransferBytes ?? 16 * 1024 * 1024;
    const serial = config.serial ?? `VM${(config.name ?? 'disk').replace(/[^A-Za-z0-9]/g, '').toUpperCase()}0000`;
    this.identity = {
      vendor: config.vendor ?? 'VMware',
      product: config.product ?? 'Virtual disk',
      revision: config.revision ?? '1.0',
      serial,
      naa: naaFromSerial(serial),
    };
  }

  /** Capacity in blocks. */
  get blocks(): number {
    return this.backend.sectorCount;
  }

  /** @inheritDoc */
  reset(): void {
    this.unitAttention = true;
    this.started = true;
    this.lastSenseValid = false;
  }

  /** @inheritDoc */
  dataOutLength(cdb: Uint8Array): number {
    const bs = this.blockSize;
    switch (cdb[0]) {
      case OP.Write6:
        return (cdb[4] === 0 ? 256 : cdb[4]!) * bs;
      case OP.Write10:
        return be16(cdb, 7) * bs;
      case OP.Write12:
        return be32(cdb, 6) * bs;
      case OP.Write16:
        return be32(cdb, 10) * bs;
      case OP.Verify10:
        return (cdb[1]! & 0x06) === 0x02 ? be16(cdb, 7) * bs : 0;
      case OP.Verify16:
        return (cdb[1]! & 0x06) === 0x02 ? be32(cdb, 10) * bs : 0;
      case OP.ModeSelect6:
        return cdb[4]!;
      case OP.ModeSelect10:
        return be16(cdb, 7);
      default:
        return 0;
    }
  }

  /** @inheritDoc */
  execute(task: ScsiTask): void {
    task.target = this;
    task.status = ScsiStatus.Good;
    task.senseLength = 0;
    task.dataInLength = 0;
    task.dataInWanted = 0;
    const cdb = task.cdb;
    const op = cdb[0]!;
    if (op !== OP.RequestSense) this.lastSenseValid = false;
    if (task.lun !== 0) {
      if (op === OP.Inquiry) return this.inquiry(task, false);
      if (op === OP.ReportLuns) return this.reportLuns(task);
      if (op === OP.RequestSense) return this.requestSense(task, Asc.LogicalUnitNotSupported, SenseKey.IllegalRequest);
      return this.fail(task, SenseKey.IllegalRequest, Asc.LogicalUnitNotSupported);
    }
    if (op === OP.Inquiry) return this.inquiry(task, true);
    if (op === OP.ReportLuns) return this.reportLuns(task);
    if (op === OP.RequestSense) {
      if (this.unitAttention) {
        this.unitAttention = false;
        return this.requestSense(task, Asc.PowerOnReset, SenseKey.UnitAttention);
      }
      return this.requestSense(task, -1, 0);
    }
    if (this.unitAttention) {
      this.unitAttention = false;
      return this.fail(task, SenseKey.UnitAttention, Asc.PowerOnReset);
    }
    switch (op) {
      case OP.TestUnitReady:
        return this.started ? this.good(task) : this.fail(task, SenseKey.NotReady, Asc.NotReadyInitCommandRequired);
      case OP.RezeroUnit:
      case OP.Seek6:
      case OP.Seek10:
      case OP.Reserve6:
      case OP.Release6:
      case OP.PreventAllow:
        return this.good(task);
      case OP.SendDiagnostic:
        return (cdb[1]! & 0x04) !== 0 ? this.good(task) : this.fail(task, SenseKey.IllegalRequest, Asc.InvalidFieldInCdb);
      case OP.StartStopUnit:
        return this.startStop(task);
      case OP.ReadCapacity10:
        return this.readCapacity10(task);
      case OP.ServiceActionIn16:
        if ((cdb[1]! & 0x1f) === READ_CAPACITY_16) return this.readCapacity16(task);
        return this.fail(task, SenseKey.IllegalRequest, Asc.InvalidFieldInCdb);
      case OP.Read6:
        return this.read(task, ((cdb[1]! & 0x1f) << 16) | (cdb[2]! << 8) | cdb[3]!, cdb[4] === 0 ? 256 : cdb[4]!);
      case OP.Read10:
        return this.read(task, be32(cdb, 2), be16(cdb, 7));
      case OP.Read12:
        return this.read(task, be32(cdb, 2), be32(cdb, 6));
      case OP.Read16:
        return this.read(task, be64(cdb, 2), be32(cdb, 10));
      case OP.Write6:
        return this.write(task, ((cdb[1]! & 0x1f) << 16) | (cdb[2]! << 8) | cdb[3]!, cdb[4] === 0 ? 256 : cdb[4]!);
      case OP.Write10:
        return this.write(task, be32(cdb, 2), be16(cdb, 7));
      case OP.Write12:
        return this.write(task, be32(cdb, 2), be32(cdb, 6));
      case OP.Write16:
        return this.write(task, be64(cdb, 2), be32(cdb, 10));
      case OP.Verify10:
        return this.verify(task, be32(cdb, 2), be16(cdb, 7));
      case OP.Verify16:
        return this.verify(task, be64(cdb, 2), be32(cdb, 10));
      case OP.SynchronizeCache10:
        return this.synchronizeCache(task, be32(cdb, 2), be16(cdb, 7));
      case OP.SynchronizeCache16:
        return this.synchronizeCache(task, be64(cdb, 2), be32(cdb, 10));
      case OP.ModeSense6:
        return this.modeSense(task, false);
      case OP.ModeSense10:
        return this.modeSense(task, true);
      case OP.ModeSelect6:
        return this.modeSelect(task, false);
      case OP.ModeSelect10:
        return this.modeSelect(task, true);
      default:
        return this.fail(task, SenseKey.IllegalRequest, Asc.InvalidCommandOperationCode);
    }
  }

  /** @internal a backend promise settled for `task`. */
  ioSettled(task: ScsiTask, error: unknown): void {
    const io = task.io;
    task.io = TaskIo.None;
    if (error !== null) {
      if (error instanceof BlockError) {
        if (error.kind === 'out-of-range') return this.fail(task, SenseKey.IllegalRequest, Asc.LbaOutOfRange);
        if (error.kind === 'read-only') return this.fail(task, SenseKey.DataProtect, Asc.WriteProtected);
      }
      const readish = io === TaskIo.Read || io === TaskIo.VerifyRead;
      return this.fail(task, SenseKey.MediumError, readish ? Asc.UnrecoveredReadError : Asc.WriteError);
    }
    if (io === TaskIo.WriteThrough) {
      task.io = TaskIo.Flush;
      return this.startIo(task);
    }
    if (io === TaskIo.VerifyRead) {
      const n = task.ioBlocks * this.blockSize;
      const d = task.data;
      for (let i = 0; i < n; i++) {
        if (d[i] !== d[n + i]) return this.fail(task, SenseKey.Miscompare, Asc.MiscompareDuringVerify);
      }
      return this.good(task);
    }
    if (io === TaskIo.Read) {
      const bytes = task.ioBlocks * this.blockSize;
      task.dataInLength = Math.min(bytes, task.dataInLimit);
    }
    this.good(task);
  }

  private startIo(task: ScsiTask): void {
    const b = this.backend;
    const bytes = task.ioBlocks * this.blockSize;
    let p: Promise<void>;
    try {
      switch (task.io) {
        case TaskIo.Read:
          p = b.read(task.ioLba, task.data.subarray(0, bytes));
          break;
        case TaskIo.VerifyRead:
          p = b.read(task.ioLba, task.data.subarray(bytes, 2 * bytes));
          break;
        case TaskIo.Write:
        case TaskIo.WriteThrough:
          p = b.write(task.ioLba, task.data.subarray(0, bytes));
          break;
        default:
          p = b.flush();
          break;
      }
    } catch (e) {
      // A backend that throws synchronously is treated like a rejection, later.
      p = Promise.reject(e);
    }
    p.then(task.onIoOk, task.onIoFail);
  }

  /** Check LBA range and transfer size; fails the task and returns false when bad. */
  private checkRange(task: ScsiTask, lba: number, blocks: number): boolean {
    if (lba + blocks > this.backend.sectorCount) {
      this.fail(task, SenseKey.IllegalRequest, Asc.LbaOutOfRange);
      return false;
    }
    if (blocks * this.blockSize > this.maxTransferBytes) {
      this.fail(task, SenseKey.IllegalRequest, Asc.InvalidFieldInCdb);
      return false;
    }
    return true;
  }

  private read(task: ScsiTask, lba: number, blocks: number): void {
    if (!this.started) return this.fail(task, SenseKey.NotReady, Asc.NotReadyInitCommandRequired);
    if (!this.checkRange(task, lba, blocks)) return;
    task.dataInWanted = blocks * this.blockSize;
    // Read only what the initiator can take (whole blocks).
    const limitBlocks = Math.ceil(Math.min(task.dataInLimit, task.dataInWanted) / this.blockSize);
    if (limitBlocks === 0) return this.good(task);
    task.ensureCapacity(limitBlocks * this.blockSize);
    task.io = TaskIo.Read;
    task.ioLba = lba;
    task.ioBlocks = limitBlocks;
    this.startIo(task);
  }

  private write(task: ScsiTask, lba: number, blocks: number): void {
    if (!this.started) return this.fail(task, SenseKey.NotReady, Asc.NotReadyInitCommandRequired);
    if (this.backend.readOnly) return this.fail(task, SenseKey.DataProtect, Asc.WriteProtected);
    if (!this.checkRange(task, lba, blocks)) return;
    if (blocks === 0) return this.good(task);
    if (task.dataOutLength < blocks * this.blockSize) return this.fail(task, SenseKey.AbortedCommand, Asc.DataPhaseError);
    // FUA (byte 1 bit 3, absent from WRITE(6)) or a disabled write cache: write through.
    const fua = task.cdb[0] !== OP.Write6 && (task.cdb[1]! & 0x08) !== 0;
    task.io = this.writeCacheEnabled && !fua ? TaskIo.Write : TaskIo.WriteThrough;
    task.ioLba = lba;
    task.ioBlocks = blocks;
    this.startIo(task);
  }

  private verify(task: ScsiTask, lba: number, blocks: number): void {
    if (!this.started) return this.fail(task, SenseKey.NotReady, Asc.NotReadyInitCommandRequired);
    const bytchk = (task.cdb[1]! >>> 1) & 3;
    if (bytchk !== 0 && bytchk !== 1) return this.fail(task, SenseKey.IllegalRequest, Asc.InvalidFieldInCdb);
    if (!this.checkRange(task, lba, blocks)) return;
    if (bytchk === 0 || blocks === 0) return this.good(task);
    if (task.dataOutLength < blocks * this.blockSize) return this.fail(task, SenseKey.AbortedCommand, Asc.DataPhaseError);
    task.ensureCapacity(2 * blocks * this.blockSize);
    task.io = TaskIo.VerifyRead;
    task.ioLba = lba;
    task.ioBlocks = blocks;
    this.startIo(task);
  }

  private synchronizeCache(task: ScsiTask, lba: number, blocks: number): void {
    if (lba > this.backend.sectorCount || lba + blocks > this.backend.sectorCount)
      return this.fail(task, SenseKey.IllegalRequest, Asc.LbaOutOfRange);
    task.io = TaskIo.Flush;
    this.startIo(task);
  }

  private startStop(task: ScsiTask): void {
    const cdb = task.cdb;
    const power = cdb[4]! >>> 4;
    if (power !== 0) return this.good(task); // power conditions: nothing to do
    const start = (cdb[4]! & 1) !== 0;
    if (start) {
      this.started = true;
      return this.good(task);
    }
    // Stopping writes back the cache first (SBC-3 5.25).
    this.started = false;
    task.io = TaskIo.Flush;
    this.startIo(task);
  }

  private readCapacity10(task: ScsiTask): void {
    const d = this.scratch;
    const last = this.backend.sectorCount - 1;
    putBe32(d, 0, last > 0xfffffffe ? 0xffffffff : last >>> 0);
    putBe32(d, 4, this.blockSize);
    this.dataIn(task, d, 8, 8);
  }

  private readCapacity16(task: ScsiTask): void {
    const d = this.scratch;
    d.fill(0, 0, 32);
    putBe64(d, 0, this.backend.sectorCount - 1);
    putBe32(d, 8, this.blockSize);
    this.dataIn(task, d, 32, be32(task.cdb, 10));
  }

  private inquiry(task: ScsiTask, present: boolean): void {
    const cdb = task.cdb;
    const alloc = be16(cdb, 3);
    const d = this.scratch;
    if ((cdb[1]! & 1) === 0) {
      if (cdb[2] !== 0) return this.fail(task, SenseKey.IllegalRequest, Asc.InvalidFieldInCdb);
      const n = writeStandardInquiry(d, this.identity, present);
      return this.dataIn(task, d, n, alloc);
    }
    if (!present) return this.fail(task, SenseKey.IllegalRequest, Asc.LogicalUnitNotSupported);
    const n = writeVpdPage(d, cdb[2]!, this.identity, Math.floor(this.maxTransferBytes / this.blockSize));
    if (n < 0) return this.fail(task, SenseKey.IllegalRequest, Asc.InvalidFieldInCdb);
    this.dataIn(task, d, n, alloc);
  }

  private requestSense(task: ScsiTask, asc: number, key: number): void {
    const d = this.scratch;
    if (asc >= 0) writeFixedSense(d, key, asc);
    else if (this.lastSenseValid) d.set(this.lastSense);
    else writeFixedSense(d, SenseKey.NoSense, Asc.NoAdditionalSense);
    this.lastSenseValid = false;
    if ((task.cdb[1]! & 1) !== 0) return this.fail(task, SenseKey.IllegalRequest, Asc.InvalidFieldInCdb);
    this.dataIn(task, d, FIXED_SENSE_LENGTH, task.cdb[4]!);
  }

  private reportLuns(task: ScsiTask): void {
    const d = this.scratch;
    d.fill(0, 0, 16);
    putBe32(d, 0, 8);
    const alloc = be32(task.cdb, 6);
    if (alloc < 16) return this.fail(task, SenseKey.IllegalRequest, Asc.InvalidFieldInCdb);
    this.dataIn(task, d, 16, alloc);
  }

  private modeSense(task: ScsiTask, ten: boolean): void {
    const cdb = task.cdb;
    const dbd = (cdb[1]! & 0x08) !== 0;
    const llbaa = ten && (cdb[1]! & 0x10) !== 0;
    const pc = cdb[2]! >>> 6;
    const page = cdb[2]! & 0x3f;
    const subpage = cdb[3]!;
    const alloc = ten ? be16(cdb, 7) : cdb[4]!;
    if (pc === PageControl.Saved) return this.fail(task, SenseKey.IllegalRequest, Asc.SavingParametersNotSupported);
    if (subpage !== 0 && !(page === 0x3f && subpage === 0xff))
      return this.fail(task, SenseKey.IllegalRequest, Asc.InvalidFieldInCdb);
    const d = this.scratch;
    const hdr = ten ? 8 : 4;
    d.fill(0, 0, hdr);
    let o = hdr;
    const blocks = this.backend.sectorCount;
    if (!dbd) {
      if (llbaa) {
        d.fill(0, o, o + 16);
        putBe64(d, o, blocks);
        putBe32(d, o + 12, this.blockSize);
        o += 16;
      } else {
        d.fill(0, o, o + 8);
        putBe32(d, o, blocks > 0xffffffff ? 0xffffffff : blocks);
        putBe32(d, o + 4, this.blockSize); // byte 4 (density) stays 0: the size is 24 bits
        d[o + 4] = 0;
        o += 8;
      }
    }
    const bdl = o - hdr;
    if (page === 0x3f) {
      for (const p of ALL_MODE_PAGES) o = writeModePage(d, o, p, pc, this.writeCacheEnabled, blocks);
    } else {
      o = writeModePage(d, o, page, pc, this.writeCacheEnabled, blocks);
      if (o < 0) return this.fail(task, SenseKey.IllegalRequest, Asc.InvalidFieldInCdb);
    }
    const wp = this.backend.readOnly ? 0x80 : 0;
    if (ten) {
      putBe16(d, 0, o - 2);
      d[3] = wp;
      d[4] = llbaa ? 1 : 0;
      putBe16(d, 6, bdl);
    } else {
      d[0] = o - 1;
      d[2] = wp;
      d[3] = bdl;
    }
    this.dataIn(task, d, o, alloc);
  }

  private modeSelect(task: ScsiTask, ten: boolean): void {
    const cdb = task.cdb;
    if ((cdb[1]! & 0x01) !== 0) return this.fail(task, SenseKey.IllegalRequest, Asc.SavingParametersNotSupported);
    const len = ten ? be16(cdb, 7) : cdb[4]!;
    if (len === 0) return this.good(task);
    if (task.dataOutLength < len) return this.fail(task, SenseKey.AbortedCommand, Asc.DataPhaseError);
    const p = task.data;
    const hdr = ten ? 8 : 4;
    if (len < hdr) return this.fail(task, SenseKey.IllegalRequest, Asc.ParameterListLengthError);
    const bdl = ten ? be16(p, 6) : p[3]!;
    let o = hdr;
    if (bdl !== 0) {
      const longLba = ten && (p[4]! & 1) !== 0;
      const size = longLba ? 16 : 8;
      if (bdl % size !== 0 || hdr + bdl > len) return this.fail(task, SenseKey.IllegalRequest, Asc.ParameterListLengthError);
      for (let i = 0; i < bdl; i += size) {
        const bl = longLba ? be32(p, o + i + 12) : be32(p, o + i + 4) & 0xffffff;
        if (bl !== 0 && bl !== this.blockSize) return this.fail(task, SenseKey.IllegalRequest, Asc.InvalidFieldInParameterList);
      }
      o += bdl;
    }
    let wce = this.writeCacheEnabled;
    while (o < len) {
      if (o + 2 > len) return this.fail(task, SenseKey.IllegalRequest, Asc.ParameterListLengthError);
      const code = p[o]! & 0x3f;
      if ((p[o]! & 0x40) !== 0) return this.fail(task, SenseKey.IllegalRequest, Asc.InvalidFieldInParameterList);
      const plen = p[o + 1]!;
      if (o + 2 + plen > len) return this.fail(task, SenseKey.IllegalRequest, Asc.ParameterListLengthError);
      if (code === 0x08) {
        if (plen !== 0x12) return this.fail(task, SenseKey.IllegalRequest, Asc.InvalidFieldInParameterList);
        wce = (p[o + 2]! & 0x04) !== 0;
      } else if (code === 0x0a) {
        if (plen !== 0x0a) return this.fail(task, SenseKey.IllegalRequest, Asc.InvalidFieldInParameterList);
      } else if (code !== 0x01 && code !== 0x04) {
        return this.fail(task, SenseKey.IllegalRequest, Asc.InvalidFieldInParameterList);
      }
      o += 2 + plen;
    }
    this.writeCacheEnabled = wce;
    this.good(task);
  }

  /** Copy `n` bytes of `src` as data-in, limited by `alloc` and the initiator's buffer. */
  private dataIn(task: ScsiTask, src: Uint8Array, n: number, alloc: number): void {
    const len = Math.min(n, alloc);
    task.dataInWanted = len;
    const out = Math.min(len, task.dataInLimit);
    task.ensureCapacity(out);
    task.data.set(src.subarray(0, out));
    task.dataInLength = out;
    this.good(task);
  }

  private good(task: ScsiTask): void {
    task.status = ScsiStatus.Good;
    task.owner.scsiTaskDone(task);
  }

  private fail(task: ScsiTask, key: number, asc: number): void {
    task.status = ScsiStatus.CheckCondition;
    task.dataInLength = 0;
    writeFixedSense(task.sense, key, asc);
    task.senseLength = FIXED_SENSE_LENGTH;
    this.lastSense.set(task.sense);
    this.lastSenseValid = true;
    task.owner.scsiTaskDone(task);
  }

  /** @inheritDoc */
  snapshot(): DeviceState {
    return {
      name: this.stateName,
      version: this.stateVersion,
      fields: {
        unitAttention: this.unitAttention,
        started: this.started,
        writeCacheEnabled: this.writeCacheEnabled,
        lastSense: this.lastSense.slice(),
        lastSenseValid: this.lastSenseValid,
      },
    };
  }

  /** @inheritDoc */
  restore(state: DeviceState): void {
    checkState(state, this.stateName, this.stateVersion);
    const f = state.fields;
    const sense = readBytes(f, 'lastSense', FIXED_SENSE_LENGTH);
    const ua = readBool(f, 'unitAttention');
    const started = readBool(f, 'started');
    const wce = readBool(f, 'writeCacheEnabled');
    const valid = readBool(f, 'lastSenseValid');
    this.unitAttention = ua;
    this.started = started;
    this.writeCacheEnabled = wce;
    this.lastSense.set(sense);
    this.lastSenseValid = valid;
  }
}


