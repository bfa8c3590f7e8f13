/**
 * Choosing and addressing a VM's NICs from its configuration
 * (`ethernetN.virtualDev`, `ethernetN.addressType`, `ethernetN.address`).
 *
 * @module
 */
import type { NetBackend } from '@vm/bus';
import { I82540em } from './e1000/i82540em.js';
import { Am79c970a } from './pcnet/am79c970a.js';
import { deriveMac, MAX_NICS_PER_VM, parseStaticMac } from './shared/mac.js';
import type { MacParseResult } from './shared/mac.js';

/** The `ethernetN.virtualDev` values this package implements. */
export type VirtualNicKind = 'vlance' | 'e1000';

/** Either NIC model. */
export type VirtualNic = Am79c970a | I82540em;

/** Options for {@link createVirtualNic}. */
export interface VirtualNicOptions {
  /** Which card (`ethernetN.virtualDev`). */
  readonly virtualDev: VirtualNicKind;
  /** Instance name (default `vlance0` or `e1000-0`). */
  readonly name?: string;
  /** The station address. */
  readonly mac: Uint8Array;
  /** The network side; `null` for an unconnected NIC. */
  readonly backend: NetBackend | null;
}

/** True for a `virtualDev` string this package can build. */
export function isVirtualNicKind(text: string): text is VirtualNicKind {
  return text === 'vlance' || text === 'e1000';
}

/** Build the NIC a configuration asks for; plug it into a PCI slot and add it as a device. */
export function createVirtualNic(options: VirtualNicOptions): VirtualNic {
  const config = { mac: options.mac, backend: options.backend, ...(options.name !== undefined ? { name: options.name } : {}) };
  return options.virtualDev === 'e1000' ? new I82540em(config) : new Am79c970a(config);
}

/**
 * The MAC of NIC `index` (0..3) of a VM: the static `address` when one is
 * given (`ethernetN.addressType = "static"`), validated, else one derived
 * from the VM's identity with {@link deriveMac}.
 */
export function resolveNicMac(vmIdentity: string, index: number, address?: string): MacParseResult {
  if (!Number.isInteger(index) || index < 0 || index >= MAX_NICS_PER_VM)
    return { ok: false, error: `ethernet${index}: a VM has at most ${MAX_NICS_PER_VM} NICs (ethernet0..ethernet${MAX_NICS_PER_VM - 1})` };
  if (address !== undefined) {
    const r = parseStaticMac(address);
    return r.ok ? r : { ok: false, error: `ethernet${index}.address: ${r.error}` };
  }
  if (vmIdentity.length === 0) return { ok: false, error: 'a VM identity is needed to derive MAC addresses' };
  return { ok: true, mac: deriveMac(vmIdentity, index) };
}
