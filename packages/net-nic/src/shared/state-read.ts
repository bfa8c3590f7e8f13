/**
 * Checked readers for snapshot fields: restore rejects a state with a
 * missing or ill-typed field with a {@link StateError} before changing
 * anything.
 *
 * @module
 */
import { StateError } from '@vm/bus';
import type { DeviceState, StateRecord, StateValue } from '@vm/bus';

/** Throw unless `state` has the expected name and version. */
export function checkState(state: DeviceState, name: string, version: number): void {
  if (state.name !== name) throw new StateError(`expected state "${name}", got "${state.name}"`);
  if (state.version !== version) throw new StateError(`${name}: unsupported state version ${state.version}`);
}

function field(r: StateRecord, key: string): StateValue {
  const v = r[key];
  if (v === undefined) throw new StateError(`missing state field "${key}"`);
  return v;
}

/** A finite number field. */
export function readNumber(r: StateRecord, key: string): number {
  const v = field(r, key);
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new StateError(`state field "${key}" is not a number`);
  return v;
}

/** A boolean field. */
export function readBoolean(r: StateRecord, key: string): boolean {
  const v = field(r, key);
  if (typeof v !== 'boolean') throw new StateError(`state field "${key}" is not a boolean`);
  return v;
}

/** A Uint16Array field of exactly `length` elements. */
export function readUint16Array(r: StateRecord, key: string, length: number): Uint16Array {
  const v = field(r, key);
  if (!(v instanceof Uint16Array) || v.length !== length)
    throw new StateError(`state field "${key}" is not a Uint16Array of ${length}`);
  return v;
}

/** A Uint32Array field of exactly `length` elements. */
export function readUint32Array(r: StateRecord, key: string, length: number): Uint32Array {
  const v = field(r, key);
  if (!(v instanceof Uint32Array) || v.length !== length)
    throw new StateError(`state field "${key}" is not a Uint32Array of ${length}`);
  return v;
}

/** A Uint8Array field of at most `max` elements. */
export function readUint8ArrayUpTo(r: StateRecord, key: string, max: number): Uint8Array {
  const v = field(r, key);
  if (!(v instanceof Uint8Array) || v.length > max) throw new StateError(`state field "${key}" is not a Uint8Array of at most ${max}`);
  return v;
}

/** A Uint8Array field of exactly `length` elements. */
export function readUint8Array(r: StateRecord, key: string, length: number): Uint8Array {
  const v = field(r, key);
  if (!(v instanceof Uint8Array) || v.length !== length)
    throw new StateError(`state field "${key}" is not a Uint8Array of ${length}`);
  return v;
}
