/**
 * The VMware memory balloon ("vmmemctl"), as Linux's vmw_balloon driver
 * speaks to it: `IN EAX, DX` on port 0x5670 with EAX = 0x456C6D6F, ECX =
 * command, EBX and ESI = arguments; the status comes back in EAX, the
 * balloon target (in 4 KiB pages) in EBX, the granted capabilities of START
 * in ECX. The host sets a target; the guest driver allocates that many
 * pages inside the guest and "locks" them, telling us their frame numbers,
 * and the host frees the machine pages behind them. Unlocked pages are
 * simply given back to the guest (they read as zero until written).
 *
 * Commands: START (0), GET_TARGET (1), LOCK (2), UNLOCK (3), GUEST_ID (4),
 * BATCHED_LOCK (6) and BATCHED_UNLOCK (7): a guest page of up to 512 64-bit
 * entries, frame number in bits 12..63, a per-entry status written back in
 * bits 0..4. 2 MiB pages and the VMCI doorbell are not offered. After a
 * reset of the VM the first command other than START answers RESET, which
 * makes the driver start over.
 *
 * @module
 */

import type { Device, DeviceContext, DeviceState, DmaSpace, PortIoHandler, RealizeResult } from '@vm/bus';
import { StateError } from '@vm/bus';
import type { BackdoorRegisters } from './backdoor-registers.js';
import { hypercallRegisters, Reg } from './backdoor-registers.js';

/** The balloon's hypercall port. */
export const VMWARE_BALLOON_PORT = 0x5670;
/** EAX value of every balloon call ("Elmo"). */
export const VMWARE_BALLOON_MAGIC = 0x456c6d6f;

/** Balloon commands (ECX). */
export const BalloonCommand = {
  Start: 0,
  GetTarget: 1,
  Lock: 2,
  Unlock: 3,
  GuestId: 4,
  BatchedLock: 6,
  BatchedUnlock: 7,
} as const;

/** Balloon status codes (EAX, and per batch entry). */
export const BalloonStatus = {
  Success: 0,
  ErrorCmdInvalid: 1,
  ErrorPpnInvalid: 2,
  ErrorPpnLocked: 3,
  ErrorPpnUnlocked: 4,
  ErrorPpnPinned: 5,
  ErrorPpnNotNeeded: 6,
  ErrorReset: 7,
  ErrorBusy: 8,
  /** START's answer when capabilities are returned in ECX. */
  SuccessWithCapabilities: 0x03000000,
} as const;

/** Capability bits of START. */
export const BalloonCapability = {
  BasicCmds: 1 << 1,
  BatchedCmds: 1 << 2,
} as const;

/** Most entries in one batch page. */
export const BALLOON_BATCH_MAX = 512;

/** The host side of the balloon: what happens to the machine page behind a guest page. */
export interface BalloonBackend {
  /** Guest pages the VM has (frame numbers at or above are invalid). */
  readonly pageCount: number;
  /** The guest gave page `gpn` up: free its backing. */
  release(gpn: number): void;
}

/** Options of {@link VmwareBalloon}. */
export interface VmwareBalloonOptions {
  /** Device name (default `vmware-balloon`). */
  readonly name?: string;
  /** The calling vCPU's registers. */
  readonly registers: () => BackdoorRegisters | null;
  /** Frees machine pages behind ballooned guest pages. */
  readonly backend: BalloonBackend;
}

/** The memory balloon device (core state and its port binding). */
export class VmwareBalloon implements Device, PortIoHandler {
  /** @inheritDoc */
  readonly name: string;
  /** @inheritDoc */
  readonly stateName = 'vmware-balloon';
  /** @inheritDoc */
  readonly stateVersion = 1;
  private readonly registers: () => BackdoorRegisters | null;
  private readonly backend: BalloonBackend;
  private readonly locked: Uint8Array;
  private readonly entry: Uint8Array;
  private ctx: DeviceContext | null = null;
  private memory: DmaSpace | null = null;
  private targetPages = 0;
  private lockedPages = 0;
  private started = false;
  private resetPending = false;
  private capabilities = 0;
  private guestId = 0;

  /** @param options registers and backend */
  constructor(options: VmwareBalloonOptions) {
    this.name = options.name ?? 'vmware-balloon';
    this.registers = options.registers;
    this.backend = options.backend;
    this.locked = new Uint8Array(options.backend.pageCount);
    this.entry = new Uint8Array(8);
  }

  /** The host's wish: how many guest pages the balloon should hold. */
  get target(): number {
    return this.targetPages;
  }

  /** Set the target (clamped to the VM's size); the driver picks it up on its next poll (once a second in Linux). */
  setTarget(pages: number): void {
    const p = Math.floor(pages);
    this.targetPages = p > 0 ? Math.min(p, this.backend.pageCount) : 0;
  }

  /** Guest pages the balloon holds now. */
  get size(): number {
    return this.lockedPages;
  }

  /** True once a driver has sent START since the last reset. */
  get driverActive(): boolean {
    return this.started;
  }

  /** Whether guest page `gpn` is in the balloon. */
  isLocked(gpn: number): boolean {
    return gpn >= 0 && gpn < this.locked.length && this.locked[gpn] === 1;
  }

  /** @inheritDoc */
  realize(ctx: DeviceContext): RealizeResult {
    ctx.ports.register(VMWARE_BALLOON_PORT, 4, this, this.name);
    this.ctx = ctx;
    this.memory = ctx.memory;
    return { ok: true };
  }

  /** A VM reset empties the balloon; the driver must START again. */
  reset(): void {
    this.locked.fill(0);
    this.lockedPages = 0;
    this.started = false;
    this.capabilities = 0;
    this.resetPending = true;
  }

  /** @inheritDoc */
  destroy(): void {
    this.ctx?.ports.unregister(VMWARE_BALLOON_PORT, 4);
    this.ctx = null;
    this.memory = null;
  }

  read8(): number {
    return 0xff;
  }

  write8(): void {
    // Calls are 32-bit INs only.
  }

  read16(): number {
    return 0xffff;
  }

  read32(offset: number): number {
    const reg = hypercallRegisters(this.registers, offset, VMWARE_BALLOON_MAGIC);
    if (reg === null) return 0xffffffff;
    const cmd = reg[Reg.ecx]! >>> 0;
    const arg1 = reg[Reg.ebx]! >>> 0;
    const arg2 = reg[Reg.esi]! >>> 0;
    if (cmd === BalloonCommand.Start) {
      this.capabilities = arg1 & (BalloonCapability.BasicCmds | BalloonCapability.BatchedCmds);
      this.started = true;
      this.resetPending = false;
      reg[Reg.ecx] = this.capabilities;
      return BalloonStatus.SuccessWithCapabilities;
    }
    if (this.resetPending || !this.started) return BalloonStatus.ErrorReset;
    let status: number;
    switch (cmd) {
      case BalloonCommand.GuestId:
        this.guestId = arg1;
        return BalloonStatus.Success;
      case BalloonCommand.GetTarget:
        status = BalloonStatus.Success;
        break;
      case BalloonCommand.Lock:
        status = this.lockPage(arg1);
        break;
      case BalloonCommand.Unlock:
        status = this.unlockPage(arg1);
        break;
      case BalloonCommand.BatchedLock:
      case BalloonCommand.BatchedUnlock:
        status = (this.capabilities & BalloonCapability.BatchedCmds) === 0 ? BalloonStatus.ErrorCmdInvalid : this.batch(arg1, arg2, cmd === BalloonCommand.BatchedLock);
        break;
      default:
        return BalloonStatus.ErrorCmdInvalid;
    }
    reg[Reg.ebx] = this.targetPages;
    return status;
  }

  private lockPage(gpn: number): number {
    if (gpn >= this.locked.length) return BalloonStatus.ErrorPpnInvalid;
    if (this.locked[gpn] === 1) return BalloonStatus.ErrorPpnLocked;
    // A guest over its target may not lock more (Linux then stops inflating).
    if (this.lockedPages >= this.targetPages) return BalloonStatus.ErrorPpnNotNeeded;
    this.locked[gpn] = 1;
    this.lockedPages++;
    this.backend.release(gpn);
    return BalloonStatus.Success;
  }

  private unlockPage(gpn: number): number {
    if (gpn >= this.locked.length) return BalloonStatus.ErrorPpnInvalid;
    if (this.locked[gpn] !== 1) return BalloonStatus.ErrorPpnUnlocked;
    this.locked[gpn] = 0;
    this.lockedPages--;
    return BalloonStatus.Success;
  }

  /** Work through a batch page: every entry gets its own status; the call itself succeeds. */
  private batch(pfn: number, count: number, lock: boolean): number {
    const mem = this.memory;
    if (mem === null || count > BALLOON_BATCH_MAX || pfn >= this.locked.length) return BalloonStatus.ErrorPpnInvalid;
    const base = pfn * 4096;
    const e = this.entry;
    for (let i = 0; i < count; i++) {
      const at = base + i * 8;
      if (mem.read(at, e) !== 0) return BalloonStatus.ErrorPpnInvalid;
      const lo = (e[0]! | (e[1]! << 8) | (e[2]! << 16) | (e[3]! << 24)) >>> 0;
      const hi = (e[4]! | (e[5]! << 8) | (e[6]! << 16) | (e[7]! << 24)) >>> 0;
      // Frame number: bits 12..63; anything that does not fit 32 bits is past our RAM.
      const gpn = hi >= 0x1000 ? 0xffffffff : ((lo >>> 12) | (hi << 20)) >>> 0;
      const st = lock ? this.lockPage(gpn) : this.unlockPage(gpn);
      mem.write8(at, (e[0]! & 0xe0) | st);
    }
    return BalloonStatus.Success;
  }

  /** @inheritDoc */
  snapshot(): DeviceState {
    return {
      name: this.stateName,
      version: this.stateVersion,
      fields: {
        target: this.targetPages,
        started: this.started,
        resetPending: this.resetPending,
        capabilities: this.capabilities,
        guestId: this.guestId,
        locked: this.locked.slice(),
      },
    };
  }

  /** @inheritDoc */
  restore(state: DeviceState): void {
    if (state.name !== this.stateName || state.version !== this.stateVersion) throw new StateError(`${this.name}: not a ${this.stateName} v${this.stateVersion} state`);
    const f = state.fields;
    const locked = f['locked'];
    if (!(locked instanceof Uint8Array) || locked.length !== this.locked.length) throw new StateError(`${this.name}: balloon bitmap does not fit this VM`);
    this.locked.set(locked);
    let n = 0;
    for (let i = 0; i < locked.length; i++) n += locked[i]! & 1;
    this.lockedPages = n;
    this.targetPages = Number(f['target']) || 0;
    this.started = f['started'] === true;
    this.resetPending = f['resetPending'] === true;
    this.capabilities = Number(f['capabilities']) || 0;
    this.guestId = Number(f['guestId']) || 0;
  }
}
