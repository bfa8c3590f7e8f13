import type { LabVm, NetLab } from '@vm/example-firewall/lab';

/** The database's TCP port. */
export const DB_PORT = 5432;
/** The web server's TCP port. */
export const WEB_PORT = 80;
/** What the database holds: `key=value` lines. */
export const RECORDS = ['widget=42 in stock', 'gadget=7 in stock', 'gizmo=sold out'] as const;

/** Run `command` in `vm` and throw with its output unless it exits 0. */
async function must(lab: NetLab, vm: LabVm, command: string, what: string): Promise<string> {
  const r = await lab.sh(vm, command);
  if (r.status !== 0) throw new Error(`${vm.name}: ${what} failed (status ${r.status}): ${r.out}`);
  return r.out;
}

/**
 * The database tier: a key lookup service on TCP {@link DB_PORT}. busybox
 * `nc -ll -e` runs a small script per connection that reads one key and
 * answers its record (or `missing`).
 */
export async function startDatabase(lab: NetLab, db: LabVm): Promise<void> {
  await must(
    lab,
    db,
    `mkdir -p /db && printf '%s\\n' ${RECORDS.map((r) => `'${r}'`).join(' ')} > /db/records && ` +
      `printf '%s\\n' '#!/bin/sh' 'read key' 'grep "^$key=" /db/records | cut -d= -f2- | grep . || echo missing' > /db/serve.sh && ` +
      `chmod +x /db/serve.sh && (nc -ll -p ${DB_PORT} -e /db/serve.sh &) && sleep 1`,
    'starting the database',
  );
}

/**
 * The web tier: busybox httpd on {@link WEB_PORT} with one CGI program,
 * `/cgi-bin/stock?KEY`, which asks the database for KEY and returns the
 * answer as text.
 */
export async function startWeb(lab: NetLab, web: LabVm, dbAddress: string): Promise<void> {
  await must(
    lab,
    web,
    `mkdir -p /www/cgi-bin && echo 'web tier up' > /www/index.html && ` +
      `printf '%s\\n' '#!/bin/sh' 'echo "Content-Type: text/plain"' 'echo' 'echo "$QUERY_STRING" | nc ${dbAddress} ${DB_PORT}' > /www/cgi-bin/stock && ` +
      `chmod +x /www/cgi-bin/stock && httpd -p ${WEB_PORT} -h /www`,
    'starting the web server',
  );
}

/**
 * A client asks the web tier for `key`'s stock; returns the page (trimmed),
 * or throws when the request fails. (No `wget -T`: Debian's busybox 1.35
 * wget crashes with it, in QEMU too.)
 */
export async function queryStock(lab: NetLab, client: LabVm, webAddress: string, key: string): Promise<string> {
  const out = await must(lab, client, `wget -q -O - 'http://${webAddress}:${WEB_PORT}/cgi-bin/stock?${key}'`, `GET stock?${key}`);
  return out.trim();
}

/**
 * Try to reach the database directly from `vm`: true when it answered a
 * lookup, false when the connection failed (busybox nc gives up after 3 s).
 */
export async function databaseAnswers(lab: NetLab, vm: LabVm, dbAddress: string): Promise<boolean> {
  const r = await lab.sh(vm, `echo widget | nc -w 3 ${dbAddress} ${DB_PORT}`, 20e9);
  return r.status === 0 && r.out.includes('42 in stock');
}
