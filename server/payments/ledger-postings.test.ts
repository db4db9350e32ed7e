/**
 * The payment authority's money in the ledger, on a real server (PGlite, real
 * HTTP): each decision's transfers in the accounts its method names, an
 * offline payment owing nothing until the acquirer approves it, an
 * authorisation never captured voided by the server's sweeper after its
 * validity (and the payment expired), and the invariant check failing on a
 * payment written behind the authority's back.
 */
import { describe, it, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { isEdgePayError, paymentSchema, uuidV7, type PaymentDoc, type PaymentMethod } from '../../core/index.ts';
import { startServer, type RunningServer } from '../index.ts';
import { balances, getTransfer, transfersFor } from '../ledger/index.ts';
import { assertLedgerBalanced, ledgerReport } from '../testing/ledger.ts';
import { testPayment } from '../testing/payments.ts';
import { BUILT_IN_PAYMENT_METHODS, cardMoneyPath, definePaymentMethod, merchantPayableAccount } from './methods/index.ts';

const ADMIN = 'ledger-postings-admin-token-0123';
const VERSION = paymentSchema.version;

/** A method that authorises and leaves the capture for later (a hotel, a fuel pump), with a one-second hold. */
const holdMethod = definePaymentMethod({
  name: 'test-hold',
  check: () => undefined,
  captureOnApproval: false,
  authorisationValiditySeconds: 1,
  adapter: () => ({
    authorise: async (p) => ({ outcome: 'approved', approvalCode: 'HLD001', reference: 'hold-' + p.id }),
    capture: async (req) => ({ outcome: 'done', reference: req.reference }),
    void: async (req) => ({ outcome: 'done', reference: req.reference }),
    refund: async (req) => ({ outcome: 'done', reference: req.reference }),
  }),
});

/** A method whose money comes from a buyer's balance with a credit line, not from the acquirer: its own accounts, no edit of the authority. */
const walletMethod = definePaymentMethod({
  name: 'test-wallet',
  check: () => undefined,
  captureOnApproval: true,
  moneyPath: (p) => ({
    source: { id: `test_wallet:${p.token}:${p.currency}`, kind: 'buyer_funding', currency: p.currency, owner: p.token!, rule: 'debits_must_not_exceed_credits', limit: 20_000 },
    destination: merchantPayableAccount(p.siteId, p.currency),
  }),
  adapter: () => ({
    authorise: async (p) => ({ outcome: 'approved', approvalCode: 'WAL001', reference: 'wal-' + p.id }),
    capture: async (req) => ({ outcome: 'done', reference: req.reference }),
    void: async (req) => ({ outcome: 'done', reference: req.reference }),
    refund: async (req) => ({ outcome: 'done', reference: req.reference }),
  }),
});

function online(siteId: string, gatewayId: string, method: string, token: string, amount = 5000): PaymentDoc {
  const createdAt = new Date().toISOString();
  return {
    id: uuidV7(),
    siteId,
    gatewayId,
    flow: 'kiosk',
    amount,
    currency: 'KRW',
    method: method as PaymentMethod,
    token,
    cardDisplay: { bin: '411111', last4: '1111', brand: 'visa' },
    lineItems: [{ name: 'Lunch', quantity: 1, unitAmount: amount, lineAmount: amount }],
    createdAt,
    offline: false,
    status: 'created',
    statusHistory: [{ status: 'created', at: createdAt, by: 'gateway' }],
  };
}

async function startWith(options: { forwarder?: false; methods?: boolean } = {}) {
  const server = await startServer({
    adminToken: ADMIN,
    sandbox: { latencyMs: [1, 3] },
    ...(options.forwarder === false ? { forwarder: false } : {}),
    ledgerSweeper: { intervalMs: 100 },
    ...(options.methods ? { paymentMethods: [...BUILT_IN_PAYMENT_METHODS, holdMethod, walletMethod] } : {}),
  });
  const res = await fetch(server.url + '/admin/gateways', {
    method: 'POST',
    headers: { authorization: 'Bearer ' + ADMIN, 'content-type': 'application/json' },
    body: JSON.stringify({ siteId: 'site-ledger', name: 'kiosk' }),
  });
  const gw = (await res.json()) as { gatewayId: string; siteId: string; credential: string };
  const call = async (path: string, init: { body?: unknown; key?: string } = {}) => {
    const r = await fetch(server.url + path, {
      method: 'POST',
      headers: {
        authorization: 'Bearer ' + gw.credential,
        ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(init.key ? { 'idempotency-key': init.key } : {}),
      },
      ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
    });
    return { status: r.status, body: (await r.json()) as any };
  };
  const push = (docs: PaymentDoc[]) => call(`/sync/payments/${VERSION}/push`, { body: docs.map((d) => ({ newDocumentState: { ...d, _deleted: false } })) });
  const statusOf = async (id: string) => (await server.db.query<{ data: PaymentDoc }>("SELECT data FROM documents WHERE collection = 'payments' AND id = $1", [id])).rows[0]!.data.status;
  const shape = async (id: string) => (await transfersFor(server.db, 'payment:' + id)).map((t) => [t.id.slice(`payment:${id}:`.length), t.kind, t.amount]);
  return { server, gw, call, push, statusOf, shape };
}

async function until(what: string, check: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('timed out waiting for ' + what);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('payments post to the ledger (PGlite)', () => {
  let s: Awaited<ReturnType<typeof startWith>>;
  before(async () => {
    s = await startWith({ forwarder: false, methods: true });
  });
  afterEach(() => assertLedgerBalanced(s.server.db));
  after(async () => {
    await s?.server.close();
  });

  it('a card sale: authorised and captured in the acquirer -> site accounts, refunded back, nothing for a declined one', async () => {
    const answer = await s.call('/payments/authorise', { body: { payment: online(s.gw.siteId, s.gw.gatewayId, 'card-terminal', 'tok_test_approve', 7000) }, key: 'k-sale-01' });
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    const sale = answer.body.payment;
    assert.equal(sale.status, 'captured');
    assert.deepEqual(await s.shape(sale.id), [
      ['authorise', 'pending', 7000],
      ['capture', 'post_pending', 7000],
    ]);
    const path = cardMoneyPath(sale);
    const auth = (await getTransfer(s.server.db, `payment:${sale.id}:authorise`))!;
    assert.deepEqual([auth.debitAccountId, auth.creditAccountId, auth.currency], [path.source.id, path.destination.id, 'KRW']);
    assert.ok(auth.timeoutSeconds! >= 7 * 24 * 3600 - 1, 'the card hold is valid for 7 days');
    await s.call(`/payments/${sale.id}/refund`, { body: { amount: 2500 }, key: 'k-refund' });
    assert.deepEqual(await s.shape(sale.id), [
      ['authorise', 'pending', 7000],
      ['capture', 'post_pending', 7000],
      ['refund:1', 'posted', 2500],
    ]);
    const payable = await balances(s.server.db, path.destination.id);
    assert.equal(payable.creditsPosted - payable.debitsPosted, 7000 - 2500, 'the site is owed the sale less the refund');

    const declined = (await s.call('/payments/authorise', { body: { payment: online(s.gw.siteId, s.gw.gatewayId, 'card-terminal', 'tok_test_insufficient_funds') }, key: 'k-declined' })).body.payment;
    assert.equal(declined.status, 'declined');
    assert.deepEqual(await s.shape(declined.id), []);
  });

  it('an offline payment owes nothing while stored; forwarded and approved it is authorised and captured, declined it never moved money', async () => {
    const approved = testPayment(s.gw.siteId, s.gw.gatewayId, { token: 'tok_test_approve' });
    const declined = testPayment(s.gw.siteId, s.gw.gatewayId, { token: 'tok_test_decline_do_not_honor' });
    assert.equal((await s.push([approved, declined])).status, 200);
    assert.equal(await s.statusOf(approved.id), 'stored');
    assert.deepEqual(await s.shape(approved.id), [], 'a stored payment has no transfer');
    await assertLedgerBalanced(s.server.db);
    // The forwarder is off in this server: forward by hand, as it would.
    assert.equal(await s.server.authority!.forwardStored(approved.id, s.gw.siteId, 0), true);
    assert.equal(await s.server.authority!.forwardStored(declined.id, s.gw.siteId, 0), true);
    assert.equal(await s.statusOf(approved.id), 'captured');
    assert.equal(await s.statusOf(declined.id), 'declined');
    assert.deepEqual(await s.shape(approved.id), [
      ['authorise', 'pending', 3000],
      ['capture', 'post_pending', 3000],
    ]);
    assert.deepEqual(await s.shape(declined.id), []);
  });

  it("a method names its own accounts: the wallet's money comes from the buyer's balance", async () => {
    const p = (await s.call('/payments/authorise', { body: { payment: online(s.gw.siteId, s.gw.gatewayId, 'test-wallet', 'buyer-7', 8000) }, key: 'k-wallet' })).body.payment;
    assert.equal(p.status, 'captured');
    const buyer = await balances(s.server.db, 'test_wallet:buyer-7:KRW');
    assert.deepEqual([buyer.debitsPosted, buyer.creditsPosted, buyer.debitsPending], [8000, 0, 0]);
    assert.equal((await getTransfer(s.server.db, `payment:${p.id}:authorise`))!.creditAccountId, merchantPayableAccount(s.gw.siteId, 'KRW').id);
    // Past the buyer's credit line (20,000), the ledger refuses, and the payment's state rolls back with it.
    const tooMuch = online(s.gw.siteId, s.gw.gatewayId, 'test-wallet', 'buyer-7', 15_000);
    const refused = await s.call('/payments/authorise', { body: { payment: tooMuch }, key: 'k-wallet-2' });
    assert.equal(refused.body.code, 'LEDGER_BALANCE_RULE', JSON.stringify(refused.body));
    assert.equal(await s.statusOf(tooMuch.id), 'pending-approval', 'the approval was not written without its transfers');
    assert.deepEqual(await s.shape(tooMuch.id), []);
  });

  it('an authorisation voided releases its hold; one never captured is voided by the sweeper after its validity and the payment expires', async () => {
    const voided = (await s.call('/payments/authorise', { body: { payment: online(s.gw.siteId, s.gw.gatewayId, 'test-hold', 'h1') }, key: 'k-hold-1' })).body.payment;
    const lapsing = (await s.call('/payments/authorise', { body: { payment: online(s.gw.siteId, s.gw.gatewayId, 'test-hold', 'h2') }, key: 'k-hold-2' })).body.payment;
    assert.deepEqual([voided.status, lapsing.status], ['authorised', 'authorised']);
    assert.deepEqual(await s.shape(lapsing.id), [['authorise', 'pending', 5000]]);
    const v = await s.call(`/payments/${voided.id}/void`, { key: 'k-void-1' });
    assert.equal(v.body.payment.status, 'voided');
    assert.deepEqual(await s.shape(voided.id), [
      ['authorise', 'pending', 5000],
      ['void', 'void_pending', 5000],
    ]);
    await assertLedgerBalanced(s.server.db);

    await until('the lapsed authorisation expired', async () => (await s.statusOf(lapsing.id)) === 'expired');
    const timeout = await getTransfer(s.server.db, `timeout:payment:${lapsing.id}:authorise`);
    assert.equal(timeout?.kind, 'void_pending', 'voided by the sweeper');
    const hold = await balances(s.server.db, merchantPayableAccount(s.gw.siteId, 'KRW').id);
    assert.equal(hold.creditsPending, 0, "no hold left on the site's payable");
    const history = (await s.server.db.query<{ data: PaymentDoc }>("SELECT data FROM documents WHERE collection = 'payments' AND id = $1", [lapsing.id])).rows[0]!.data.statusHistory;
    assert.equal(history.at(-1)!.reason, 'authorisation-lapsed');
    // A void after the lapse finds nothing to release in the ledger (and the payment is final).
    const late = await s.call(`/payments/${lapsing.id}/void`, { key: 'k-void-2' });
    assert.equal(late.body.code, 'PAYMENT_ILLEGAL_TRANSITION');
  });
});

describe('the invariant check can fail (PGlite)', () => {
  let s: Awaited<ReturnType<typeof startWith>>;
  before(async () => {
    s = await startWith({ forwarder: false });
  });
  after(async () => {
    await s?.server.close();
  });

  it("finds a captured payment written behind the authority's back, whose transfers were never posted", async () => {
    const sale = (await s.call('/payments/authorise', { body: { payment: online(s.gw.siteId, s.gw.gatewayId, 'card-terminal', 'tok_test_approve') }, key: 'k-real-01' })).body.payment;
    assert.equal(sale.status, 'captured');
    await assertLedgerBalanced(s.server.db);
    // The planted error: a copy of the captured document under a new id, straight into the table.
    const planted = uuidV7();
    await s.server.db.query(
      `INSERT INTO documents (collection, id, site_id, seq, deleted, data, updated_by)
       SELECT collection, $2, site_id, (SELECT max(seq) + 1 FROM documents WHERE collection = 'payments' AND site_id = d.site_id), deleted,
              jsonb_set(data, '{id}', to_jsonb($2::text)), updated_by
       FROM documents d WHERE collection = 'payments' AND id = $1`,
      [sale.id, planted],
    );
    const report = await ledgerReport(s.server.db);
    assert.equal(report.ok, false);
    assert.deepEqual(
      report.violations.map((v) => v.invariant),
      ['payments-match-transfers'],
    );
    assert.match(report.violations[0]!.message, new RegExp(`payment ${planted} is captured .* no authorisation`));
    await assert.rejects(assertLedgerBalanced(s.server.db), (err) => isEdgePayError(err, 'LEDGER_INVARIANT_VIOLATED'));
  });
});
