/**
 * PGlite: PostgreSQL compiled to WASM, running inside the server process on a
 * data directory. One process owns a PGlite directory; to run several server
 * processes on one database, use PostgreSQL (DATABASE_URL).
 */
import { PGlite } from '@electric-sql/pglite';
import type { Db, Queryable, Row } from './db.ts';
import { makeOwnerOnlyDirectory, tightenTree } from './owner-only.ts';

export async function openPgliteDb(dataDir: string | undefined): Promise<Db> {
  // No dataDir: in memory (tests). On disk: owner only (owner-only.ts says how and why so).
  if (dataDir) {
    makeOwnerOnlyDirectory(dataDir);
    tightenTree(dataDir);
  }
  const pg = dataDir ? new PGlite(dataDir) : new PGlite();
  await pg.waitReady;
  if (dataDir) tightenTree(dataDir);
  const wrap = (q: { query: PGlite['query'] }): Queryable => ({
    async query<T extends Row = Row>(sql: string, params: unknown[] = []) {
      const r = await q.query<T>(sql, params as any[]);
      return { rows: r.rows };
    },
  });
  const base = wrap(pg);
  return {
    kind: 'pglite',
    query: base.query,
    transaction: (fn) => pg.transaction((tx) => fn(wrap(tx))),
    async listen(channel, onMessage) {
      const unlisten = await pg.listen(channel, onMessage);
      return async () => {
        if (!pg.closed) await unlisten();
      };
    },
    async close() {
      await pg.close();
      if (dataDir) tightenTree(dataDir);
    },
  };
}
