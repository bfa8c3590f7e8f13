// Run the example: `pnpm --filter @vm/example-multitier start` (one Linux boot: minutes of CPU).
import { NetLab, loadLabGuest } from '@vm/example-firewall/lab';
import { databaseAnswers, queryStock, startDatabase, startWeb } from './tiers.js';
import { ADDR, startTiers } from './topology.js';

const guest = loadLabGuest();
if (typeof guest === 'string') {
  console.error(guest);
  process.exit(1);
}
const lab = new NetLab(guest);
const t0 = performance.now();
const elapsed = (): string => `${((performance.now() - t0) / 1000).toFixed(0)} s`;
console.log('booting the web VM (the database and client VMs are clones of it)...');
const { web, db, client } = await startTiers(lab);
console.log(`[${elapsed()}] three VMs up: web ${ADDR.webFront} / ${ADDR.webBack}, db ${ADDR.db}, client ${ADDR.client}`);
await startDatabase(lab, db);
await startWeb(lab, web, ADDR.db);
for (const key of ['widget', 'gizmo', 'unicorn']) {
  console.log(`[${elapsed()}] client: GET http://${ADDR.webFront}/cgi-bin/stock?${key} -> ${JSON.stringify(await queryStock(lab, client, ADDR.webFront, key))}`);
}
console.log(`[${elapsed()}] web -> db ${ADDR.db}:5432 directly: ${(await databaseAnswers(lab, web, ADDR.db)) ? 'answers' : 'unreachable'}`);
console.log(`[${elapsed()}] client -> db ${ADDR.db}:5432 directly: ${(await databaseAnswers(lab, client, ADDR.db)) ? 'answers (!)' : 'unreachable'}`);
lab.destroy();
