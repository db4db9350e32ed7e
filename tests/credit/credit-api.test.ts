/**
 * Pay later over real HTTP on PostgreSQL (PGlite where none): merchant API
 * with signed messages and Idempotency-Key, the sandbox institution's
 * decisions, the buyer's confirmation (a request to pay answered with the
 * payment password), capture with the merchant's payout and fee, delivery,
 * instalments (on time and late), cancel, expiry, returns with paused dues,
 * partial and full refunds, a second order on the limit a refund freed,
 * forged and altered messages, and the ledger's invariant after each case.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CompactSign, generateKeyPair } from 'jose';
import { CREDIT_MESSAGE_TYPES, CREDIT_PATHS } from '../../core/index.ts';
import { serverTesting, wallet as walletCtx } from '../../server/index.ts';
import { startCreditTestServer, type CreditTestServer } from './server.ts';
import { ADMIN_TOKEN, admin, http, Merchant, newKey, Phone } from './support.ts';
import { until } from '../support/wait.ts';

describe('pay later: merchant API, institution, wallet, ledger', () => {
  let server: CreditTestServer;
  let drop: () => Promise<void>;
  let merchant: Merchant;
  let buyer: Phone;
  let buyerId: string;
  let poorScoreId: string;
  const LIMIT = 300_000;

  before(async () => {
    const pg = await serverTesting.freshPostgres();
    drop = pg.drop;
    server = await startCreditTestServer({
      databaseUrl: pg.databaseUrl,
      adminToken: ADMIN_TOKEN,
      // Short clocks so expiry and lateness can be seen: instalments every 2 s.
      settings: { instalmentIntervalSeconds: 2 },
    });
    const demo = await walletCtx.seedDemoWallet(server.db);
    const shopper = demo.users.find((u) => u.role === 'shopper')!;
    const resident = demo.users.find((u) => u.role === 'resident')!;
    buyerId = shopper.userId;
    poorScoreId = resident.userId;
    await admin(server.url, 'PUT', CREDIT_PATHS.adminBuyer(buyerId), { currency: 'KRW', limit: LIMIT, score: 720 });
    await admin(server.url, 'PUT', CREDIT_PATHS.adminBuyer(poorScoreId), { currency: 'KRW', limit: LIMIT, score: 420 });
    merchant = await Merchant.create(server.url, 'Seoul Lamp Shop');
    buyer = new Phone(server.url, buyerId);
    await buyer.signIn();
  });

  after(async () => {
    await serverTesting.assertLedgerBalanced(server.db);
    await server.close();
    await drop();
  });

  /** Order, approval, and the buyer's confirmation on the phone: an authorised loan. */
  async function authorisedLoan(amount: number, instalments: 1 | 3 | 4 | 6 = 3, currency = 'KRW'): Promise<any> {
    const placed = await merchant.order(merchant.orderMessage(buyerId, amount, { instalments, currency }));
    assert.equal(placed.status, 201, JSON.stringify(placed.body));
    const loan = placed.body.loan;
    assert.equal(loan.state, 'awaiting-buyer');
    assert.match(loan.approvalNumber, /^AP-[0-9A-F]{12}$/);
    const approved = await buyer.approve(loan.paymentRequestId);
    assert.equal(approved.status, 200, JSON.stringify(approved.body));
    await until('the loan is authorised', async () => (await merchant.loan(loan.id)).state === 'authorised', 10_000);
    return loan;
  }

  const loanOnPhone = async (id: string) => (await buyer.credit()).loans.find((l: any) => l.id === id);
  const line = async (currency = 'KRW') => (await buyer.credit()).lines.find((l: any) => l.currency === currency);
  /** Each case gets a credit line of its own: the sandbox keeps one line per buyer and currency. */
  const lineFor = (currency: string, limit: number, score = 720) => admin(server.url, 'PUT', CREDIT_PATHS.adminBuyer(buyerId), { currency, limit, score });
  const order = (amount: number, currency: string, extra: object = {}) => merchant.order(merchant.orderMessage(buyerId, amount, { currency, ...extra }));

  it('approve, confirm on the phone, ship (merchant paid less the fee), deliver, repay in instalments', async () => {
    const loan = await authorisedLoan(100_000);
    assert.equal((await line()).available, LIMIT - 100_000, 'the approval holds the limit');
    const shipped = await merchant.act(loan.id, 'capture');
    assert.equal(shipped.status, 200, JSON.stringify(shipped.body));
    assert.deepEqual([shipped.body.loan.state, shipped.body.loan.fee, shipped.body.loan.payout], ['captured', 3_000, 97_000]);
    // Before delivery nothing is due.
    assert.deepEqual((await loanOnPhone(loan.id)).plan, []);
    const delivered = await buyer.delivered(loan.id);
    assert.equal(delivered.status, 200, JSON.stringify(delivered.body));
    const onPhone = await loanOnPhone(loan.id);
    assert.deepEqual(
      onPhone.plan.map((p: any) => [p.seq, p.amount, p.state]),
      [
        [1, 33_334, 'due'],
        [2, 33_333, 'due'],
        [3, 33_333, 'due'],
      ],
    );
    for (const seq of [1, 2, 3]) assert.equal((await buyer.pay(loan.id, seq)).status, 200);
    const done = await loanOnPhone(loan.id);
    assert.deepEqual([done.state, done.paid, done.outstanding], ['repaid', 100_000, 0]);
    assert.equal((await line()).available, LIMIT, 'repaid: the whole limit is free again');
    assert.equal((await buyer.pay(loan.id, 1)).body.code, 'CREDIT_INSTALMENT_NOT_DUE');
    await serverTesting.assertLedgerBalanced(server.db);
  });
  it('declines over the limit, by score, and without a credit line; nothing is held', async () => {
    await lineFor('USD', 50_000);
    const over = await order(50_001, 'USD');
    assert.deepEqual([over.status, over.body.loan.state, over.body.loan.declineReason, over.body.loan.approvalNumber], [201, 'declined', 'over-limit', null]);
    assert.equal((await line('USD')).available, 50_000);
    const poor = await merchant.order(merchant.orderMessage(poorScoreId, 10_000));
    assert.deepEqual([poor.body.loan.state, poor.body.loan.declineReason], ['declined', 'score']);
    const none = await order(10_000, 'EUR');
    assert.deepEqual([none.body.loan.state, none.body.loan.declineReason], ['declined', 'no-credit-line']);
    // The decision is the institution's signed JWS, checkable with its published key.
    const keys = await http(server.url + CREDIT_PATHS.keys, 'GET');
    const institution = keys.body.keys.find((k: any) => k.kid === 'sandbox-institution');
    const { compactVerify, importJWK } = await import('jose');
    const verified = await compactVerify(over.body.decision, await importJWK(institution, 'ES256'));
    assert.equal(JSON.parse(new TextDecoder().decode(verified.payload)).reason, 'over-limit');
    // A declined loan is the merchant's record only: the buyer's wallet does not list it.
    assert.equal(await loanOnPhone(over.body.loan.id), undefined);
  });

  it('cancel before shipment voids and frees the limit; the buyer declining or the merchant cancelling a pending one releases it too', async () => {
    await lineFor('JPY', 100_000);
    const loan = await authorisedLoan(40_000, 3, 'JPY');
    assert.equal((await line('JPY')).available, 60_000);
    const cancelled = await merchant.act(loan.id, 'cancel');
    assert.deepEqual([cancelled.status, cancelled.body.loan.state], [200, 'voided']);
    assert.equal((await line('JPY')).available, 100_000);
    const late = await merchant.act(loan.id, 'capture');
    assert.deepEqual([late.status, late.body.code], [409, 'CREDIT_LOAN_STATE']);
    // The buyer says no on the phone.
    const second = (await order(30_000, 'JPY')).body.loan;
    assert.equal((await buyer.decline(second.paymentRequestId)).status, 200);
    await until('refused', async () => (await merchant.loan(second.id)).state === 'refused', 10_000);
    // The merchant withdraws before the buyer answered: the request to pay is cancelled too.
    const third = (await order(30_000, 'JPY')).body.loan;
    assert.equal((await merchant.act(third.id, 'cancel')).body.loan.state, 'voided');
    assert.equal((await buyer.approve(third.paymentRequestId)).body.code, 'PAYMENT_REQUEST_CANCELLED');
    assert.equal((await line('JPY')).available, 100_000);
    await serverTesting.assertLedgerBalanced(server.db);
  });

  it('partial refund after delivery reduces the plan from the last instalment; a full refund gives back what was paid', async () => {
    await lineFor('GBP', 200_000);
    const loan = await authorisedLoan(90_000, 3, 'GBP');
    assert.equal((await merchant.act(loan.id, 'capture')).status, 200);
    assert.equal((await buyer.delivered(loan.id)).status, 200);
    assert.equal((await buyer.pay(loan.id, 1)).status, 200);
    const part = await merchant.act(loan.id, 'refund', 45_000);
    assert.deepEqual([part.status, part.body.loan.state, part.body.loan.refunded], [200, 'delivered', 45_000]);
    let l = await loanOnPhone(loan.id);
    assert.deepEqual(
      l.plan.map((p: any) => [p.amount, p.state]),
      [
        [30_000, 'paid'],
        [15_000, 'due'],
        [0, 'cancelled'],
      ],
    );
    assert.equal(l.outstanding, 15_000);
    assert.equal((await line('GBP')).available, 200_000 - 15_000);
    assert.equal((await merchant.act(loan.id, 'refund', 45_001)).body.code, 'CREDIT_REFUND_TOO_LARGE');
    const rest = await merchant.act(loan.id, 'refund', 45_000);
    assert.deepEqual([rest.body.loan.state, rest.body.loan.refunded], ['refunded', 90_000]);
    l = await loanOnPhone(loan.id);
    assert.deepEqual([l.state, l.outstanding], ['refunded', 0]);
    assert.equal((await line('GBP')).available, 200_000);
    // What the buyer had paid (30,000) went back to their funding account.
    const { rows } = await server.db.query<{ amount: string }>(`SELECT amount::text FROM ledger_transfers WHERE reference = $1 AND code = 'credit_refund_buyer'`, ['credit:' + loan.id]);
    assert.deepEqual(
      rows.map((r) => Number(r.amount)),
      [30_000],
    );
    // The fee came back with the refunds: payout + fee were 90,000 and all of it returned.
    const fees = await server.db.query<{ code: string; sum: string }>(`SELECT code, sum(amount)::text AS sum FROM ledger_transfers WHERE reference = $1 GROUP BY code ORDER BY code`, [
      'credit:' + loan.id,
    ]);
    const by = Object.fromEntries(fees.rows.map((r) => [r.code, Number(r.sum)]));
    assert.equal(by.credit_fee, by.credit_refund_fee);
    assert.equal(by.credit_payout, by.credit_refund_merchant);
    await serverTesting.assertLedgerBalanced(server.db);
  });

  it('a second order uses the limit a refund freed', async () => {
    await lineFor('CNY', 300_000);
    const first = await authorisedLoan(250_000, 1, 'CNY');
    assert.equal((await merchant.act(first.id, 'capture')).status, 200);
    assert.equal((await order(100_000, 'CNY')).body.loan.declineReason, 'over-limit');
    assert.equal((await merchant.act(first.id, 'refund', 100_000)).status, 200);
    const second = await order(100_000, 'CNY');
    assert.equal(second.body.loan.state, 'awaiting-buyer');
    assert.equal((await line('CNY')).available, 50_000);
  });

  it('forged, altered and misdirected merchant messages are refused and change nothing', async () => {
    await lineFor('HKD', 100_000);
    const before = (await server.db.query('SELECT count(*)::int AS n FROM credit_loans')).rows[0]!.n;
    const msg = merchant.orderMessage(buyerId, 10_000, { currency: 'HKD' });
    // Signed with a key the PG does not know for this merchant.
    const stranger = await generateKeyPair('ES256');
    const forged = await merchant.order(await merchant.sign(CREDIT_MESSAGE_TYPES.order, msg, stranger.privateKey));
    assert.deepEqual([forged.status, forged.body.code], [401, 'CREDIT_MESSAGE_INVALID']);
    // Altered after signing: the amount raised in the payload, the signature kept.
    const good = await merchant.sign(CREDIT_MESSAGE_TYPES.order, msg);
    const [h, , sig] = good.split('.');
    const altered = `${h}.${Buffer.from(JSON.stringify({ ...msg, amount: 99_000, items: [{ name: 'Desk lamp', quantity: 1, amount: 99_000 }] })).toString('base64url')}.${sig}`;
    assert.deepEqual([(await merchant.order(altered)).status, (await merchant.order(altered)).body.code], [401, 'CREDIT_MESSAGE_INVALID']);
    // Another merchant's credential with this merchant's message; a message of another kind; an old one.
    const other = await Merchant.create(server.url, 'Other shop');
    const foreign = await http(server.url + CREDIT_PATHS.orders, 'POST', { message: good }, { ...other.auth(), 'idempotency-key': newKey() });
    assert.deepEqual([foreign.status, foreign.body.code], [401, 'CREDIT_MESSAGE_INVALID']);
    const wrongKind = await merchant.order(await merchant.sign(CREDIT_MESSAGE_TYPES.action, msg));
    assert.equal(wrongKind.body.code, 'CREDIT_MESSAGE_INVALID');
    const old = await merchant.order(await merchant.sign(CREDIT_MESSAGE_TYPES.order, { ...msg, iat: Math.floor(Date.now() / 1000) - 3600 }));
    assert.equal(old.body.code, 'CREDIT_MESSAGE_INVALID');
    const noAuth = await http(server.url + CREDIT_PATHS.orders, 'POST', { message: good }, { 'idempotency-key': newKey() });
    assert.equal(noAuth.status, 401);
    // A merchant that never registered a key, signing with its own id as kid.
    const keyless = await admin(server.url, 'POST', '/admin/merchants', { name: 'Keyless shop' });
    const unregistered = await new CompactSign(new TextEncoder().encode(JSON.stringify({ ...msg, merchantId: keyless.merchantId })))
      .setProtectedHeader({ alg: 'ES256', typ: CREDIT_MESSAGE_TYPES.order, kid: keyless.merchantId })
      .sign(stranger.privateKey);
    const missing = await http(server.url + CREDIT_PATHS.orders, 'POST', { message: unregistered }, { authorization: `Bearer ${keyless.credential}`, 'idempotency-key': newKey() });
    assert.deepEqual([missing.status, missing.body.code], [409, 'CREDIT_MERCHANT_KEY_MISSING']);
    assert.equal((await server.db.query('SELECT count(*)::int AS n FROM credit_loans')).rows[0]!.n, before, 'nothing was stored');
    // An action signed for one loan and action is refused on another route.
    const loan = await authorisedLoan(10_000, 1, 'HKD');
    const captureMsg = await merchant.sign(CREDIT_MESSAGE_TYPES.action, { merchantId: merchant.merchantId, loanId: loan.id, action: 'capture', iat: Math.floor(Date.now() / 1000) });
    const misused = await http(server.url + CREDIT_PATHS.action(loan.id, 'cancel'), 'POST', { message: captureMsg }, { ...merchant.auth(), 'idempotency-key': newKey() });
    assert.deepEqual([misused.status, misused.body.code], [401, 'CREDIT_MESSAGE_INVALID']);
    assert.equal((await merchant.loan(loan.id)).state, 'authorised');
    // A merchant cannot read or act on another merchant's loan.
    assert.equal((await http(server.url + CREDIT_PATHS.order(loan.id), 'GET', undefined, other.auth())).body.code, 'CREDIT_LOAN_NOT_FOUND');
    // A key with a private part is refused.
    const { exportJWK } = await import('jose');
    const priv = await exportJWK((await generateKeyPair('ES256', { extractable: true })).privateKey);
    assert.equal((await http(server.url + CREDIT_PATHS.merchantKey, 'PUT', { jwk: priv }, other.auth())).body.code, 'CREDIT_MERCHANT_KEY_INVALID');
  });

  it('idempotent merchant calls: same key and message, same answer; another message, refused; concurrent duplicates run once', async () => {
    await lineFor('SGD', 100_000);
    const key = newKey();
    const jws = await merchant.sign(CREDIT_MESSAGE_TYPES.order, merchant.orderMessage(buyerId, 20_000, { currency: 'SGD' }));
    const answers = await Promise.all(Array.from({ length: 10 }, () => merchant.order(jws, key)));
    assert.ok(answers.every((a) => a.status === 201));
    assert.equal(new Set(answers.map((a) => a.body.loan.id)).size, 1, 'one loan for ten identical calls');
    assert.equal(answers.filter((a) => a.headers.get('idempotent-replayed') === 'true').length, 9);
    const other = await merchant.order(merchant.orderMessage(buyerId, 20_001, { currency: 'SGD', items: [{ name: 'x', quantity: 1, amount: 20_001 }] }), key);
    assert.deepEqual([other.status, other.body.code], [409, 'IDEMPOTENCY_KEY_REUSED']);
    assert.equal((await line('SGD')).available, 80_000);
  });

  it('data that names a person is sealed at rest: no buyer id, delivery name or address, or item in the credit tables or the ledger', async () => {
    const { rows } = await server.db.query(`SELECT row_to_json(l)::text AS t FROM credit_loans l`);
    assert.ok(rows.length > 0);
    const { rows: accounts } = await server.db.query(`SELECT id FROM ledger_accounts WHERE owner = 'credit'`);
    const { rows: buyersBook } = await server.db.query(`SELECT row_to_json(b)::text AS t FROM credit_buyers b`);
    const all = [...rows.map((r) => r.t as string), ...accounts.map((r) => r.id as string), ...buyersBook.map((r) => r.t as string)].join('\n');
    for (const secret of [buyerId, poorScoreId, '박서연', '테헤란로', 'Desk lamp']) assert.ok(!all.includes(secret), `found ${secret} in plain text`);
    // The wallet still reads it (the same server holds the key).
    const mine = (await buyer.credit()).loans[0];
    assert.equal(mine.items[0].name, 'Desk lamp');
  });

  it('50 concurrent orders from one buyer never approve more than the limit', async () => {
    await lineFor('AUD', 300_000);
    const answers = await Promise.all(Array.from({ length: 50 }, () => order(10_000, 'AUD')));
    assert.ok(
      answers.every((a) => a.status === 201),
      JSON.stringify(answers.find((a) => a.status !== 201)?.body),
    );
    const approved = answers.filter((a) => a.body.loan.state === 'awaiting-buyer').length;
    assert.equal(approved, 30);
    assert.ok(answers.filter((a) => a.body.loan.state === 'declined').every((a) => a.body.loan.declineReason === 'over-limit'));
    assert.equal((await line('AUD')).available, 0);
    await serverTesting.assertLedgerBalanced(server.db);
  });
});

describe('pay later: expiry and unanswered confirmations', () => {
  let server: CreditTestServer;
  let drop: () => Promise<void>;
  before(async () => {
    const pg = await serverTesting.freshPostgres();
    drop = pg.drop;
    server = await startCreditTestServer({ databaseUrl: pg.databaseUrl, adminToken: ADMIN_TOKEN, settings: { approvalTtlSeconds: 3, confirmTtlSeconds: 2 } });
  });
  after(async () => {
    await serverTesting.assertLedgerBalanced(server.db);
    await server.close();
    await drop();
  });

  it('an authorisation not captured in time expires and frees the limit; a confirmation nobody gives releases it', async () => {
    const demo = await walletCtx.seedDemoWallet(server.db);
    const buyerId = demo.users.find((u) => u.role === 'shopper')!.userId;
    await admin(server.url, 'PUT', CREDIT_PATHS.adminBuyer(buyerId), { currency: 'KRW', limit: 100_000, score: 800 });
    const merchant = await Merchant.create(server.url, 'Slow shop');
    const phone = new Phone(server.url, buyerId);
    await phone.signIn();
    const loan = (await merchant.order(merchant.orderMessage(buyerId, 70_000))).body.loan;
    assert.equal((await phone.approve(loan.paymentRequestId)).status, 200);
    await until('authorised', async () => (await merchant.loan(loan.id)).state === 'authorised', 10_000);
    assert.equal((await merchant.loan(loan.id)).expiresAt !== null, true);
    await until('expired', async () => (await merchant.loan(loan.id)).state === 'expired', 15_000);
    assert.equal((await merchant.act(loan.id, 'capture')).body.code, 'CREDIT_LOAN_STATE');
    assert.equal((await phone.credit()).line.available, 100_000);
    // Nobody answers the request to pay: refused when it expires.
    const unanswered = (await merchant.order(merchant.orderMessage(buyerId, 60_000))).body.loan;
    assert.equal((await phone.credit()).line.available, 40_000);
    await until('refused', async () => (await merchant.loan(unanswered.id)).state === 'refused', 15_000);
    assert.equal((await phone.credit()).line.available, 100_000);
  });
});
