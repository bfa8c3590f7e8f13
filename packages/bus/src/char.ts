/**
 * Byte streams for serial ports and consoles (a terminal, a file, a socket,
 * a test harness).
 *
 * @module
 */

/** The device side (a UART): where the backend delivers incoming bytes. */
export interface CharReceiver {
  /**
   * Offer one byte. Returns false when the device cannot take it now (receive
   * FIFO full); the backend keeps the byte and offers it again after the
   * device calls {@link CharBackend.receiverReady}.
   */
  receiveByte(byte: number): boolean;
}

/** The outside end of a serial line. */
export interface CharBackend {
  /** The guest transmitted one byte (0..255). */
  writeByte(byte: number): void;
  /** Connect the device that receives input (`null` disconnects). */
  attach(receiver: CharReceiver | null): void;
  /** The device can take input again: offer any bytes held back. */
  receiverReady(): void;
}
