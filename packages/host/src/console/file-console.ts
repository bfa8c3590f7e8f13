import { closeSync, openSync, writeSync } from 'node:fs';
import { SerialConsole } from './serial-console.js';

/** A serial port whose output goes to a file (no input), as `serial0.fileType = "file"`. */
export class FileConsole extends SerialConsole {
  private readonly fd: number;

  /** @param path file to create or truncate */
  constructor(readonly path: string) {
    super();
    this.fd = openSync(path, 'w');
  }
  /** @inheritDoc */
  protected emit(chunk: Uint8Array): void {
    writeSync(this.fd, chunk);
  }
  /** @inheritDoc */
  close(): void {
    this.flush();
    closeSync(this.fd);
  }
}
