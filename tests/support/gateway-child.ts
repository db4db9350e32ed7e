/**
 * A gateway as its own process, for tests that SIGKILL it: opens the ledger in
 * argv[2] and syncs it with the server at argv[3] using the credential in
 * EDGEPAY_CREDENTIAL. Prints "syncing" once started, then a status line
 * `status {"online":..,"pending":..}` every 100 ms.
 */
import { GatewaySync, openLedger } from '../../sync/index.ts';

const [directory, serverUrl] = process.argv.slice(2);
const credential = process.env.EDGEPAY_CREDENTIAL;
if (!directory || !serverUrl || !credential) {
  console.error('usage: gateway-child <ledger dir> <server url>  (EDGEPAY_CREDENTIAL set)');
  process.exit(2);
}
const ledger = await openLedger({ directory });
const sync = new GatewaySync(ledger.db as any, {
  serverUrl,
  credential,
  backoff: { initialMs: 100, maxMs: 500 },
  pushBatchSize: Number(process.env.PUSH_BATCH ?? 100),
});
sync.start();
process.stdout.write('syncing\n');
for (;;) {
  const s = await sync.status();
  process.stdout.write(`status ${JSON.stringify({ online: s.online, pending: s.pending.count })}\n`);
  await new Promise((r) => setTimeout(r, 100));
}
