/**
 * A server process with pay later, for the tests and the bench that need
 * real server processes on one PostgreSQL schema:
 * `node --import tsx tests/credit/server-main.ts`, with
 * CREDIT_DATABASE_URL, CREDIT_ADMIN_TOKEN and CREDIT_SETTINGS (JSON of
 * CreditSettings, optional). Prints `listening <url>`; SIGTERM closes it.
 */
import { startCreditTestServer } from './server.ts';

const server = await startCreditTestServer({
  databaseUrl: process.env.CREDIT_DATABASE_URL!,
  adminToken: process.env.CREDIT_ADMIN_TOKEN!,
  settings: JSON.parse(process.env.CREDIT_SETTINGS ?? '{}'),
});
process.stdout.write(`listening ${server.url}\n`);
process.on('SIGTERM', () => {
  void server.close().then(() => process.exit(0));
});
