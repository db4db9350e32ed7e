/**
 * A server process for the two-channel end-to-end test and bench: `startServer`
 * on DATABASE_URL with the wallet's demo sign-in on (the test signs phones in
 * with one click rather than with passkeys, which tests/wallet covers), the
 * wallet page from EDGEPAY_WALLET_UI_DIR, and the OTP keys from
 * EDGEPAY_OTP_KEYS. Prints `EDGEPAY_SERVER_URL=<url>` on stderr when ready.
 */
import { resolve } from 'node:path';
import { startServer } from '../../server/index.ts';

const uiDir = process.env.EDGEPAY_WALLET_UI_DIR;
const latency = process.env.EDGEPAY_SANDBOX_LATENCY_MS?.split(',').map(Number) as [number, number] | undefined;
const server = await startServer({
  databaseUrl: process.env.DATABASE_URL!,
  port: Number(process.env.PORT ?? 0),
  adminToken: process.env.EDGEPAY_ADMIN_TOKEN ?? '',
  logger: process.env.LOG_FILE ? { level: 'info', file: process.env.LOG_FILE } : false,
  wallet: { demoSignIn: true, ...(uiDir ? { uiDir: resolve(uiDir) } : {}) },
  ...(latency ? { sandbox: { latencyMs: latency } } : {}),
});
process.stderr.write(`EDGEPAY_SERVER_URL=${server.url}\n`);
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => void server.close().then(() => process.exit(0)));
