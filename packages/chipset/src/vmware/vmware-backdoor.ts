/**
 * The VMware "backdoor" I/O port (0x5658): the hypervisor interface guests
 * reach with `IN EAX, DX` while EAX holds the magic 0x564D5868 ("VMXh") and
 * CX a command number. Linux (arch/x86/kernel/cpu/vmware.c) asks it for the
 * TSC frequency once it has seen the "VMwareVMware" CPUID leaf; open-vm-tools
 * ask for the version. Without the magic the port reads all ones, like an
 * empty ISA port.
 *
 * @module
 */

import type { Device, DeviceContext, DeviceState, PortIoHandler, RealizeResult } from '@vm/bus';
import { StateError } from '@vm/bus';
import type { BackdoorRegisters } from './backdoor-registers.js';
import { hypercallRegisters, Reg } from './backdoor-registers.js';

/** The backdoor port. */
export const VMWARE_BACKDOOR_PORT = 0x5658;
/** EAX value every backdoor call carries ("VMXh"). */
export const VMWARE_BACKDOOR_MAGIC = 0x564d5868;

/** Backdoor command numbers (CX) this model answers. */
export const BackdoorCommand = {
  /** CPU speed in MHz in EAX. */
  GetMhz: 1,
  /** Protocol version in EAX, the magic in EBX, the product type in ECX. */
  GetVersion: 10,
  /** TSC rate in Hz in EBX:EAX, local APIC bus rate in ECX. */
  GetHz: 45,
} as const;

/** Product type reported by GetVersion: 2 is the scalable server (ESX). */
const VMX_TYPE_SERVER = 2;
/** Protocol version reported by GetVersion. */
const BACKDOOR_VERSION = 6;

/** Options of {@link VmwareBackdoor}. */
export interface VmwareBackdoorOptions {
  /** Device name (default `vmware-backdoor`). */
  readonly name?: string;
  /** The calling vCPU's registers (looked up on each call: the CPU may be attached after the device). */
  readonly registers: () => BackdoorRegisters | null;
  /** The TSC rate the CPU counts at, in Hz (GetHz, GetMhz). */
  readonly tscHz: number;
  /** The local APIC timer's bus rate in Hz (GetHz's ECX; 0 = unknown, reported as all ones). */
  readonly apicHz?: number;
}

/** The VMware backdoor port: version and CPU speed queries. */
export class VmwareBackdoor implements Device, PortIoHandler {
  /** @inheritDoc */
  readonly name: string;
  /** @inheritDoc */
  readonly stateName = 'vmware-backdoor';
  /** @inheritDoc */
  readonly stateVersion = 1;
  private readonly registers: () => BackdoorRegisters | null;
  private readonly tscHz: number;
  private readonly apicHz: number;
  private ctx: DeviceContext | null = null;
  /** Calls answered since power-on (for tests and statistics). */
  calls = 0;

  /** @param options registers, rates */
  constructor(options: VmwareBackdoorOptions) {
    this.name = options.name ?? 'vmware-backdoor';
    this.registers = options.registers;
    this.tscHz = options.tscHz;
    this.apicHz = options.apicHz ?? 0;
  }

  /** @inheritDoc */
  realize(ctx: DeviceContext): RealizeResult {
    ctx.ports.register(VMWARE_BACKDOOR_PORT, 4, this, this.name);
    this.ctx = ctx;
    return { ok: true };
  }

  /** @inheritDoc */
  reset(): void {
    this.calls = 0;
  }

  /** @inheritDoc */
  destroy(): void {
    this.ctx?.ports.unregister(VMWARE_BACKDOOR_PORT, 4);
    this.ctx = null;
  }

  read8(): number {
    return 0xff;
  }

  write8(): void {
    // The backdoor only answers 32-bit IN.
  }

  read16(): number {
    return 0xffff;
  }

  read32(offset: number): number {
    const reg = hypercallRegisters(this.registers, offset, VMWARE_BACKDOOR_MAGIC);
    if (reg === null) return 0xffffffff;
    this.calls++;
    const cmd = reg[Reg.ecx]! & 0xffff;
    switch (cmd) {
      case BackdoorCommand.GetVersion:
        reg[Reg.ebx] = VMWARE_BACKDOOR_MAGIC;
        reg[Reg.ecx] = VMX_TYPE_SERVER;
        return BACKDOOR_VERSION;
      case BackdoorCommand.GetMhz:
        reg[Reg.ebx] = VMWARE_BACKDOOR_MAGIC;
        return Math.floor(this.tscHz / 1e6) >>> 0;
      case BackdoorCommand.GetHz: {
        const hz = this.tscHz;
        reg[Reg.ebx] = Math.floor(hz / 2 ** 32) | 0;
        reg[Reg.ecx] = this.apicHz > 0 ? this.apicHz | 0 : -1; // all ones: rate unknown, the guest calibrates
        return hz >>> 0;
      }
      default:
        // Unknown command: EBX is left unlike the magic, which is how guests tell.
        reg[Reg.ebx] = -1;
        return 0xffffffff;
    }
  }

  /** @inheritDoc */
  snapshot(): DeviceState {
    return { name: this.stateName, version: this.stateVersion, fields: { calls: this.calls } };
  }

  /** @inheritDoc */
  restore(state: DeviceState): void {
    if (state.name !== this.stateName || state.version !== this.stateVersion) throw new StateError(`${this.name}: not a ${this.stateName} v${this.stateVersion} state`);
    const c = state.fields['calls'];
    this.calls = typeof c === 'number' ? c : 0;
  }
}
