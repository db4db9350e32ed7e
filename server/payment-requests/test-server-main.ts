/**
 * A server process for the tests that need two real server processes on one
 * PostgreSQL schema: `node --import tsx test-server-main.ts`, with
 * PAYREQ_DATABASE_URL and PAYREQ_WALLET (TestWallet.exportPublic() as JSON).
 * Prints `listening <url>`; SIGTERM closes it.
 */
import { TestWallet } from './testing.ts';
import { startPayreqServer } from './test-server.ts';

const wallet = TestWallet.fromPublic(JSON.parse(process.env.PAYREQ_WALLET ?? '{"users":[],"units":[]}'));
const server = await startPayreqServer({ wallet, databaseUrl: process.env.PAYREQ_DATABASE_URL! });
process.stdout.write(`listening ${server.url}\n`);
process.on('SIGTERM', () => {
  void server.close().then(() => process.exit(0));
});
