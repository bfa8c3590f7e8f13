/**
 * The host's HTTP+JSON management API (see {@link API_SCHEMA}), on a TCP
 * address or a Unix socket. Only the host's own requests run here: every
 * change goes through {@link VmHost}.
 *
 * @module
 */

import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { UsageError } from '../cli/run-args.js';
import type { VmHost } from '../vmhost/vm-host.js';
import { API_SCHEMA } from './api-schema.js';

/** A running API server. */
export interface ApiServer {
  /** The base URL clients use (`http://127.0.0.1:8307`, or `unix:PATH`). */
  readonly url: string;
  /** The HTTP server. */
  readonly server: Server;
  /** Stop listening and drop console streams. */
  close(): Promise<void>;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const MAX_BODY = 1 << 20;

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let n = 0;
    req.on('data', (c: Buffer) => {
      n += c.length;
      if (n > MAX_BODY) {
        reject(new HttpError(413, 'request body too large'));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/**
 * Serve `host`'s API at `listen`: `HOST:PORT`, `PORT` (on 127.0.0.1) or
 * `unix:PATH`. Port 0 picks a free port (see {@link ApiServer.url}).
 */
export async function startApiServer(host: VmHost, listen: string): Promise<ApiServer> {
  const sockets = new Set<Duplex>();
  const server = createServer((req, res) => {
    handle(host, req, res).catch((e: unknown) => {
      const status = e instanceof HttpError ? e.status : e instanceof UsageError ? (/^no VM named/.test(e.message) ? 404 : 409) : 500;
      if (!res.headersSent) send(res, status, { error: (e as Error).message });
      else res.end();
    });
  });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex) => {
    const m = /^\/api\/vms\/([^/]+)\/console$/.exec(new URL(req.url ?? '/', 'http://x').pathname);
    if (!m || (req.headers['upgrade'] ?? '').toLowerCase() !== 'vm-console' || host.get(decodeURIComponent(m[1]!)) === undefined) {
      socket.end('HTTP/1.1 404 Not Found\r\nconnection: close\r\n\r\n');
      return;
    }
    const name = decodeURIComponent(m[1]!);
    socket.write('HTTP/1.1 101 Switching Protocols\r\nupgrade: vm-console\r\nconnection: Upgrade\r\n\r\n');
    sockets.add(socket);
    const detach = host.consoleAttach(name, (bytes) => socket.write(bytes));
    socket.on('data', (d: Buffer) => host.consoleIn(name, new Uint8Array(d)));
    const done = (): void => {
      detach();
      sockets.delete(socket);
    };
    socket.on('close', done);
    socket.on('error', done);
  });
  const url = await new Promise<string>((resolve, reject) => {
    server.once('error', reject);
    if (listen.startsWith('unix:')) {
      server.listen(listen.slice(5), () => resolve(listen));
      return;
    }
    const m = /^(?:(.*):)?(\d+)$/.exec(listen);
    if (!m) {
      reject(new UsageError(`--listen ${listen}: expected [HOST:]PORT or unix:PATH`));
      return;
    }
    const hostName = m[1] ?? '127.0.0.1';
    server.listen(Number(m[2]), hostName, () => {
      const a = server.address() as AddressInfo;
      resolve(`http://${hostName.includes(':') ? `[${hostName}]` : hostName}:${a.port}`);
    });
  });
  return {
    url,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function handle(host: VmHost, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const u = new URL(req.url ?? '/', 'http://x');
  const path = u.pathname.replace(/\/+$/, '');
  const method = req.method ?? 'GET';
  const since = u.searchParams.has('since') ? Number(u.searchParams.get('since')) : undefined;
  if (method === 'GET' && path === '/api/schema') return send(res, 200, API_SCHEMA);
  if (method === 'GET' && path === '/api/host') {
    return send(res, 200, { pcpus: host.pcpus, poolMB: Math.floor(host.pool.pageCount / 256), vms: host.list().length, latest: host.hostStats().at(-1) ?? null });
  }
  if (method === 'GET' && path === '/api/vms') return send(res, 200, host.list());
  if (method === 'GET' && path === '/api/stats') {
    const vms: Record<string, unknown> = {};
    for (const v of host.list()) vms[v.name] = host.vmStats(v.name, since);
    return send(res, 200, { host: host.hostStats(since), vms });
  }
  const m = /^\/api\/vms\/([^/]+)(?:\/([a-z]+))?$/.exec(path);
  if (!m) throw new HttpError(404, `no such endpoint: ${method} ${path}`);
  const name = decodeURIComponent(m[1]!);
  const op = m[2] ?? '';
  if (host.get(name) === undefined) throw new HttpError(404, `no VM named "${name}"`);
  if (method === 'GET' && op === '') return send(res, 200, host.get(name));
  if (method === 'GET' && op === 'stats') return send(res, 200, host.vmStats(name, since));
  if (method === 'GET' && op === 'console') {
    const text = host.consoleText(name);
    res.writeHead(200, { 'content-type': 'text/plain; charset=latin1', 'content-length': Buffer.byteLength(text, 'latin1') });
    res.end(text, 'latin1');
    return;
  }
  if (method !== 'POST') throw new HttpError(405, `${method} ${path}: use POST`);
  const body = await readBody(req);
  if (op === 'console') {
    host.consoleIn(name, new Uint8Array(body));
    res.writeHead(204);
    res.end();
    return;
  }
  let args: { soft?: unknown; timeoutMs?: unknown } = {};
  if (body.length > 0) {
    try {
      args = JSON.parse(body.toString('utf8')) as typeof args;
    } catch {
      throw new HttpError(400, 'request body is not JSON');
    }
  }
  switch (op) {
    case 'start':
      await host.start(name);
      break;
    case 'stop':
      await host.stop(name, { soft: args.soft === true, ...(typeof args.timeoutMs === 'number' ? { timeoutMs: args.timeoutMs } : {}) });
      break;
    case 'reset':
      host.reset(name);
      break;
    case 'suspend':
      await host.suspend(name);
      break;
    case 'resume':
      await host.resume(name);
      break;
    case 'pause':
      host.pause(name);
      break;
    default:
      throw new HttpError(404, `no such operation: ${op}`);
  }
  send(res, 200, host.get(name));
}
