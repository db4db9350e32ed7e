/**
 * A push reads its documents without the site's lock and writes them in one
 * statement that verifies, under the lock, that nothing changed since the
 * read (documents.ts). These tests put another writer's commit exactly
 * between the read and the write, through a Db wrapper that runs it when the
 * push's read returns, and check that the push then never overwrites that
 * commit, never records a payment twice, and keeps nothing of itself when it
 * gives up.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { defineCollection, EdgePayError, uuidV7 } from '../../core/index.ts';
import { openDatabase, type Db } from '../index.ts';
import { serverCollection } from './collections.ts';
import { edgePayServerCollections } from '../app.ts';
import { pull, push, writeAsServer } from './documents.ts';
import { freshPostgres, pglite, type TestDatabase } from '../testing/databases.ts';
import { testPayment } from '../testing/payments.ts';

const SITE = 'site-optimistic';
const writer = { siteId: SITE, gatewayId: 'gw-1' };

/** A collection with no ownership rules: the tests are about the write, not the checks. */
const notes = serverCollection(
  defineCollection({
    name: 'notes',
    schema: {
      version: 0,
      primaryKey: 'id',
      type: 'object',
      properties: { id: { type: 'string' }, siteId: { type: 'string' }, text: { type: 'string' } },
      required: ['id', 'siteId', 'text'],
    },
    siteField: 'siteId',
    checkGatewayWrite: () => ({ ok: true }),
    sync: { push: true, pull: true },
  }),
);
const payments = edgePayServerCollections().find((c) => c.name === 'payments')!;

/** The push's read of its documents: the only SELECT it makes before its write. */
const isPushRead = (sql: string) => sql.trimStart().startsWith('SELECT id, site_id, data, deleted, seq FROM documents');

/** `db`, but each push read for which `interfere()` is still wanted runs it before answering. */
function interfering(db: Db, interfere: () => Promise<void>, times: number): Db & { interfered: () => number } {
  let done = 0;
  return {
    kind: db.kind,
    transaction: (fn) => db.transaction(fn),
    listen: (channel, onMessage, onReconnect) => db.listen(channel, onMessage, onReconnect),
    close: () => db.close(),
    async query(sql, params) {
      const result = await db.query(sql, params);
      if (isPushRead(sql) && done < times) {
        done++;
        await interfere();
      }
      return result as any;
    },
    interfered: () => done,
  };
}

async function counter(db: Db, collection: string): Promise<number> {
  const { rows } = await db.query<{ value: string }>('SELECT value FROM change_counters WHERE collection = $1 AND site_id = $2', [collection, SITE]);
  return rows[0] ? Number(rows[0].value) : 0;
}

for (const which of ['pglite', 'postgres'] as const) {
  describe(`a push whose documents change between its read and its write (${which})`, () => {
    const withDb = async (body: (db: Db) => Promise<void>) => {
      const database: TestDatabase = which === 'pglite' ? pglite() : await freshPostgres();
      const db = await openDatabase(database.databaseUrl ? { databaseUrl: database.databaseUrl } : {});
      try {
        await body(db);
      } finally {
        await db.close();
        await database.drop();
      }
    };

    it('answers the newer state as a conflict instead of overwriting it', async () => {
      await withDb(async (db) => {
        const id = uuidV7();
        const v0 = { id, siteId: SITE, text: 'v0' };
        await writeAsServer(db, notes, SITE, [{ ...v0, _deleted: false }]);
        const v1 = { id, siteId: SITE, text: 'changed by the server meanwhile' };
        const racing = interfering(db, () => writeAsServer(db, notes, SITE, [{ ...v1, _deleted: false }]), 1);

        const outcome = await push(racing, notes, writer, [
          { assumedMasterState: { ...v0, _deleted: false }, newDocumentState: { id, siteId: SITE, text: "the gateway's edit of v0", _deleted: false } },
        ]);

        assert.equal(racing.interfered(), 1);
        assert.deepEqual(outcome.conflicts, [{ ...v1, _deleted: false }], 'the gateway must learn of the newer state');
        assert.equal(outcome.firstLwt, undefined, 'nothing was written');
        const page = await pull(db, notes, SITE, null, 10);
        assert.deepEqual(page.documents, [{ ...v1, _deleted: false }], "the server's change must survive");
        assert.equal(await counter(db, 'notes'), 2, 'two server writes, none of the push');
      });
    });

    it('records a payment created meanwhile once, and still writes the rest of the push', async () => {
      await withDb(async (db) => {
        const raced = testPayment(SITE, writer.gatewayId);
        const other = testPayment(SITE, writer.gatewayId);
        // The same payment arrives by another request of this gateway (a retry of a push whose answer was lost).
        const racing = interfering(db, async () => void (await push(db, payments, writer, [{ newDocumentState: raced }])), 1);

        const outcome = await push(racing, payments, writer, [{ newDocumentState: raced }, { newDocumentState: other }]);

        assert.equal(racing.interfered(), 1);
        assert.deepEqual(
          outcome.conflicts.map((c) => c.id),
          [raced.id],
          "the raced payment comes back as the server's state",
        );
        assert.equal(outcome.firstLwt, 2, 'the other payment took the next seq');
        const { rows: docs } = await db.query<{ id: string; seq: string }>(`SELECT id, seq FROM documents WHERE collection = 'payments' ORDER BY seq`);
        assert.deepEqual(
          docs.map((d) => [d.id, Number(d.seq)]),
          [
            [raced.id, 1],
            [other.id, 2],
          ],
        );
        const { rows: audit } = await db.query<{ payment_id: string }>(`SELECT payment_id FROM audit_log WHERE action = 'payment.received-offline' ORDER BY seq`);
        assert.deepEqual(
          audit.map((a) => a.payment_id),
          [raced.id, other.id],
          'each payment audited once',
        );
        const { rows: queued } = await db.query<{ payment_id: string }>('SELECT payment_id FROM forward_queue ORDER BY payment_id');
        assert.deepEqual(
          queued.map((q) => q.payment_id),
          [raced.id, other.id].sort(),
          'each payment queued once',
        );
        assert.equal(await counter(db, 'payments'), 2);
      });
    });

    it('gives up with SYNC_CONTENDED after five changed reads and keeps nothing of the push', async () => {
      await withDb(async (db) => {
        const id = uuidV7();
        const fresh = { id: uuidV7(), siteId: SITE, text: 'new in the same push' };
        await writeAsServer(db, notes, SITE, [{ id, siteId: SITE, text: 'v0', _deleted: false }]);
        let n = 0;
        const racing = interfering(db, () => writeAsServer(db, notes, SITE, [{ id, siteId: SITE, text: `v${++n}`, _deleted: false }]), Infinity);
        // Each attempt reads the latest state, so its assumed state is always the one just read: the
        // gateway is not behind, the document just keeps changing under it.
        const rows = [
          { assumedMasterState: null, newDocumentState: { ...fresh, _deleted: false } },
          { assumedMasterState: null, newDocumentState: { id, siteId: SITE, text: 'gateway', _deleted: false } },
        ];
        const racingRead = racing.query.bind(racing);
        racing.query = async (sql, params) => {
          const result = await racingRead(sql, params);
          const current = (result.rows as { id: string; data: Record<string, unknown>; deleted: boolean }[]).find((r) => r.id === id);
          if (isPushRead(sql) && current) rows[1]!.assumedMasterState = { ...current.data, _deleted: current.deleted } as any;
          return result as any;
        };

        await assert.rejects(push(racing, notes, writer, rows), (err: unknown) => err instanceof EdgePayError && err.code === 'SYNC_CONTENDED' && err.details?.attempts === 5);
        assert.equal(racing.interfered(), 5);
        const page = await pull(db, notes, SITE, null, 10);
        assert.deepEqual(page.documents, [{ id, siteId: SITE, text: 'v5', _deleted: false }], "only the server's writes are stored");
        assert.equal(await counter(db, 'notes'), 6, 'v0 and five changes; no seq of the push survived');
      });
    });
  });
}
