/**
 * A client of the host's management API: what the `vm` commands use.
 *
 * @module
 */

import { request } from 'node:http';
import type { Socket } from 'node:net';
import type { HostSample, VmInfo, VmSample } from '../vmhost/vm-types.js';

/** The default API address of `vm host`. */
export const DEFAULT_API = 'http://127.0.0.1:8307';

/** An error the API answered with (its status and message). */
export class ApiError extends Error {
  /** @param status HTTP status @param message the API's error text */
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** Talks to one host at `base` (`http://HOST:PORT` or `unix:PATH`). */
export class ApiClient {
  /** @param base the host's API address */
  constructor(readonly base: string = DEFAULT_API) {}

  private target(path: string): { socketPath?: string; host?: string; port?: number; path: string } {
    if (this.base.startsWith('unix:')) return { socketPath: this.base.slice(5), path };
    const u = new URL(this.base);
    return { host: u.hostname.replace(/^\[|\]$/g, ''), port: Number(u.port || 80), path };
  }

  /** One request; resolves with the parsed JSON (or text) body. */
  call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const payload = body === undefined ? undefined : typeof body === 'string' || body instanceof Uint8Array ? Buffer.from(body as string) : Buffer.from(JSON.stringify(body));
    return new Promise<T>((resolve, reject) => {
      const req = request({ ...this.target(path), method, headers: payload ? { 'content-length': payload.length } : {} }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('latin1');
          const json = (res.headers['content-type'] ?? '').includes('json');
          const value = json && text.length > 0 ? (JSON.parse(text) as unknown) : text;
          if ((res.statusCode ?? 500) >= 400) reject(new ApiError(res.statusCode ?? 500, json ? String((value as { error?: string }).error) : text));
          else resolve(value as T);
        });
      });
      req.on('error', (e) => reject(new ApiError(0, `cannot reach the host at ${this.base}: ${e.message}`)));
      if (payload) req.write(payload);
      req.end();
    });
  }

  /** The inventory. */
  list(): Promise<VmInfo[]> {
    return this.call('GET', '/api/vms');
  }
  /** Power on. */
  start(name: string): Promise<VmInfo> {
    return this.call('POST', `/api/vms/${encodeURIComponent(name)}/start`);
  }
  /** Power off (soft: the ACPI power button). */
  stop(name: string, soft = false): Promise<VmInfo> {
    return this.call('POST', `/api/vms/${encodeURIComponent(name)}/stop`, { soft });
  }
  /** Reset. */
  reset(name: string): Promise<VmInfo> {
    return this.call('POST', `/api/vms/${encodeURIComponent(name)}/reset`);
  }
  /** Suspend to disk. */
  suspend(name: string): Promise<VmInfo> {
    return this.call('POST', `/api/vms/${encodeURIComponent(name)}/suspend`);
  }
  /** Pause (no CPU; memory stays). */
  pause(name: string): Promise<VmInfo> {
    return this.call('POST', `/api/vms/${encodeURIComponent(name)}/pause`);
  }
  /** Resume. */
  resume(name: string): Promise<VmInfo> {
    return this.call('POST', `/api/vms/${encodeURIComponent(name)}/resume`);
  }
  /** Host and VM samples. */
  stats(since?: number): Promise<{ host: HostSample[]; vms: Record<string, VmSample[]> }> {
    return this.call('GET', `/api/stats${since !== undefined ? `?since=${since}` : ''}`);
  }
  /** The recent console output. */
  consoleText(name: string): Promise<string> {
    return this.call('GET', `/api/vms/${encodeURIComponent(name)}/console`);
  }
  /** Type bytes at the console. */
  consoleType(name: string, text: string | Uint8Array): Promise<string> {
    return this.call('POST', `/api/vms/${encodeURIComponent(name)}/console`, text);
  }

  /** Open the console as a raw two-way stream (HTTP upgrade). */
  openConsole(name: string): Promise<Socket> {
    return new Promise((resolve, reject) => {
      const req = request({ ...this.target(`/api/vms/${encodeURIComponent(name)}/console`), headers: { connection: 'Upgrade', upgrade: 'vm-console' } });
      req.on('upgrade', (_res, socket: Socket, head: Buffer) => {
        if (head.length > 0) socket.unshift(head);
        resolve(socket);
      });
      req.on('response', (res) => reject(new ApiError(res.statusCode ?? 500, `no console for ${name} (HTTP ${res.statusCode})`)));
      req.on('error', (e) => reject(new ApiError(0, `cannot reach the host at ${this.base}: ${e.message}`)));
      req.end();
    });
  }
}
