import { StateError } from '@vm/bus';
import type { DeviceState, StateRecord, StateValue } from '@vm/bus';

/**
 * Validating access to a snapshot's fields: every getter checks presence,
 * type and range and throws {@link StateError} otherwise, so a damaged or
 * foreign snapshot is rejected before any device state is changed.
 */
export class StateReader {
  private constructor(
    private readonly fields: StateRecord,
    private readonly where: string,
  ) {}

  /** Check a snapshot's name and version and open its fields. */
  static open(state: DeviceState, name: string, version: number): StateReader {
    if (state === null || typeof state !== 'object') throw new StateError(`${name}: state is not an object`);
    if (state.name !== name) throw new StateError(`${name}: state belongs to "${String(state.name)}"`);
    if (state.version !== version) throw new StateError(`${name}: unsupported state version ${String(state.version)}`);
    if (state.fields === null || typeof state.fields !== 'object') throw new StateError(`${name}: state has no fields`);
    return new StateReader(state.fields, name);
  }

  private get(field: string): StateValue {
    const v = this.fields[field];
    if (v === undefined) throw new StateError(`${this.where}: missing field ${field}`);
    return v;
  }

  /** An integer field in `min..max`. */
  int(field: string, min: number, max: number): number {
    const v = this.get(field);
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max)
      throw new StateError(`${this.where}: field ${field} must be an integer in ${min}..${max}`);
    return v;
  }

  /** A boolean field. */
  bool(field: string): boolean {
    const v = this.get(field);
    if (typeof v !== 'boolean') throw new StateError(`${this.where}: field ${field} must be a boolean`);
    return v;
  }

  /** A byte array field of exactly `length` bytes (`-1`: any length up to `maxLength`). */
  bytes(field: string, length: number, maxLength = length): Uint8Array {
    const v = this.get(field);
    if (!(v instanceof Uint8Array) || (length >= 0 ? v.length !== length : v.length > maxLength))
      throw new StateError(`${this.where}: field ${field} must be a Uint8Array of ${length >= 0 ? length : `<= ${maxLength}`} bytes`);
    return v;
  }

  /** A nested record field. */
  record(field: string): StateReader {
    const v = this.get(field);
    if (v === null || typeof v !== 'object' || Array.isArray(v) || ArrayBuffer.isView(v))
      throw new StateError(`${this.where}: field ${field} must be a record`);
    return new StateReader(v as StateRecord, `${this.where}.${field}`);
  }

  /** An array of nested records of exactly `length` entries. */
  records(field: string, length: number): StateReader[] {
    const v = this.get(field);
    if (!Array.isArray(v) || v.length !== length) throw new StateError(`${this.where}: field ${field} must be an array of ${length} records`);
    const out: StateReader[] = [];
    for (let i = 0; i < length; i++) {
      const r = (v as readonly StateValue[])[i];
      if (r === null || typeof r !== 'object' || Array.isArray(r) || ArrayBuffer.isView(r))
        throw new StateError(`${this.where}: ${field}[${i}] must be a record`);
      out.push(new StateReader(r as StateRecord, `${this.where}.${field}[${i}]`));
    }
    return out;
  }
}
