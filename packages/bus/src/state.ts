/**
 * Named, versioned device state (after QEMU's VMStateDescription).
 *
 * @module
 */

/** A typed array held in a snapshot (stored out of line by serializers). */
export type StateArray =
  | Uint8Array
  | Int8Array
  | Uint16Array
  | Int16Array
  | Uint32Array
  | Int32Array
  | Float32Array
  | Float64Array;

/** One field's value in a device snapshot. */
export type StateValue = number | boolean | string | null | StateArray | readonly StateValue[] | StateRecord;

/** A nested group of named fields. */
export interface StateRecord {
  readonly [field: string]: StateValue;
}

/** A device's saved state: plain data, safe to structured-clone or serialize. */
export interface DeviceState {
  /** The state's name, e.g. `"pic8259"`; restore checks it. */
  readonly name: string;
  /** Version of the layout; restore rejects versions it cannot read. */
  readonly version: number;
  /** The named fields. */
  readonly fields: StateRecord;
}

/**
 * Thrown by {@link Snapshotable.restore} for a state that does not belong to
 * the device (wrong name, unsupported version, missing or ill-typed field).
 */
export class StateError extends Error {
  /** @param message what is wrong with the state */
  constructor(message: string) {
    super(message);
    this.name = 'StateError';
  }
}

/** Something whose state can be saved and restored. */
export interface Snapshotable {
  /** The name written into every snapshot, unique per device kind. */
  readonly stateName: string;
  /** The current layout version. */
  readonly stateVersion: number;
  /** Capture the state. Typed arrays in the result are copies. */
  snapshot(): DeviceState;
  /**
   * Replace the state. Must not touch other devices: output IRQ levels are
   * re-driven by the machine after every device has been restored.
   * @throws StateError for a state this device cannot accept
   */
  restore(state: DeviceState): void;
}
