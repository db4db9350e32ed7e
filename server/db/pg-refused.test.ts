/**
 * PostgreSQL refusing new connections (its role allows 3, the pool wants 8,
 * as when max_connections is reached by other processes): queries and
 * transactions wait for a connection instead of failing, and nothing runs
 * twice; past the wait budget the caller gets DATABASE_BUSY (503), never a 500.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { isEdgePayError } from '../../core/index.ts';
import { freshPostgres, type TestDatabase } from '../testing/databases.ts';
import type { Db } from './db.ts';
import { openPostgresDb } from './pg-db.ts';

describe('PostgreSQL refusing connections (a role limited to 3, a pool of 8)', () => {
  let database: TestDatabase;
  let db: Db | undefined;
  before(async () => {
    database = await freshPostgres({ connectionLimit: 3 });
    if (database.databaseUrl) {
      db = await openPostgresDb(database.databaseUrl, 8, 20_000);
      await db.query('CREATE TABLE refused_t (n INTEGER PRIMARY KEY)');
    }
  });
  after(async () => {
    await db?.close();
    await database.drop();
  });

  it('60 transactions and 60 queries at once all run, each once; refusals were retried', async (t) => {
    if (!db) return t.skip('needs PostgreSQL');
    const work = Array.from({ length: 60 }, (_, n) => [
      db!.transaction(async (tx) => {
        await tx.query('SELECT pg_sleep(0.02)');
        await tx.query('INSERT INTO refused_t (n) VALUES ($1)', [n]);
      }),
      db!.query('SELECT pg_sleep(0.02), $1::int AS n', [n]),
    ]).flat();
    const results = await Promise.allSettled(work);
    const failed = results.filter((r) => r.status === 'rejected').map((r) => String((r as PromiseRejectedResult).reason));
    assert.deepEqual(failed.slice(0, 3), [], `${failed.length} failed`);
    const { rows } = await db.query<{ n: string }>('SELECT count(*) AS n FROM refused_t');
    assert.equal(Number(rows[0]!.n), 60);
    assert.ok((db.connectionsRefused ?? 0) > 0, 'PostgreSQL refused some connections (else this test proves nothing)');
  });

  it('past the wait budget: DATABASE_BUSY (503), and the query never ran', async (t) => {
    if (!database.databaseUrl) return t.skip('needs PostgreSQL');
    // A second pool on the same role, with no wait budget, while the first holds all 3 connections.
    const held = Array.from({ length: 3 }, () => db!.transaction((tx) => tx.query('SELECT pg_sleep(0.8)')));
    await new Promise((r) => setTimeout(r, 200));
    const busy = await openPostgresDb(database.databaseUrl, 2, 0).then(
      async (d) => {
        await d.close();
        return undefined;
      },
      (err: unknown) => err,
    );
    await Promise.all(held);
    // Opening a pool runs one query first: refused, it says so with a stable code.
    assert.ok(isEdgePayError(busy), `expected DATABASE_BUSY, got ${String(busy)}`);
    assert.equal((busy as { code: string }).code, 'DATABASE_BUSY');
    assert.equal((busy as { httpStatus: number }).httpStatus, 503);
  });
});
