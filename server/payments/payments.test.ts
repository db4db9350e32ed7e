/**
 * The payment authority over real HTTP on PGlite and PostgreSQL: the sandbox
 * acquirer's test tokens, idempotency under 50 concurrent duplicates, offline
 * forwarding exactly once, refunds and voids through the state machine, and
 * the append-only audit log.
 */
import { describe, it, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { uuidV7, type PaymentDoc } from '../../core/index.ts';
import { startServer, type RunningServer } from '../index.ts';
import { freshPostgres, pglite, type TestDatabase } from '../testing/databases.ts';
import { assertLedgerBalanced } from '../testing/ledger.ts';
import { transfersFor } from '../ledger/index.ts';

const ADMIN = 'payments-admin-token-012345';

function payment(siteId: string, gatewayId: string, token: string, offline = false, amount = 5000): PaymentDoc {
  const createdAt = new Date().toISOString();
  const status = offline ? 'stored' : 'created';
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
    token,
    createdAt,
    offline,
    status,
    statusHistory: [{ status, at: createdAt, by: 'gateway' }],
  };
}

for (const which of ['pglite', 'postgres'] as const) {
  describe(`payment authority on ${which}`, () => {
    let server: RunningServer;
    let database: TestDatabase;
    let gw: { gatewayId: string; siteId: string; credential: string };

    const call = async (path: string, init: { method?: string; body?: unknown; key?: string; token?: string } = {}) => {
      const res = await fetch(server.url + path, {
        method: init.method ?? 'POST',
        headers: {
          authorization: 'Bearer ' + (init.token ?? gw.credential),
          ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...(init.key ? { 'idempotency-key': init.key } : {}),
        },
        ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
      });
      return { status: res.status, body: (await res.json()) as any, replayed: res.headers.get('idempotent-replayed') === 'true' };
    };
    const authorise = (p: PaymentDoc, key = p.id) => call('/payments/authorise', { body: { payment: p }, key });
    const acquirerCalls = async (operation: string) =>
      Number((await server.db.query<{ n: string }>('SELECT COUNT(*) AS n FROM sandbox_acquirer_transactions WHERE operation = $1', [operation])).rows[0]!.n);

    before(async () => {
      database = which === 'pglite' ? pglite() : await freshPostgres();
      server = await startServer({
        ...(database.databaseUrl ? { databaseUrl: database.databaseUrl } : {}),
        adminToken: ADMIN,
        sandbox: { latencyMs: [2, 10], timeoutMs: 200 },
      });
      const res = await fetch(server.url + '/admin/gateways', {
        method: 'POST',
        headers: { authorization: 'Bearer ' + ADMIN, 'content-type': 'application/json' },
        body: JSON.stringify({ siteId: 'site-pay', name: 'kiosk' }),
      });
      gw = (await res.json()) as typeof gw;
    });
    // Every money event has its transfers: the ledger holds after each case.
    afterEach(() => assertLedgerBalanced(server.db));
    after(async () => {
      await server?.close();
      await database?.drop();
    });

    it('approves and captures, declines with each reason, and expires on timeout or network failure', async () => {
      const cases: [string, string, string | undefined][] = [
        ['tok_test_approve_9f3a', 'captured', undefined],
        ['tok_abc123', 'captured', undefined],
        ['tok_test_decline_do_not_honor', 'declined', 'do-not-honor'],
        ['tok_test_insufficient_funds', 'declined', 'insufficient-funds'],
        ['tok_test_expired_card', 'declined', 'expired-card'],
        ['tok_test_lost_or_stolen', 'declined', 'lost-or-stolen'],
        ['tok_test_limit_exceeded', 'declined', 'limit-exceeded'],
        ['not-a-token', 'declined', 'invalid-token'],
        ['tok_test_timeout', 'expired', undefined],
        ['tok_test_network_error', 'expired', undefined],
      ];
      for (const [token, status, reason] of cases) {
        const r = await authorise(payment('site-pay', gw.gatewayId, token));
        assert.equal(r.status, 200, JSON.stringify(r.body));
        assert.equal(r.body.payment.status, status, token);
        if (reason) assert.equal(r.body.payment.declineReason, reason);
        if (status === 'captured') assert.match(r.body.payment.approvalCode, /^[0-9A-F]{6}$/);
        if (status === 'expired') assert.match(r.body.payment.statusHistory.at(-1).reason, /^acquirer-(timeout|network)$/);
      }
    });

    it('runs 50 concurrent requests with one key once: one payment, one charge, 50 equal answers; a changed body is refused', async () => {
      const p = payment('site-pay', gw.gatewayId, 'tok_test_approve');
      const before = await acquirerCalls('authorise');
      const answers = await Promise.all(Array.from({ length: 50 }, () => authorise(p)));
      assert.ok(answers.every((a) => a.status === 200));
      const first = JSON.stringify(answers[0]!.body);
      assert.ok(
        answers.every((a) => JSON.stringify(a.body) === first),
        'every answer equals the first',
      );
      assert.equal(answers.filter((a) => !a.replayed).length, 1, 'the work ran once');
      assert.equal((await acquirerCalls('authorise')) - before, 1, 'the acquirer was asked once');
      const rows = await server.db.query("SELECT id FROM documents WHERE collection = 'payments' AND id = $1", [p.id]);
      assert.equal(rows.rows.length, 1);
      const changed = await authorise({ ...p, amount: 6000, lineItems: [{ name: 'x', quantity: 1, unitAmount: 6000, lineAmount: 6000 }] });
      assert.equal(changed.status, 409);
      assert.equal(changed.body.code, 'IDEMPOTENCY_KEY_REUSED');
      const noKey = await call('/payments/authorise', { body: { payment: payment('site-pay', gw.gatewayId, 'tok_test_approve') } });
      assert.equal(noKey.status, 400);
    });

    it('forwards offline payments arriving by replication once each and writes the outcome back', async () => {
      const stored = [
        payment('site-pay', gw.gatewayId, 'tok_test_approve', true),
        payment('site-pay', gw.gatewayId, 'tok_test_insufficient_funds', true),
        payment('site-pay', gw.gatewayId, 'tok_test_approve', true),
      ];
      const push = await call('/sync/payments/1/push', { body: stored.map((p) => ({ newDocumentState: { ...p, _deleted: false } })) });
      assert.equal(push.status, 200);
      const statusOf = async (id: string) => (await server.db.query<{ data: PaymentDoc }>("SELECT data FROM documents WHERE collection = 'payments' AND id = $1", [id])).rows[0]!.data;
      const end = Date.now() + 20_000;
      while ((await Promise.all(stored.map((p) => statusOf(p.id)))).some((d) => d.status === 'stored' || d.status === 'forwarded')) {
        assert.ok(Date.now() < end, 'forwarded in time');
        await new Promise((r) => setTimeout(r, 50));
      }
      const finals = await Promise.all(stored.map((p) => statusOf(p.id)));
      assert.deepEqual(
        finals.map((d) => d.status),
        ['captured', 'declined', 'captured'],
      );
      assert.deepEqual(
        finals[1]!.statusHistory.map((h) => h.status),
        ['stored', 'forwarded', 'declined'],
      );
      for (const p of stored) {
        const n = await server.db.query("SELECT 1 FROM sandbox_acquirer_transactions WHERE idempotency_key = $1 AND operation = 'authorise'", ['authorise:' + p.id]);
        assert.equal(n.rows.length, 1, 'one authorisation per payment');
      }
      const queue = await server.db.query('SELECT 1 FROM forward_queue');
      assert.equal(queue.rows.length, 0);
      // A replayed push of the same stored payment does not forward it again.
      await call('/sync/payments/1/push', { body: [{ newDocumentState: { ...stored[0]!, _deleted: false } }] });
      await new Promise((r) => setTimeout(r, 300));
      assert.equal((await statusOf(stored[0]!.id)).status, 'captured');
    });

    it('refunds in part and whole, voids only what is authorised, refuses the rest with codes', async () => {
      const sale = (await authorise(payment('site-pay', gw.gatewayId, 'tok_test_approve', false, 10_000))).body.payment;
      assert.equal(sale.status, 'captured');
      const r1 = await call(`/payments/${sale.id}/refund`, { body: { amount: 4000 }, key: 'refund-' + sale.id + '-1' });
      assert.equal(r1.body.payment.status, 'partially-refunded');
      const again = await call(`/payments/${sale.id}/refund`, { body: { amount: 4000 }, key: 'refund-' + sale.id + '-1' });
      assert.equal(again.body.payment.refundedAmount, 4000, 'a retried refund is not a second refund');
      const tooMuch = await call(`/payments/${sale.id}/refund`, { body: { amount: 7000 }, key: 'refund-' + sale.id + '-2' });
      assert.equal(tooMuch.status, 400);
      assert.equal(tooMuch.body.code, 'PAYMENT_REFUND_INVALID');
      const rest = await call(`/payments/${sale.id}/refund`, { body: { amount: 6000, reason: 'Damaged box', operator: '김민지' }, key: 'refund-' + sale.id + '-3' });
      assert.equal(rest.body.payment.status, 'refunded');
      // Who asked and why, in the audit log (the console sends both).
      const audit = (await (await fetch(`${server.url}/admin/audit?paymentId=${sale.id}`, { headers: { authorization: 'Bearer ' + ADMIN } })).json()) as { entries: any[] };
      assert.deepEqual(
        audit.entries.filter((e) => e.action === 'payment.refunded').map((e) => [e.amount, e.details.reason, e.details.operator]),
        [
          [4000, undefined, undefined],
          [6000, 'Damaged box', '김민지'],
        ],
      );
      const badNote = await call(`/payments/${sale.id}/void`, { body: { reason: '' }, key: 'void-bad-' + sale.id });
      assert.equal(badNote.status, 400);
      // The ledger: authorised, captured, refunded 4000 then 6000; the retried and the refused refund moved nothing.
      assert.deepEqual(
        (await transfersFor(server.db, 'payment:' + sale.id)).map((t) => [t.id.split(':').slice(2).join(':'), t.kind, t.amount]),
        [
          ['authorise', 'pending', 10_000],
          ['capture', 'post_pending', 10_000],
          ['refund:1', 'posted', 4000],
          ['refund:2', 'posted', 6000],
        ],
      );
      const voidCaptured = await call(`/payments/${sale.id}/void`, { key: 'void-' + sale.id });
      assert.equal(voidCaptured.status, 409);
      assert.equal(voidCaptured.body.code, 'PAYMENT_ILLEGAL_TRANSITION');
      const unknown = await call(`/payments/${uuidV7()}/refund`, { body: { amount: 1 }, key: 'refund-unknown-1' });
      assert.equal(unknown.status, 404);
    });

    it('keeps an append-only audit log of every money event, readable by the operator', async () => {
      const sale = (await authorise(payment('site-pay', gw.gatewayId, 'tok_test_approve'), 'key-audit-0001')).body.payment;
      const res = await fetch(`${server.url}/admin/audit?paymentId=${sale.id}`, { headers: { authorization: 'Bearer ' + ADMIN } });
      const { entries } = (await res.json()) as { entries: any[] };
      assert.deepEqual(
        entries.map((e) => e.action),
        ['payment.received', 'payment.submitted', 'payment.authorised', 'payment.captured'],
      );
      for (const e of entries) {
        assert.equal(e.idempotencyKey, 'key-audit-0001');
        assert.equal(e.amount, 5000);
        assert.match(e.at, /Z$/);
      }
      await assert.rejects(server.db.query('UPDATE audit_log SET amount = 1'), /append-only/);
      await assert.rejects(server.db.query('DELETE FROM audit_log'), /append-only/);
      const denied = await fetch(`${server.url}/admin/audit`, { headers: { authorization: 'Bearer nope' } });
      assert.equal(denied.status, 401);
    });
  });
}
