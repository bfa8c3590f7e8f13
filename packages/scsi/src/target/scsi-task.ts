/**
 * One SCSI command on its way from a host adapter to a target and back.
 *
 * @module
 */

import { FIXED_SENSE_LENGTH } from './sense.js';

/** Who is told when a {@link ScsiTask} completes (a host adapter). */
export interface ScsiTaskOwner {
  /**
   * The target finished `task`: `status`, `dataInLength` and the sense data
   * are final. May be called synchronously from {@link ScsiTarget.execute}.
   */
  scsiTaskDone(task: ScsiTask): void;
}

/**
 * A SCSI logical unit as a host adapter sees it: CDB in, data and status out
 * (SAM's "execute command" procedure call). Separate from any adapter's
 * register model.
 */
export interface ScsiTarget {
  /**
   * How many data-out bytes the command in `cdb` expects from the initiator
   * (0 for commands that transfer no data or transfer data in). Adapters use
   * it to gather data from guest memory before {@link execute}.
   */
  dataOutLength(cdb: Uint8Array): number;
  /**
   * Start `task`. Completion (always exactly once) is reported through
   * `task.owner.scsiTaskDone(task)`, after any backend I/O has resolved.
   */
  execute(task: ScsiTask): void;
  /** A SCSI bus or target reset: drop transient state, report UNIT ATTENTION next. */
  reset(): void;
}

/** A target placed at a SCSI id on an adapter. */
export interface TargetAttachment {
  /** SCSI id (0..15; 7 is the adapter's own). */
  readonly id: number;
  /** The logical unit 0 behind that id. */
  readonly target: ScsiTarget;
}

/** The operation a task is waiting for the backend to finish (target-internal). */
export const TaskIo = {
  /** Nothing in flight. */
  None: 0,
  /** A read into `data`. */
  Read: 1,
  /** A write from `data`. */
  Write: 2,
  /** A write whose completion is followed by a flush (write-through cache). */
  WriteThrough: 3,
  /** A flush (SYNCHRONIZE CACHE, STOP). */
  Flush: 4,
  /** A read for VERIFY with byte compare. */
  VerifyRead: 5,
} as const;

/** The TaskIo values. */
export type TaskIo = (typeof TaskIo)[keyof typeof TaskIo];

/** Where a task's backend promise reports (the target that started the I/O). */
export interface ScsiIoSink {
  /** The backend operation of `task` resolved (`error` null) or rejected. */
  ioSettled(task: ScsiTask, error: unknown): void;
}

/**
 * A reusable command slot: adapters preallocate a fixed set of tasks and
 * recycle them, so the I/O path allocates nothing but growing buffers.
 */
export class ScsiTask {
  /** Logical unit number addressed by the initiator. */
  lun = 0;
  /** The CDB (up to 16 bytes; unused bytes zero). */
  readonly cdb = new Uint8Array(16);
  /**
   * Data buffer: holds the data-out bytes on entry (`dataOutLength` of them)
   * and the data-in bytes on completion (`dataInLength`). Grows on demand.
   */
  data: Uint8Array = new Uint8Array(4096);
  /** Valid data-out bytes in {@link data} on entry. */
  dataOutLength = 0;
  /** Most data-in bytes the initiator can accept (the adapter's buffer size). */
  dataInLimit = 0;
  /** Data-in bytes produced (at most {@link dataInLimit}). */
  dataInLength = 0;
  /** Data-in bytes the command wanted to return (more than the limit is an overrun). */
  dataInWanted = 0;
  /** SCSI status byte ({@link ScsiStatus}). */
  status = 0;
  /** Sense data when {@link status} is CHECK CONDITION. */
  readonly sense = new Uint8Array(FIXED_SENSE_LENGTH);
  /** Valid bytes in {@link sense}. */
  senseLength = 0;
  /** Adapter bookkeeping: slot in use (until the target reported completion). */
  inUse = false;
  /** Adapter bookkeeping: the initiator gave up on it (reset, abort); complete silently. */
  cancelled = false;
  /** Target-internal: the backend operation in flight. */
  io: TaskIo = TaskIo.None;
  /** Target-internal: first block of the operation. */
  ioLba = 0;
  /** Target-internal: number of blocks. */
  ioBlocks = 0;
  /** Target-internal: the target running the task. */
  target: ScsiIoSink | null = null;
  /** Pre-bound fulfilment handler (no closure per request). */
  readonly onIoOk: () => void;
  /** Pre-bound rejection handler. */
  readonly onIoFail: (e: unknown) => void;

  /**
   * @param owner the adapter told about completion
   * @param slot the adapter's index for this task
   */
  constructor(
    readonly owner: ScsiTaskOwner,
    readonly slot: number,
  ) {
    this.onIoOk = () => this.target?.ioSettled(this, null);
    this.onIoFail = (e: unknown) => this.target?.ioSettled(this, e ?? new Error('rejected'));
  }

  /** Make {@link data} at least `bytes` long (keeps contents). */
  ensureCapacity(bytes: number): void {
    if (this.data.length >= bytes) return;
    let n = this.data.length;
    while (n < bytes) n *= 2;
    const d = new Uint8Array(n);
    d.set(this.data);
    this.data = d;
  }

  /**
   * Reset the per-command fields before reuse and copy the CDB:
   * `cdbLength` bytes of `src` starting at `offset`.
   */
  prepare(lun: number, src: Uint8Array, cdbLength: number, offset = 0): void {
    this.lun = lun;
    this.cdb.fill(0);
    for (let i = 0; i < cdbLength && i < 16; i++) this.cdb[i] = src[offset + i] ?? 0;
    this.dataOutLength = 0;
    this.dataInLimit = 0;
    this.dataInLength = 0;
    this.dataInWanted = 0;
    this.status = 0;
    this.senseLength = 0;
    this.cancelled = false;
    this.io = TaskIo.None;
  }
}
