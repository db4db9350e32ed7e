/**
 * A payment method is one declaration. This test declares a throwaway method
 * (a voucher, with its own `details.voucher` section and its own processor),
 * hands it to a real server (PGlite, real HTTP), and sees a payment of that
 * method arrive by replication, get authorised and captured through the
 * server's payment routes with the processor's own reference kept on the
 * payment, refunded under that reference, and audited. Nothing in the payment
 * authority was edited for it.
 */
import { describe, it, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { paymentSchema, uuidV7, type PaymentDoc, type PaymentMethod } from '../../../core/index.ts';
import { startServer, type RunningServer } from '../../index.ts';
import type { FollowUpRequest } from '../processor.ts';
import { BUILT_IN_PAYMENT_METHODS, definePaymentMethod, detailsOf } from './index.ts';
import { assertLedgerBalanced } from '../../testing/ledger.ts';

const ADMIN = 'methods-admin-token-0123456789';
const VERSION = paymentSchema.version;

/** What the voucher's processor was asked to do, in order. */
const calls: { op: string; req: FollowUpRequest }[] = [];
const authorised: string[] = [];

// The whole method: name, its details section and check, and its adapter.
const voucherMethod = definePaymentMethod({
  name: 'test-voucher',
  detailsSection: 'voucher',
  check: (payment) => (/^V-[0-9]{4}$/.test(detailsOf(payment, 'voucher')?.code ?? '') ? undefined : 'a voucher payment needs details.voucher.code'),
  captureOnApproval: true,
  adapter: () => ({
    async authorise(payment) {
      authorised.push(payment.id);
      const code = detailsOf(payment, 'voucher')!.code!;
      if (code === 'V-0000') return { outcome: 'declined', reason: 'do-not-honor' };
      return { outcome: 'approved', approvalCode: 'VCH001', reference: `vch-${code}-${payment.id.slice(-8)}` };
    },
    capture: async (req) => (calls.push({ op: 'capture', req }), { outcome: 'done', reference: req.reference }),
    void: async (req) => (calls.push({ op: 'void', req }), { outcome: 'done', reference: req.reference }),
    refund: async (req) => (calls.push({ op: 'refund', req }), { outcome: 'done', reference: req.reference }),
  }),
});

function voucherPayment(siteId: string, gatewayId: string, code: string | undefined, method = 'test-voucher'): PaymentDoc {
  const createdAt = new Date().toISOString();
  return {
    id: uuidV7(),
    siteId,
    gatewayId,
    flow: 'kiosk',
    amount: 8000,
    currency: 'KRW',
    // Not one of core's known names: the schema takes any well-formed name, the server's declarations decide.
    method: method as PaymentMethod,
    lineItems: [{ name: 'Gift box', quantity: 1, unitAmount: 8000, lineAmount: 8000 }],
    ...(code ? { details: { voucher: { code } } } : {}),
    createdAt,
    offline: false,
    status: 'created',
    statusHistory: [{ status: 'created', at: createdAt, by: 'gateway' }],
  };
}

describe('a payment method declared in one place (PGlite)', () => {
  let server: RunningServer;
  let gw: { gatewayId: string; siteId: string; credential: string };

  const call = async (path: string, init: { body?: unknown; key?: string; auth?: string } = {}) => {
    const res = await fetch(server.url + path, {
      method: init.body === undefined && path.startsWith('/admin/audit') ? 'GET' : 'POST',
      headers: {
        authorization: 'Bearer ' + (init.auth ?? gw.credential),
        ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(init.key ? { 'idempotency-key': init.key } : {}),
      },
      ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
    });
    return { status: res.status, body: (await res.json()) as any };
  };
  const push = (p: PaymentDoc) => call(`/sync/payments/${VERSION}/push`, { body: [{ newDocumentState: { ...p, _deleted: false } }] });
  const decideNow = (id: string) => call(`/payments/${id}/authorise`, { key: id });

  before(async () => {
    server = await startServer({
      adminToken: ADMIN,
      sandbox: { latencyMs: [1, 3] },
      forwarder: false,
      paymentMethods: [...BUILT_IN_PAYMENT_METHODS, voucherMethod],
    });
    const res = await fetch(server.url + '/admin/gateways', {
      method: 'POST',
      headers: { authorization: 'Bearer ' + ADMIN, 'content-type': 'application/json' },
      body: JSON.stringify({ siteId: 'site-methods', name: 'kiosk' }),
    });
    gw = (await res.json()) as typeof gw;
  });
  // A method's money goes through the ledger like the card's: it holds after each case.
  afterEach(() => assertLedgerBalanced(server.db));
  after(async () => {
    await server?.close();
  });

  it('authorises and captures a voucher payment that arrived by replication, keeps its reference, refunds under it, audits each step', async () => {
    const p = voucherPayment(gw.siteId, gw.gatewayId, 'V-1234');
    // The decide-now call may overtake the push that carries the payment: it waits for it.
    const answer = decideNow(p.id);
    await new Promise((r) => setTimeout(r, 150));
    assert.equal((await push(p)).status, 200);
    const decided = await answer;
    assert.equal(decided.status, 200, JSON.stringify(decided.body));
    assert.equal(decided.body.payment.status, 'captured');
    assert.equal(decided.body.payment.approvalCode, 'VCH001');
    const reference = `vch-V-1234-${p.id.slice(-8)}`;
    assert.equal(decided.body.payment.processorReference, reference, 'the processor reference is kept on the payment');
    assert.deepEqual(decided.body.payment.details, { voucher: { code: 'V-1234' } });
    assert.deepEqual(
      calls.map((c) => [c.op, c.req.reference, c.req.idempotencyKey]),
      [['capture', reference, p.id]],
    );

    // A repeated call is answered, not authorised again.
    assert.equal((await decideNow(p.id)).body.payment.status, 'captured');
    assert.deepEqual(authorised, [p.id]);

    const refund = await call(`/payments/${p.id}/refund`, { body: { amount: 3000 }, key: 'refund-' + p.id });
    assert.equal(refund.body.payment.status, 'partially-refunded');
    assert.deepEqual(calls.at(-1), { op: 'refund', req: { idempotencyKey: 'refund-' + p.id, reference, amount: 3000, currency: 'KRW' } });

    const audit = await call(`/admin/audit?paymentId=${p.id}`, { auth: ADMIN });
    assert.deepEqual(
      audit.body.entries.map((e: any) => [e.action, e.actor, e.amount]),
      [
        ['payment.received', gw.gatewayId, 8000],
        ['payment.submitted', gw.gatewayId, 8000],
        ['payment.authorised', gw.gatewayId, 8000],
        ['payment.captured', gw.gatewayId, 8000],
        ['payment.refunded', gw.gatewayId, 3000],
      ],
    );
    // The payment document as stored, pulled back by the gateway, carries the same.
    const pulled = await fetch(`${server.url}/sync/payments/${VERSION}/pull?limit=100`, { headers: { authorization: 'Bearer ' + gw.credential } });
    const doc = ((await pulled.json()) as { documents: PaymentDoc[] }).documents.find((d) => d.id === p.id)!;
    assert.equal(doc.processorReference, reference);
  });

  it('declines through the method, refuses a payment without what the method needs, and a method the server does not take', async () => {
    const declined = voucherPayment(gw.siteId, gw.gatewayId, 'V-0000');
    await push(declined);
    const d = await decideNow(declined.id);
    assert.equal(d.body.payment.status, 'declined');
    assert.equal(d.body.payment.declineReason, 'do-not-honor');
    assert.equal(d.body.payment.processorReference, undefined);

    const noCode = voucherPayment(gw.siteId, gw.gatewayId, undefined);
    await push(noCode);
    const refused = await decideNow(noCode.id);
    assert.equal(refused.status, 400);
    assert.equal(refused.body.code, 'REQUEST_INVALID');

    const unknown = voucherPayment(gw.siteId, gw.gatewayId, 'V-1111', 'test-unheard-of');
    await push(unknown);
    const unsupported = await decideNow(unknown.id);
    assert.equal(unsupported.status, 400);
    assert.equal(unsupported.body.code, 'PAYMENT_METHOD_UNSUPPORTED');
    // The one-call route (for callers without a ledger) routes through the same declarations.
    const oneCall = await call('/payments/authorise', { body: { payment: voucherPayment(gw.siteId, gw.gatewayId, 'V-2222') }, key: 'one-call-voucher-1' });
    assert.equal(oneCall.body.payment.status, 'captured');
    assert.match(oneCall.body.payment.processorReference, /^vch-V-2222-/);
  });

  it("keeps the card acquirer's own reference on a card payment and refunds under it", async () => {
    const createdAt = new Date().toISOString();
    const card: PaymentDoc = {
      ...voucherPayment(gw.siteId, gw.gatewayId, undefined, 'card-terminal'),
      token: 'tok_test_approve',
      cardDisplay: { bin: '476173', last4: '0010' },
      createdAt,
      statusHistory: [{ status: 'created', at: createdAt, by: 'gateway' }],
    };
    await push(card);
    const r = await decideNow(card.id);
    assert.equal(r.body.payment.status, 'captured');
    // The sandbox's format, read from its answer, not rebuilt by the authority.
    assert.equal(r.body.payment.processorReference, 'sbx_' + card.id);
    const refund = await call(`/payments/${card.id}/refund`, { body: { amount: 8000 }, key: 'refund-card-' + card.id });
    assert.equal(refund.body.payment.status, 'refunded');
    const { rows } = await server.db.query<{ outcome: { reference: string } }>('SELECT outcome FROM sandbox_acquirer_transactions WHERE idempotency_key = $1', ['refund:refund-card-' + card.id]);
    assert.equal(rows[0]!.outcome.reference, 'sbx_' + card.id);
  });
});
