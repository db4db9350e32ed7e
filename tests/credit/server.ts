/**
 * A central server with pay later and the wallet's demo sign-in, on loopback,
 * for the credit tests and the bench.
 */
import { buildApp, ledger, openDatabase, type Db } from '../../server/index.ts';
import type { CreditSettings } from '../../server/index.ts';

export type CreditTestServer = { url: string; port: number; db: Db; close(): Promise<void> };

export async function startCreditTestServer(options: {
  databaseUrl?: string | undefined;
  adminToken: string;
  settings?: Partial<CreditSettings>;
  workerIntervalMs?: number;
  logger?: boolean;
  /** The built UI (the wallet page), for the Chromium tests. */
  uiDir?: string;
}): Promise<CreditTestServer> {
  const db = await openDatabase(options.databaseUrl ? { databaseUrl: options.databaseUrl } : {});
  const server = await buildApp({
    db,
    adminToken: options.adminToken,
    forwarder: false,
    logger: options.logger ?? false,
    wallet: { demoSignIn: true, ...(options.uiDir ? { uiDir: options.uiDir } : {}) },
    credit: { settings: options.settings ?? {}, workerIntervalMs: options.workerIntervalMs ?? 200 },
  });
  const url = await server.app.listen({ host: '127.0.0.1', port: 0 });
  const stopSweeper = ledger.startPendingSweeper(db, { intervalMs: 500 });
  const port = Number(new URL(url).port);
  return {
    url,
    port,
    db,
    async close() {
      await stopSweeper();
      await server.app.close();
      await db.close();
    },
  };
}
