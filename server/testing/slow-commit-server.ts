/**
 * Test support: a server process whose commits are slowed (see
 * slow-commit-db.ts), for the two-process checkpoint test. Prints
 * `EDGEPAY_SERVER_URL=...` on stderr when it listens.
 *   DATABASE_URL, EDGEPAY_ADMIN_TOKEN, SLOW_COMMIT_MS
 */
import { openDatabase } from '../start-server.ts';
import { buildApp } from '../app.ts';
import { withSlowCommits } from './slow-commit-db.ts';

const db = await openDatabase({ databaseUrl: process.env.DATABASE_URL! });
const { app } = await buildApp({
  db: withSlowCommits(db, Number(process.env.SLOW_COMMIT_MS ?? 15)),
  adminToken: process.env.EDGEPAY_ADMIN_TOKEN!,
});
const url = await app.listen({ host: '127.0.0.1', port: 0 });
process.stderr.write(`EDGEPAY_SERVER_URL=${url}\n`);
process.on(
  'SIGTERM',
  () =>
    void app
      .close()
      .then(() => db.close())
      .then(() => process.exit(0)),
);
