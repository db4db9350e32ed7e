/**
 * `npm run server`: the central server.
 *
 *   DATABASE_URL=postgres://user@127.0.0.1:5432/edgepay   use PostgreSQL (several
 *                                     servers may share it); otherwise PGlite in
 *   EDGEPAY_PGLITE_DIR=./data/server  (default)
 *   EDGEPAY_ADMIN_TOKEN=...           required, >= 16 characters
 *   HOST=127.0.0.1  PORT=8080         where to listen
 *   LOG_LEVEL=info                    pino JSON logs on stdout
 *   EDGEPAY_SANDBOX_LATENCY_MS=30,120  the sandbox acquirer's simulated latency range
 *   EDGEPAY_WALLET_UI_DIR=...         where the built wallet page is (default renderer/dist)
 */
import { resolve } from 'node:path';
import { startServer } from './start-server.ts';

const databaseUrl = process.env.DATABASE_URL;
const walletUiDir = process.env.EDGEPAY_WALLET_UI_DIR;
const latency = process.env.EDGEPAY_SANDBOX_LATENCY_MS?.split(',').map(Number);
const server = await startServer({
  ...(databaseUrl ? { databaseUrl } : { pgliteDir: resolve(process.env.EDGEPAY_PGLITE_DIR ?? 'data/server') }),
  host: process.env.HOST ?? '127.0.0.1',
  port: Number(process.env.PORT ?? 8080),
  adminToken: process.env.EDGEPAY_ADMIN_TOKEN ?? '',
  logger: { level: process.env.LOG_LEVEL ?? 'info' },
  ...(walletUiDir ? { wallet: { uiDir: resolve(walletUiDir) } } : {}),
  ...(latency && latency.length === 2 && latency.every(Number.isFinite) ? { sandbox: { latencyMs: latency as [number, number] } } : {}),
});
server.app.log.info({ url: server.url, database: server.db.kind }, 'edgepay server listening');
// Parent processes (tests, the demo) read this line to learn the address.
if (process.env.EDGEPAY_PRINT_URL) process.stderr.write(`EDGEPAY_SERVER_URL=${server.url}\n`);
let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    void server.close().then(() => process.exit(0));
  });
}
