/**
 * The writes the payments path commits asynchronously (synchronous_commit off
 * for their own transaction; issue 24) and why losing them cannot lose or
 * double a payment or a ledger transfer. PostgreSQL can lose such a commit
 * only if it crashes within a fraction of a second of it; these tests make
 * the loss by hand (deleting or resetting the rows) and retry, as a client
 * would after the crash. Every decision and its ledger transfers stay
 * synchronous commits.
 *
 *   idempotency_keys, the claim (idempotency.ts): committed before the work,
 *     so its commit record precedes the decision's in the WAL, and the
 *     decision's synchronous commit flushes the WAL up to itself: whenever the
 *     decision survived, the claim did. Lost with the decision, the retry runs
 *     as the first request did.
 *   idempotency_keys, the stored answer: written after the decision; lost, the
 *     claim stays `running` and, once its lease lapses, the next request with
 *     the key runs the work again. An authorisation answers the payment as
 *     decided (a decided payment is never decided again); a refund or void
 *     finds its own audit entry under the key and changes nothing
 *     (authority.ts `OnceUnder`: before it, the retry refunded a second time).
 *   sandbox_acquirer_transactions: the acquirer's answers, recorded before the
 *     decision that uses them is written (the authority awaits them), so by the
 *     same WAL order they survive whenever the decision does. (A real
 *     acquirer keeps its own records; the sandbox stands for it.)
 * The last test checks that order in the database, by transaction ids.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { uuidV7, type PaymentDoc } from '../../core/index.ts';
import { startServer, type RunningServer } from '../index.ts';
import { freshPostgres, postgresReachable, type TestDatabase } from '../testing/databases.ts';
import { assertLedgerBalanced } from '../testing/ledger.ts';

const ADMIN = 'async-commits-admin-token-0123';

function payment(siteId: string, gatewayId: string, amount = 5000): PaymentDoc {
  const createdAt = new Date().toISOString();
  return {
    id: uuidV7(),
    siteId,
    gatewayId,
    flow: 'kiosk',
    amount,
    currency: 'KRW',
    method: 'card-terminal',
    lineItems: [{ name: 'Lunch box', quantity: 1, unitAmount: amount, lineAmount: amount }],
    cardDisplay: { bin: '411111', last4: '1111', brand: 'visa' },
    token: 'tok_test_approve_async',
    createdAt,
    offline: false,
    status: 'created',
    statusHistory: [{ status: 'created', at: createdAt, by: 'gateway' }],
  };
}

describe('payments: what an asynchronous commit may lose is rebuilt, never doubled (PostgreSQL)', () => {
  let server: RunningServer;
  let database: TestDatabase;
  let gw: { gatewayId: string; siteId: string; credential: string };
  let skip = false;

  const call = async (path: string, body: unknown, key: string) => {
    const res = await fetch(server.url + path, {
      method: 'POST',
      headers: { authorization: 'Bearer ' + gw.credential, 'content-type': 'application/json', 'idempotency-key': key },
      body: JSON.stringify(body),
    });
    return { status: res.status, text: await res.text() };
  };
  const count = async (sql: string, params: unknown[]) => Number((await server.db.query<{ n: string }>(sql, params)).rows[0]!.n);
  /** The answer lost, the claim left: `running`, its lease lapsed (what a retry finds after the crash). */
  const loseAnswer = (key: string) =>
    server.db.query("UPDATE idempotency_keys SET state = 'running', status_code = NULL, response = NULL, lease_until = now() - interval '1 second' WHERE key = $1", [key]);

  before(async () => {
    if (!(await postgresReachable())) {
      skip = true;
      return;
    }
    database = await freshPostgres();
    server = await startServer({ databaseUrl: database.databaseUrl!, adminToken: ADMIN, sandbox: { latencyMs: [0, 2] } });
    const res = await fetch(server.url + '/admin/gateways', {
      method: 'POST',
      headers: { authorization: 'Bearer ' + ADMIN, 'content-type': 'application/json' },
      body: JSON.stringify({ siteId: 'site-async', name: 'kiosk' }),
    });
    gw = (await res.json()) as typeof gw;
  });
  after(async () => {
    await server?.close();
    await database?.drop();
  });

  it('an authorisation whose claim or answer was lost is answered again as decided, decided once', async (t) => {
    if (skip) return t.skip('PostgreSQL not reachable');
    const p = payment(gw.siteId, gw.gatewayId);
    const first = await call('/payments/authorise', { payment: p }, p.id);
    assert.equal(first.status, 200, first.text);
    assert.equal(JSON.parse(first.text).payment.status, 'captured');

    await loseAnswer(p.id);
    const afterLostAnswer = await call('/payments/authorise', { payment: p }, p.id);
    assert.equal(afterLostAnswer.status, 200, afterLostAnswer.text);
    assert.deepEqual(JSON.parse(afterLostAnswer.text), JSON.parse(first.text));

    await server.db.query('DELETE FROM idempotency_keys WHERE key = $1', [p.id]);
    const afterLostClaim = await call('/payments/authorise', { payment: p }, p.id);
    assert.equal(afterLostClaim.status, 200, afterLostClaim.text);
    assert.deepEqual(JSON.parse(afterLostClaim.text), JSON.parse(first.text));

    assert.equal(await count("SELECT COUNT(*) AS n FROM audit_log WHERE payment_id = $1 AND action = 'payment.captured'", [p.id]), 1);
    assert.equal(await count('SELECT COUNT(*) AS n FROM ledger_transfers WHERE reference = $1', ['payment:' + p.id]), 2);
    assert.equal(await count("SELECT COUNT(*) AS n FROM sandbox_acquirer_transactions WHERE idempotency_key LIKE '%' || $1", [p.id]), 2);
    await assertLedgerBalanced(server.db);
  });

  it('a refund whose answer was lost is not made twice when its key comes again', async (t) => {
    if (skip) return t.skip('PostgreSQL not reachable');
    const p = payment(gw.siteId, gw.gatewayId, 10_000);
    assert.equal((await call('/payments/authorise', { payment: p }, p.id)).status, 200);
    const key = 'refund-' + p.id;
    const first = await call(`/payments/${p.id}/refund`, { amount: 3000 }, key);
    assert.equal(first.status, 200, first.text);
    assert.equal(JSON.parse(first.text).payment.refundedAmount, 3000);

    await loseAnswer(key);
    const again = await call(`/payments/${p.id}/refund`, { amount: 3000 }, key);
    assert.equal(again.status, 200, again.text);
    assert.equal(JSON.parse(again.text).payment.refundedAmount, 3000, 'a refund retried after its answer was lost is not a second refund');
    assert.equal(await count("SELECT COUNT(*) AS n FROM audit_log WHERE payment_id = $1 AND action = 'payment.refunded'", [p.id]), 1);
    assert.equal(await count("SELECT COUNT(*) AS n FROM ledger_transfers WHERE reference = $1 AND code = 'refund'", ['payment:' + p.id]), 1);

    // Another key is another refund.
    const second = await call(`/payments/${p.id}/refund`, { amount: 3000 }, key + '-2');
    assert.equal(JSON.parse(second.text).payment.refundedAmount, 6000);
    await assertLedgerBalanced(server.db);
  });

  it("the acquirer's records and the claim commit before the decision that depends on them", async (t) => {
    if (skip) return t.skip('PostgreSQL not reachable');
    const ps = Array.from({ length: 10 }, () => payment(gw.siteId, gw.gatewayId));
    for (const r of await Promise.all(ps.map((p) => call('/payments/authorise', { payment: p }, p.id)))) assert.equal(r.status, 200, r.text);
    // A transaction id is assigned at a transaction's first write: a write that
    // committed before the decision started has a smaller one. (Necessary, not
    // sufficient: the proof is the code's order, which this catches reversed.)
    const { rows } = await server.db.query<{ id: string; decision: string; acquirer: string; claim: string }>(
      `SELECT d.id, d.xmin::text AS decision,
              (SELECT max(a.xmin::text::bigint) FROM sandbox_acquirer_transactions a
                WHERE a.idempotency_key IN ('authorise:' || d.id, 'capture:' || d.id))::text AS acquirer,
              (SELECT k.xmin::text FROM idempotency_keys k WHERE k.key = d.id) AS claim
         FROM documents d WHERE d.collection = 'payments' AND d.id = ANY ($1::text[])`,
      [ps.map((p) => p.id)],
    );
    assert.equal(rows.length, ps.length);
    for (const r of rows) {
      assert.ok(BigInt(r.acquirer) < BigInt(r.decision), `${r.id}: acquirer record ${r.acquirer} before decision ${r.decision}`);
      // The claim row is updated with the answer after the decision: its xmin is then the answer's.
      assert.ok(BigInt(r.claim) > BigInt(r.decision), `${r.id}: the answer ${r.claim} is stored after the decision ${r.decision}`);
    }
  });
});
