/**
 * Starts a central server: opens the database (PostgreSQL when a URL is
 * given, else PGlite), runs the migrations, listens.
 */
import type { Db } from './db/index.ts';
import { openPgliteDb } from './db/index.ts';
import { openPostgresDb } from './db/index.ts';
import { migrate } from './db/index.ts';
import { buildApp, type AppOptions, type EdgePayServer } from './app.ts';
import type { CollectionRegistry } from '../core/index.ts';
import type { CreatedFollowUps } from './replication/index.ts';
import { startPendingSweeper } from './ledger/index.ts';

export type ServerOptions = {
  /** PostgreSQL URL; when absent, PGlite on `pgliteDir` (in memory if that is absent too). */
  databaseUrl?: string;
  /** PostgreSQL: connections in the pool (default EDGEPAY_PG_POOL or 20). */
  pgPoolSize?: number;
  pgliteDir?: string;
  host?: string;
  port?: number;
  adminToken: string;
  /** The collections to replicate (default: core's registry; tests pass a copy with throwaway ones). */
  collections?: CollectionRegistry;
  followUps?: CreatedFollowUps;
  logger?: boolean | { level: string; file?: string };
  bodyLimit?: number;
  sandbox?: import('./payments/index.ts').SandboxOptions;
  forwarder?: boolean;
  /** The payment methods the server takes (default: the built-in ones). */
  paymentMethods?: AppOptions['paymentMethods'];
  /** The ledger's sweeper of timed-out pending transfers (default every 1000 ms; `false`: off, for tests that sweep themselves). */
  ledgerSweeper?: false | { intervalMs?: number };
  /** The wallet's options, passed through to buildApp (the demo turns its one-click sign-in on). */
  wallet?: AppOptions['wallet'];
  /** The relay flow's options (deadline, sandbox destination delays), or false for none. */
  relay?: AppOptions['relay'];
};

/** How long close() lets open requests finish before it cuts their connections. */
const CLOSE_GRACE_MS = 2000;

export type RunningServer = EdgePayServer & { db: Db; url: string; close(): Promise<void> };

export async function openDatabase(options: Pick<ServerOptions, 'databaseUrl' | 'pgliteDir' | 'pgPoolSize'>): Promise<Db> {
  const db = options.databaseUrl ? await openPostgresDb(options.databaseUrl, options.pgPoolSize) : await openPgliteDb(options.pgliteDir);
  await migrate(db);
  return db;
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  if (!options.adminToken || options.adminToken.length < 16) {
    throw new Error('EDGEPAY_ADMIN_TOKEN must be set to at least 16 characters');
  }
  const db = await openDatabase(options);
  const server = await buildApp({
    db,
    ...(options.collections ? { collections: options.collections } : {}),
    ...(options.followUps ? { followUps: options.followUps } : {}),
    adminToken: options.adminToken,
    logger: options.logger ?? false,
    processMetrics: true,
    ...(options.bodyLimit ? { bodyLimit: options.bodyLimit } : {}),
    ...(options.sandbox ? { sandbox: options.sandbox } : {}),
    ...(options.forwarder === false ? { forwarder: false } : {}),
    ...(options.paymentMethods ? { paymentMethods: options.paymentMethods } : {}),
    ...(options.wallet ? { wallet: options.wallet } : {}),
    ...(options.relay !== undefined ? { relay: options.relay } : {}),
  });
  const address = await server.app.listen({ host: options.host ?? '127.0.0.1', port: options.port ?? 0 });
  // Voids pending transfers past their timeout (a lapsed authorisation, as the
  // issuer releases its hold), and has the payment follow to `expired`. Every
  // process runs it; one sweeps at a time (the database's advisory lock).
  const stopSweeper =
    options.ledgerSweeper === false
      ? async () => undefined
      : startPendingSweeper(db, {
          ...(options.ledgerSweeper?.intervalMs ? { intervalMs: options.ledgerSweeper.intervalMs } : {}),
          onSwept: async () => server.authority?.expireLapsedAuthorisations(),
          onError: (err) => server.app.log.warn({ err }, 'sweeping the ledger failed'),
        });
  return {
    ...server,
    db,
    url: address,
    async close() {
      await stopSweeper();
      // A long poll or a stream opened by another process (a lobby waiting for its orderer, a
      // relay terminal's command stream) would hold close() until it ends by itself, up to a
      // minute: after a short grace such connections are cut, and their clients retry.
      const grace = setTimeout(() => server.app.server.closeAllConnections(), CLOSE_GRACE_MS);
      try {
        await server.app.close();
      } finally {
        clearTimeout(grace);
      }
      await db.close();
    },
  };
}
