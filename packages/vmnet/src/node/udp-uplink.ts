/**
 * A UDP tunnel uplink, wire-compatible with QEMU's `-netdev dgram` (inet
 * local/remote) and the legacy `-netdev socket,udp=REMOTE,localaddr=LOCAL`:
 * each UDP datagram carries exactly one raw Ethernet frame, no header, no FCS.
 *
 * @module
 */
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { isIP } from 'node:net';
import type { NetBackend, NetReceiver } from '@vm/bus';

/** Where the tunnel's two ends are. */
export interface UdpUplinkOptions {
  /** Address to bind (default `127.0.0.1`). */
  readonly localAddress?: string;
  /** Port to bind (default 0: the system picks one, see {@link UdpUplink.localPort}). */
  readonly localPort?: number;
  /** Peer address frames are sent to (QEMU's `remote.host` / `udp=` host). */
  readonly remoteAddress: string;
  /** Peer port. */
  readonly remotePort: number;
  /**
   * Accept datagrams from any sender, as QEMU does. Default false: only
   * datagrams from `remoteAddress:remotePort` enter the VMnet.
   */
  readonly acceptAnySource?: boolean;
  /** Datagrams longer than this are not frames and are dropped (default 65535). */
  readonly maxFrameBytes?: number;
}

/** Counters of a {@link UdpUplink}. */
export interface UdpUplinkStats {
  /** Frames received from the peer and handed to the VMnet. */
  readonly framesIn: number;
  /** Frames sent to the peer. */
  readonly framesOut: number;
  /** Datagrams dropped: from an unexpected sender, too short or too long. */
  readonly dropsIn: number;
  /** Frames whose send failed. */
  readonly sendErrors: number;
}

/**
 * Connects a VMnet port (create it with `UPLINK_PORT_POLICY`) to a UDP peer.
 * Frames from the switch are sent as datagrams; datagrams from the peer are
 * sent into the switch.
 */
export class UdpUplink implements NetReceiver {
  private readonly socket: Socket;
  private readonly backend: NetBackend;
  private readonly options: UdpUplinkOptions;
  private readonly remoteAddress: string;
  private framesIn = 0;
  private framesOut = 0;
  private dropsIn = 0;
  private sendErrors = 0;
  private closed = false;

  private constructor(backend: NetBackend, socket: Socket, options: UdpUplinkOptions) {
    this.backend = backend;
    this.socket = socket;
    this.options = options;
    this.remoteAddress = options.remoteAddress;
    socket.on('message', (msg, rinfo) => this.onDatagram(msg, rinfo));
    socket.on('error', () => {
      this.sendErrors++;
    });
    backend.attach(this);
  }

  /**
   * Bind the local socket and attach to `backend`.
   * @throws Error when the socket cannot be bound or an address is invalid
   */
  static async open(backend: NetBackend, options: UdpUplinkOptions): Promise<UdpUplink> {
    const localAddress = options.localAddress ?? '127.0.0.1';
    const family = isIP(options.remoteAddress);
    if (family === 0) throw new Error(`UDP uplink: remote address ${options.remoteAddress} is not an IP address`);
    if (!Number.isInteger(options.remotePort) || options.remotePort < 1 || options.remotePort > 65535) {
      throw new Error(`UDP uplink: remote port ${options.remotePort} out of range`);
    }
    const socket = createSocket(family === 6 ? 'udp6' : 'udp4');
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(options.localPort ?? 0, localAddress, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    return new UdpUplink(backend, socket, options);
  }

  /** The bound local port (give it to QEMU as its remote port). */
  get localPort(): number {
    return this.socket.address().port;
  }

  /** Traffic counters. */
  get stats(): UdpUplinkStats {
    return { framesIn: this.framesIn, framesOut: this.framesOut, dropsIn: this.dropsIn, sendErrors: this.sendErrors };
  }

  /** Send one frame from the switch to the peer (copied: the send completes later). */
  receiveFrame(frame: Uint8Array): boolean {
    if (this.closed) return false;
    this.socket.send(Buffer.from(frame), this.options.remotePort, this.remoteAddress, (err) => {
      if (err) this.sendErrors++;
    });
    this.framesOut++;
    return true;
  }

  /** Detach from the backend and close the socket. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.backend.attach(null);
    await new Promise<void>((resolve) => this.socket.close(() => resolve()));
  }

  private onDatagram(msg: Buffer, rinfo: RemoteInfo): void {
    const max = this.options.maxFrameBytes ?? 65535;
    const foreign = !this.options.acceptAnySource && (rinfo.port !== this.options.remotePort || rinfo.address !== this.remoteAddress);
    if (foreign || msg.length < 14 || msg.length > max) {
      this.dropsIn++;
      return;
    }
    this.framesIn++;
    this.backend.sendFrame(msg);
  }
}
