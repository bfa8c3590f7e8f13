/**
 * Typed field readers for restore(): a bad snapshot throws StateError
 * before the device changes.
 *
 * @module
 */

import { StateError } from '@vm/bus';
import type { DeviceState, StateRecord } from '@vm/bus';

/** Throw unless `state` has the expected name and version. */
export function checkState(state: DeviceState, name: string, version: number): void {
  if (state.name !== name) throw new StateError(`expected state "${name}", got "${state.name}"`);
  if (state.version !== version) throw new StateError(`${name}: unsupported version ${state.version}`);
}

/** A finite number field. */
export function readNum(f: StateRecord, key: string): number {
  const v = f[key];
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new StateError(`field ${key} is not a number`);
  return v;
}

/** A boolean field. */
export function readBool(f: StateRecord, key: string): boolean {
  const v = f[key];
  if (typeof v !== 'boolean') throw new StateError(`field ${key} is not a boolean`);
  return v;
}

/** A Uint8Array field of exactly `len` bytes. */
export function readBytes(f: StateRecord, key: string, len: number): Uint8Array {
  const v = f[key];
  if (!(v instanceof Uint8Array) || v.length !== len) throw new StateError(`field ${key} is not ${len} bytes`);
  return v;
}

/** A Uint32Array field of exactly `len` entries. */
export function readU32(f: StateRecord, key: string, len: number): Uint32Array {
  const v = f[key];
  if (!(v instanceof Uint32Array) || v.length !== len) throw new StateError(`field ${key} is not ${len} dwords`);
  return v;
}

/** A nested record field. */
export function readRec(f: StateRecord, key: string): StateRecord {
  const v = f[key];
  if (typeof v !== 'object' || v === null || ArrayBuffer.isView(v) || Array.isArray(v))
    throw new StateError(`field ${key} is not a record`);
  return v as StateRecord;
}
