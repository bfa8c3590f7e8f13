import { createServer, type Server, type Socket } from 'node:net';
import { SerialConsole } from './serial-console.js';

/**
 * A serial port served on a socket: `unix:/path/to.sock` or `tcp:HOST:PORT`
 * (loopback by default). One client at a time; output while nobody is
 * connected is kept (up to a bound) and sent when a client connects.
 */
export class SocketConsole extends SerialConsole {
  private readonly server: Server;
  private client: Socket | null = null;
  private readonly backlog: number[] = [];
  private static readonly maxBacklog = 1 << 20;

  /** @param address `unix:PATH` or `tcp:[HOST:]PORT` */
  constructor(readonly address: string) {
    super();
    this.server = createServer((sock) => this.connected(sock));
    const m = /^tcp:(?:(.+):)?(\d+)$/.exec(address);
    if (m) this.server.listen(Number(m[2]), m[1] ?? '127.0.0.1');
    else if (address.startsWith('unix:')) this.server.listen(address.slice(5));
    else throw new Error(`serial socket address "${address}": expected unix:PATH or tcp:[HOST:]PORT`);
  }
  private connected(sock: Socket): void {
    if (this.client !== null) {
      sock.end('another client holds this console\r\n');
      return;
    }
    this.client = sock;
    sock.on('data', (d) => this.input(d));
    sock.on('close', () => (this.client = null));
    sock.on('error', () => (this.client = null));
    if (this.backlog.length > 0) sock.write(Buffer.from(this.backlog.splice(0)));
  }
  /** @inheritDoc */
  protected emit(chunk: Uint8Array): void {
    if (this.client !== null) this.client.write(Buffer.from(chunk));
    else for (let i = 0; i < chunk.length && this.backlog.length < SocketConsole.maxBacklog; i++) this.backlog.push(chunk[i]!);
  }
  /** @inheritDoc */
  close(): void {
    this.flush();
    this.client?.destroy();
    this.server.close();
  }
}
