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
import { generateKeyPair } from 'jose';
import { CREDIT_MESSAGE_TYPES, CREDIT_PATHS } from '../../core/index.ts';
import { serverTesting, wallet as walletCtx } from '../../server/index.ts';
import { startCreditTestServer, type CreditTestServer } from './server.ts';
import { ADMIN_TOKEN, admin, http, Merchant, Phone } from './support.ts';
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
  async function authorisedLoan(amount: number, instalments: 1 | 3 | 4 | 6 = 3): Promise<any> {
    const placed = await merchant.order(merchant.orderMessage(buyerId, amount, { instalments }));
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
  const line = async () => (await buyer.credit()).line;

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
    assert.deepEqual(onPhone.plan.map((p: any) => [p.seq, p.amount, p.state]), [[1, 33_334, 'due'], [2, 33_333, 'due'], [3, 33_333, 'due']]);
    for (const seq of [1, 2, 3]) assert.equal((await buyer.pay(loan.id, seq)).status, 200);
    const done = await loanOnPhone(loan.id);
    assert.deepEqual([done.state, done.paid, done.outstanding], ['repaid', 100_000, 0]);
    assert.equal((await line()).available, LIMIT, 'repaid: the whole limit is free again');
    assert.equal((await buyer.pay(loan.id, 1)).body.code, 'CREDIT_INSTALMENT_NOT_DUE');
    await serverTesting.assertLedgerBalanced(server.db);
  });
});
