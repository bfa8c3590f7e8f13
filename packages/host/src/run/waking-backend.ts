import type { BlockBackend } from '@vm/bus';

/**
 * A disk as the machine sees it: the same {@link BlockBackend}, but each
 * request, once settled, wakes the host run loop. A guest waiting for a disk
 * interrupt is halted, and `Machine.run` then sleeps until its next timer
 * deadline (seconds away for a tickless kernel) unless something calls
 * `kick()`; the wake comes on the next macrotask, after the adapter's
 * completion handlers (microtasks) have raised their interrupt.
 */
export class WakingBlockBackend implements BlockBackend {
  /** Called after every request settles (the run sets it to `machine.kick`). */
  wake: () => void = () => undefined;
  private readonly fire = (): void => {
    setImmediate(this.wake);
  };

  /** @param inner the disk doing the I/O */
  constructor(readonly inner: BlockBackend) {}

  /** @inheritDoc */
  get sectorSize(): number {
    return this.inner.sectorSize;
  }
  /** @inheritDoc */
  get sectorCount(): number {
    return this.inner.sectorCount;
  }
  /** @inheritDoc */
  get readOnly(): boolean {
    return this.inner.readOnly;
  }
  /** @inheritDoc */
  read(sector: number, dst: Uint8Array): Promise<void> {
    const p = this.inner.read(sector, dst);
    p.then(this.fire, this.fire);
    return p;
  }
  /** @inheritDoc */
  write(sector: number, src: Uint8Array): Promise<void> {
    const p = this.inner.write(sector, src);
    p.then(this.fire, this.fire);
    return p;
  }
  /** @inheritDoc */
  flush(): Promise<void> {
    const p = this.inner.flush();
    p.then(this.fire, this.fire);
    return p;
  }
}
