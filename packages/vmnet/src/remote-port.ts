/**
 * A switch port reached from another thread. The switch's thread runs a
 * {@link RemotePortHost} on a real port; the NIC's thread (a worker running
 * a VM) uses a {@link RemotePortClient} as its `NetBackend`. Frames cross in
 * two {@link FrameRing}s, one per direction.
 *
 * @module
 */
import type { NetBackend, NetReceiver } from '@vm/bus';
import { FrameRing, type FrameRingOptions } from './frame-ring.js';
import { FILTER_BLOCK_BYTES, RemoteFilterBlock, filterTargetOf } from './remote-filter.js';

/** The shared memory of a remote port: post it to the NIC's thread. */
export interface RemotePortChannel {
  /** Ring carrying frames the NIC sends. */
  readonly toSwitch: SharedArrayBuffer;
  /** Ring carrying frames the switch delivers to the NIC. */
  readonly toNic: SharedArrayBuffer;
  /**
   * The NIC's receive filter (promiscuous mode, programmed MAC) for the
   * port's policy. Absent in channels made without it: then the port is
   * never told.
   */
  readonly filter?: SharedArrayBuffer;
}

/** Make the two rings of a remote port (same size both ways). */
export function createRemotePortChannel(options: FrameRingOptions = {}): RemotePortChannel {
  return { toSwitch: FrameRing.create(options).buffer, toNic: FrameRing.create(options).buffer, filter: new SharedArrayBuffer(FILTER_BLOCK_BYTES) };
}

/** Hands drained frames to a backend's sendFrame. */
class SendToBackend implements NetReceiver {
  constructor(readonly backend: NetBackend) {}
  receiveFrame(frame: Uint8Array): boolean {
    this.backend.sendFrame(frame);
    return true;
  }
}

/** Hands drained frames to whichever receiver is attached, counting refusals. */
class ForwardToReceiver implements NetReceiver {
  target: NetReceiver | null = null;
  refused = 0;
  receiveFrame(frame: Uint8Array): boolean {
    const t = this.target;
    if (t !== null && t.receiveFrame(frame)) return true;
    this.refused++;
    return false;
  }
}

/** Drains one ring into a receiver, by explicit calls or by waiting with Atomics.waitAsync. */
class RingPump {
  running = false;
  /** Run before each automatic drain (the host applies filter changes there). */
  beforeDrain: (() => void) | null = null;
  /** What the receiver threw, which stopped automatic pumping; null while healthy. */
  failure: unknown = null;
  constructor(
    readonly ring: FrameRing,
    readonly sink: NetReceiver,
  ) {}

  pump(max: number): number {
    return this.ring.drain(this.sink, max);
  }

  start(): boolean {
    if (!FrameRing.canWaitAsync) return false;
    if (!this.running) {
      this.running = true;
      void this.run();
    }
    return true;
  }

  stop(): void {
    if (!this.running) return;
    this.running = false;
    this.ring.wake();
  }

  private async run(): Promise<void> {
    try {
      while (this.running) {
        this.beforeDrain?.();
        this.ring.drain(this.sink);
        if (this.ring.closed) break;
        await this.ring.waitForFrames();
      }
    } catch (err) {
      // Nobody awaits this loop: keep the error for the owner instead of an unhandled rejection.
      this.failure = err;
    }
    this.running = false;
  }
}

/**
 * The switch side of a remote port: attaches to `port` as its NIC, pushes
 * every frame the switch delivers into the `toNic` ring (a full ring refuses
 * the frame, and the switch counts `receiverBusy`), and feeds frames from the
 * `toSwitch` ring into the port.
 */
export class RemotePortHost implements NetReceiver {
  /** Ring of frames from the NIC. */
  readonly toSwitch: FrameRing;
  /** Ring of frames to the NIC. */
  readonly toNic: FrameRing;
  private readonly port: NetBackend;
  private readonly pumpIn: RingPump;
  private readonly filter: RemoteFilterBlock | null;

  /** Attach to `port` (a VMnet port or any backend) at once. */
  constructor(port: NetBackend, channel: RemotePortChannel) {
    this.port = port;
    this.toSwitch = new FrameRing(channel.toSwitch);
    this.toNic = new FrameRing(channel.toNic);
    this.pumpIn = new RingPump(this.toSwitch, new SendToBackend(port));
    this.filter = channel.filter !== undefined && filterTargetOf(port) !== null ? new RemoteFilterBlock(channel.filter) : null;
    if (this.filter !== null) this.pumpIn.beforeDrain = () => this.applyFilter();
    port.attach(this);
  }

  /**
   * Pass the NIC's latest filter reports (promiscuous mode, MAC) to the port;
   * done by {@link pump} and automatic pumping too.
   * @returns true when something changed
   */
  applyFilter(): boolean {
    const target = filterTargetOf(this.port);
    return this.filter !== null && target !== null && this.filter.applyTo(target);
  }

  /** @inheritDoc */
  receiveFrame(frame: Uint8Array): boolean {
    return this.toNic.push(frame);
  }

  /** Feed up to `max` frames from the NIC's thread into the port. @returns frames moved */
  pump(max = 0x7fffffff): number {
    if (this.filter !== null) this.applyFilter();
    return this.pumpIn.pump(max);
  }

  /**
   * Pump automatically whenever frames arrive (Atomics.waitAsync).
   * @returns false when the engine lacks Atomics.waitAsync: call {@link pump} from your loop
   */
  start(): boolean {
    return this.pumpIn.start();
  }

  /** Stop pumping automatically. */
  stop(): void {
    this.pumpIn.stop();
  }

  /** The exception that stopped automatic pumping (thrown by the port's receivers), or null. */
  get failure(): unknown {
    return this.pumpIn.failure;
  }

  /** Stop, close both rings (the client's link goes down) and detach from the port. */
  close(): void {
    this.pumpIn.stop();
    this.toSwitch.close();
    this.toNic.close();
    this.port.attach(null);
  }
}

/**
 * The NIC side of a remote port: a `NetBackend` for a NIC in another thread
 * than its switch. Frames it receives are delivered by {@link pump} or, after
 * {@link start}, as soon as they arrive.
 */
export class RemotePortClient implements NetBackend {
  /** Ring of frames to the switch. */
  readonly toSwitch: FrameRing;
  /** Ring of frames from the switch. */
  readonly toNic: FrameRing;
  private readonly forward: ForwardToReceiver;
  private readonly pumpOut: RingPump;
  private readonly filter: RemoteFilterBlock | null;

  /** @param channel the buffers made by {@link createRemotePortChannel} on the switch's thread */
  constructor(channel: RemotePortChannel) {
    this.toSwitch = new FrameRing(channel.toSwitch);
    this.toNic = new FrameRing(channel.toNic);
    this.forward = new ForwardToReceiver();
    this.pumpOut = new RingPump(this.toNic, this.forward);
    this.filter = channel.filter !== undefined ? new RemoteFilterBlock(channel.filter) : null;
  }

  /**
   * The NIC reports the guest's promiscuous mode; the switch's port gets it
   * at its next pump (and applies its policy there).
   * @returns the mode requested (whether the port allows it is decided on the switch's side)
   */
  setPromiscuous(on: boolean): boolean {
    this.filter?.writePromiscuous(on);
    this.toSwitch.wake();
    return on;
  }

  /** The NIC reports the station address the guest programmed (see {@link setPromiscuous}). */
  setEffectiveMac(mac: Uint8Array): void {
    this.filter?.writeMac(mac);
    this.toSwitch.wake();
  }

  /** Queue one frame for the switch; a full ring drops it (counted in `toSwitch.dropsFull`). */
  sendFrame(frame: Uint8Array): void {
    this.toSwitch.push(frame);
  }

  /** @inheritDoc */
  attach(receiver: NetReceiver | null): void {
    this.forward.target = receiver;
  }

  /** True until either side closes the channel. */
  get linkUp(): boolean {
    return !this.toNic.closed;
  }

  /** Frames the attached receiver refused (or that arrived with none attached). */
  get refused(): number {
    return this.forward.refused;
  }

  /** Deliver up to `max` waiting frames to the attached receiver. @returns frames taken */
  pump(max = 0x7fffffff): number {
    return this.pumpOut.pump(max);
  }

  /**
   * Deliver frames automatically as they arrive (Atomics.waitAsync).
   * @returns false when the engine lacks Atomics.waitAsync: call {@link pump}
   */
  start(): boolean {
    return this.pumpOut.start();
  }

  /** Stop delivering automatically. */
  stop(): void {
    this.pumpOut.stop();
  }

  /** The exception that stopped automatic delivery (thrown by the receiver), or null. */
  get failure(): unknown {
    return this.pumpOut.failure;
  }

  /** Stop and close both rings. */
  close(): void {
    this.pumpOut.stop();
    this.toSwitch.close();
    this.toNic.close();
  }
}
