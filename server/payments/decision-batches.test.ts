/**
 * edgepay_payment_decisions (migration 009) on its own: which items of a
 * batch it writes, with which seqs, and what it leaves to the locked path.
 * The high-concurrency invariants are group-commit.test.ts's.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { openDatabase, type Db } from '../index.ts';
import { freshPostgres, postgresReachable, type TestDatabase } from '../testing/databases.ts';

const call = (db: Db, site: string, items: unknown[]) =>
  db.query<{ item: number; seq: string }>('SELECT item, seq FROM edgepay_payment_decisions($1, $2, $3::jsonb) ORDER BY item', ['payments', site, JSON.stringify(items)]);

const doc = (id: string, site: string, status: string) => ({ id, siteId: site, status });
const audit = (id: string, site: string) => ({ actor: 'test', action: 'payment.submitted', paymentId: id, siteId: site, amount: 100, currency: 'KRW' });

describe('payment decision batches (PostgreSQL)', () => {
  let database: TestDatabase;
  let db: Db;
  let skip = false;

  before(async () => {
    if (!(await postgresReachable())) {
      skip = true;
      return;
    }
    database = await freshPostgres();
    db = await openDatabase({ databaseUrl: database.databaseUrl! });
  });
  after(async () => {
    await db?.close();
    await database?.drop();
  });

  it("writes the fresh items with the next seqs in batch order; a stale one and another site's id are left out", async (t) => {
    if (skip) return t.skip('PostgreSQL not reachable');
    const first = await call(db, 'site-a', [
      { i: 0, id: 'p1', expect: null, data: doc('p1', 'site-a', 'pending-approval'), audit: [audit('p1', 'site-a')], transfers: [] },
      { i: 1, id: 'p2', expect: null, data: doc('p2', 'site-a', 'pending-approval'), audit: [audit('p2', 'site-a')], transfers: [] },
    ]);
    assert.deepEqual(
      first.rows.map((r) => [r.item, Number(r.seq)]),
      [
        [0, 1],
        [1, 2],
      ],
    );
    await call(db, 'site-b', [{ i: 0, id: 'b1', expect: null, data: doc('b1', 'site-b', 'pending-approval'), audit: [], transfers: [] }]);

    const second = await call(db, 'site-a', [
      { i: 0, id: 'p1', expect: 1, data: doc('p1', 'site-a', 'captured'), audit: [audit('p1', 'site-a')], transfers: [] },
      // Read at another seq: someone wrote it since.
      { i: 1, id: 'p2', expect: 7, data: doc('p2', 'site-a', 'captured'), audit: [audit('p2', 'site-a')], transfers: [] },
      // Another site's document, taken for new: not written over.
      { i: 2, id: 'b1', expect: null, data: doc('b1', 'site-a', 'captured'), audit: [audit('b1', 'site-a')], transfers: [] },
      // Another site's document at its seq: not this site's to write.
      { i: 3, id: 'b1', expect: 1, data: doc('b1', 'site-a', 'captured'), audit: [audit('b1', 'site-a')], transfers: [] },
      { i: 4, id: 'p3', expect: null, data: doc('p3', 'site-a', 'pending-approval'), audit: [audit('p3', 'site-a')], transfers: [] },
    ]);
    assert.deepEqual(
      second.rows.map((r) => [r.item, Number(r.seq)]),
      [
        [0, 3],
        [4, 4],
      ],
    );

    const { rows } = await db.query<{ id: string; site_id: string; seq: string; status: string }>(
      "SELECT id, site_id, seq, data->>'status' AS status FROM documents WHERE collection = 'payments' ORDER BY site_id, seq",
    );
    assert.deepEqual(
      rows.map((r) => [r.id, r.site_id, Number(r.seq), r.status]),
      [
        ['p2', 'site-a', 2, 'pending-approval'],
        ['p1', 'site-a', 3, 'captured'],
        ['p3', 'site-a', 4, 'pending-approval'],
        ['b1', 'site-b', 1, 'pending-approval'],
      ],
    );
    const counter = await db.query<{ value: string }>("SELECT value FROM change_counters WHERE collection = 'payments' AND site_id = 'site-a'");
    assert.equal(Number(counter.rows[0]!.value), 4, 'the counter ends at the last seq written');
    // Audit entries only for what was written.
    const audits = await db.query<{ payment_id: string }>("SELECT payment_id FROM audit_log WHERE site_id = 'site-a' ORDER BY seq");
    assert.deepEqual(
      audits.rows.map((r) => r.payment_id),
      ['p1', 'p2', 'p1', 'p3'],
    );
  });

  it('plans by key whatever the statistics say (enable_seqscan off for the call)', async (t) => {
    if (skip) return t.skip('PostgreSQL not reachable');
    const { rows } = await db.query<{ config: string[] | null }>(
      "SELECT proconfig AS config FROM pg_proc WHERE proname = 'edgepay_payment_decisions' AND pronamespace = current_schema()::regnamespace",
    );
    assert.deepEqual(rows[0]?.config, ['enable_seqscan=off']);
  });
});
