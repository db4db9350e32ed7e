/**
 * The server child of `npm run bench -- credit`: the whole app (with pay
 * later) on CREDIT_DATABASE_URL, admin token CREDIT_ADMIN_TOKEN, on loopback.
 * Prints `listening <url>`; SIGTERM closes it.
 */
import { buildApp, ledger, openDatabase } from '../server/index.ts';

const db = await openDatabase({ databaseUrl: process.env.CREDIT_DATABASE_URL! });
const server = await buildApp({ db, adminToken: process.env.CREDIT_ADMIN_TOKEN!, forwarder: false, logger: false });
const url = await server.app.listen({ host: '127.0.0.1', port: 0 });
const stopSweeper = ledger.startPendingSweeper(db, { intervalMs: 1000 });
process.stdout.write(`listening ${url}\n`);
process.on('SIGTERM', () => {
  void (async () => {
    await stopSweeper();
    await server.app.close();
    await db.close();
    process.exit(0);
  })();
});
