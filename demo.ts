/**
 * `npm run demo`: starts what exists of EdgePay so far and prints where it is.
 * Today that is the store gateway with its ledger; the server, simulators and
 * UIs join as they are built.
 *
 *   EDGEPAY_DATA=./data   where the gateway keeps its files (default ./data)
 */
import { resolve } from 'node:path';
import { startGateway } from './edge-services/index.ts';

const dataDir = resolve(process.env.EDGEPAY_DATA ?? 'data');
const gateway = await startGateway({ dataDir });
const counts = await gateway.counts();
console.log('EdgePay demo');
console.log(`  gateway ledger : ${gateway.ledger.filePath}`);
console.log(`  durability     : SQLite WAL, synchronous=${gateway.ledger.synchronous}`);
console.log(`  documents      : ${Object.entries(counts).map(([c, n]) => `${c}=${n}`).join(', ')}`);
console.log('  (server, devices and UIs are not built yet)');
await gateway.stop();
