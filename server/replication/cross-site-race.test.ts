/**
 * Two sites never wait for each other's lock, so a push can check "no other
 * site holds this id" and then meet another site's INSERT of the same id that
 * commits just before its own write. The write must then refuse (403, nothing
 * stored), not write this site's data into the other site's row through
 * ON CONFLICT.
 *
 * Needs two connections at once, so it runs on PostgreSQL only (PGlite has one
 * connection: the interleaving cannot happen there).
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { uuidV7 } from '../../core/index.ts';
import { openDatabase, type Db } from '../index.ts';
import { edgePayServerCollections } from '../app.ts';
import { push, PushRefused } from './documents.ts';
import { freshPostgres, type TestDatabase } from '../testing/databases.ts';
import { testPayment } from '../testing/payments.ts';

describe("a push meeting another site's concurrent insert of the same id", () => {
  let database: TestDatabase;
  let db: Db | undefined;
  before(async () => {
    database = await freshPostgres();
    if (database.databaseUrl) db = await openDatabase({ databaseUrl: database.databaseUrl });
  });
  after(async () => {
    await db?.close();
    await database.drop();
  });

  it("is refused with AUTH_FORBIDDEN and leaves the other site's row as it was", async (t) => {
    if (!db || !database.databaseUrl) return t.skip('needs PostgreSQL (two connections at once)');
    const payments = edgePayServerCollections().find((c) => c.name === 'payments')!;
    const id = uuidV7();
    const siteA = testPayment('site-race-a', 'gw-a', { id });

    // Site A's write, in flight: the row is inserted but not committed yet.
    const other = new pg.Client({ connectionString: database.databaseUrl });
    await other.connect();
    try {
      await other.query('BEGIN');
      await other.query(`INSERT INTO documents (collection, id, site_id, seq, deleted, data, updated_by) VALUES ('payments', $1, 'site-race-a', 1, false, $2, 'gw-a')`, [id, JSON.stringify(siteA)]);
      // Site B pushes the same id: it sees no such row (uncommitted) and blocks on the key.
      const pushed = push(db, payments, { gatewayId: 'gw-b', siteId: 'site-race-b' }, [{ newDocumentState: testPayment('site-race-b', 'gw-b', { id }) }]).then(
        () => undefined,
        (err: unknown) => err,
      );
      await new Promise((r) => setTimeout(r, 300));
      await other.query('COMMIT');
      const err = await pushed;
      assert.ok(err instanceof PushRefused, `expected a refusal, got ${String(err)}`);
      assert.equal(err.code, 'AUTH_FORBIDDEN');
    } finally {
      await other.end();
    }

    const { rows } = await db.query<{ site_id: string; data: { siteId: string; gatewayId: string }; updated_by: string }>(
      `SELECT site_id, data, updated_by FROM documents WHERE collection = 'payments' AND id = $1`,
      [id],
    );
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!.site_id, 'site-race-a');
    assert.equal(rows[0]!.data.siteId, 'site-race-a', "site B's data must not land in site A's row");
    assert.equal(rows[0]!.updated_by, 'gw-a');
    // Nothing of B's push is left behind: no counter advance, no audit or queue rows for it.
    const counter = await db.query<{ value: string }>(`SELECT value FROM change_counters WHERE collection = 'payments' AND site_id = 'site-race-b'`);
    assert.ok(counter.rows.length === 0 || Number(counter.rows[0]!.value) === 0, `site B's counter moved: ${JSON.stringify(counter.rows)}`);
  });
});
