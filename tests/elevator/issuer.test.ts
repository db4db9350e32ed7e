/**
 * The sandbox issuer over its real HTTP route, on PostgreSQL (a fresh schema;
 * PGlite where none runs): 100 concurrent authorisations of one virtual card
 * give exactly one approval; a network retry of one authorisation id gets the
 * same decision and one effect (and other content under that id is refused);
 * a card past its life, over its amount, at another merchant or with a wrong
 * code is declined; an approval nobody captured is reversed; capture and
 * refund post to the ledger, which balances after each test; no table holds
 * the card number.
 */
import { describe, it, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { ELEVATOR_PATHS, type AuthorisationDecision, type CardSecret, type SealedCard } from '../../core/index.ts';
import { newTerminalKey, openCard, sealAuthorisation, x25519Private, x25519Public } from '../../edge-services/index.ts';
import { startServer, serverTesting, ledger, issuer, type RunningServer } from '../../server/index.ts';

const ADMIN = 'issuer-test-admin-token-0123456789';
const TERMINAL = 'lobby-terminal-t1';

describe('the sandbox virtual-card issuer', { timeout: 120_000 }, () => {
  let database: serverTesting.TestDatabase;
  let server: RunningServer;
  const key = newTerminalKey();
  const terminalKey = x25519Private(key.privateKey);
  let issuerKey: ReturnType<typeof x25519Public>;

  before(async () => {
    database = await serverTesting.freshPostgres();
    server = await startServer({ ...(database.databaseUrl ? { databaseUrl: database.databaseUrl } : {}), adminToken: ADMIN, port: 0, logger: false });
    const res = await fetch(`${server.url}/admin/issuer/terminals/${TERMINAL}`, {
      method: 'PUT',
      headers: { authorization: 'Bearer ' + ADMIN, 'content-type': 'application/json' },
      body: JSON.stringify({ publicKey: key.publicKey }),
    });
    assert.equal(res.status, 200, await res.text());
    issuerKey = x25519Public(((await (await fetch(server.url + ELEVATOR_PATHS.issuerPublicKey)).json()) as { publicKey: string }).publicKey);
  });
  after(async () => {
    await server?.close();
    await database?.drop();
  });
  afterEach(async () => serverTesting.assertLedgerBalanced(server.db));

  const issue = async (amount = 23_000, lifeSeconds = 300, merchantId = 'quick-delivery'): Promise<{ card: SealedCard; secret: CardSecret }> => {
    const card = await server.db.transaction((tx) =>
      issuer.issueCard(server.db, tx, {
        reference: 'test:' + randomBytes(8).toString('hex'),
        amount,
        currency: 'KRW',
        merchantId,
        terminalId: TERMINAL,
        lifeSeconds,
        funding: { accountId: 'buyer_funding:wallet:test-orderer:KRW', owner: 'test-orderer' },
      }),
    );
    return { card, secret: openCard(terminalKey, card) };
  };
  const authorise = async (secret: CardSecret, over: Partial<{ amount: number; merchantId: string; currency: string; id: string; cvc: string }> = {}) => {
    const id = over.id ?? 'auth_' + randomBytes(10).toString('hex');
    const body = sealAuthorisation(terminalKey, issuerKey, TERMINAL, id, {
      ...secret,
      cvc: over.cvc ?? secret.cvc,
      amount: over.amount ?? 23_000,
      currency: over.currency ?? 'KRW',
      merchantId: over.merchantId ?? 'quick-delivery',
    });
    const res = await fetch(server.url + ELEVATOR_PATHS.issuerAuthorisations, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as AuthorisationDecision & { code?: string } };
  };

  it('gives exactly one approval among 100 concurrent authorisations of one card', async () => {
    const { secret } = await issue();
    const answers = await Promise.all(Array.from({ length: 100 }, () => authorise(secret)));
    assert.deepEqual(
      answers
        .filter((a) => a.status !== 200)
        .map((a) => [a.status, a.body])
        .slice(0, 3),
      [],
    );
    const approved = answers.filter((a) => a.body.decision === 'approved');
    assert.equal(approved.length, 1);
    assert.ok(answers.filter((a) => a.body.decision === 'declined').every((a) => a.body.decision === 'declined' && a.body.reason === 'card-used'));
  });

  it('answers a retried authorisation id with the same decision and one effect; other content under that id is refused', async () => {
    const { card, secret } = await issue();
    const id = 'auth_retry_' + randomBytes(6).toString('hex');
    const [a, b] = await Promise.all([authorise(secret, { id }), authorise(secret, { id })]);
    const c = await authorise(secret, { id });
    assert.equal(a.body.decision, 'approved');
    assert.deepEqual(b.body, a.body);
    assert.deepEqual(c.body, a.body);
    const holds = await ledger.transfersFor(server.db, `issuer-card:${card.cardId}`);
    assert.equal(holds.length, 1, 'one hold for the one approval');
    const other = await authorise(secret, { id, amount: 22_000 });
    assert.equal(other.status, 409);
    assert.equal(other.body.code, 'ISSUER_AUTHORISATION_REUSED');
  });

  it('declines a card past its life, over its amount, at another merchant, in another currency or with a wrong code', async () => {
    const over = await issue();
    assert.deepEqual(pick(await authorise(over.secret, { amount: 23_001 })), ['declined', 'amount-over']);
    assert.deepEqual(pick(await authorise(over.secret, { merchantId: 'other-shop' })), ['declined', 'merchant-mismatch']);
    assert.deepEqual(pick(await authorise(over.secret, { currency: 'USD' })), ['declined', 'currency-mismatch']);
    assert.deepEqual(pick(await authorise(over.secret, { cvc: over.secret.cvc === '000' ? '001' : '000' })), ['declined', 'card-unknown']);
    assert.deepEqual(pick(await authorise(over.secret, { amount: 20_000 })), ['approved', undefined], 'less than the approved amount is taken');
    const old = await issue();
    await server.db.query("UPDATE issuer_cards SET expires_at = now() - interval '1 second' WHERE id = $1", [old.card.cardId]);
    assert.deepEqual(pick(await authorise(old.secret)), ['declined', 'card-expired']);
    const bad = await authorise({ pan: '4999880000000000', expiry: '1230', cvc: '123' });
    assert.deepEqual(pick(bad), ['declined', 'card-unknown']);
    // The sweeper closes the expired card and releases the approvals nobody captured.
    await issuer.sweepIssuer(server.db, 0);
    const funding = await ledger.balances(server.db, 'buyer_funding:wallet:test-orderer:KRW');
    assert.equal(funding.debitsPending, 0, 'no money stays held');
  });

  it('captures, refunds and reverses through the ledger', async () => {
    const account = 'buyer_funding:wallet:test-orderer:KRW';
    const before = await ledger.balances(server.db, account);
    const paid = await issue(15_000);
    assert.equal((await authorise(paid.secret, { amount: 15_000 })).body.decision, 'approved');
    await server.db.transaction((tx) => issuer.captureCard(tx, paid.card.cardId));
    let now = await ledger.balances(server.db, account);
    assert.equal(now.debitsPosted - before.debitsPosted, 15_000, 'the orderer paid');
    const merchant = await ledger.balances(server.db, issuer.merchantAccount('quick-delivery', 'KRW'));
    assert.ok(merchant.creditsPosted >= 15_000, 'the merchant was paid');
    await server.db.transaction((tx) => issuer.refundCard(tx, paid.card.cardId));
    now = await ledger.balances(server.db, account);
    assert.equal(now.creditsPosted - before.creditsPosted, 15_000, 'the refund came back');
    assert.deepEqual(pick(await authorise(paid.secret, { amount: 15_000 })), ['declined', 'card-closed'], 'closed for good');

    const lost = await issue(9_000);
    assert.equal((await authorise(lost.secret, { amount: 9_000 })).body.decision, 'approved');
    await issuer.sweepIssuer(server.db, 0); // nobody captured it: the terminal never got the approval
    const { rows } = await server.db.query<{ settlement: string }>("SELECT settlement FROM issuer_authorisations WHERE card_id = $1 AND decision = 'approved'", [lost.card.cardId]);
    assert.equal(rows[0]?.settlement, 'reversed');
    const holds = await ledger.balances(server.db, account);
    assert.equal(holds.debitsPending, 0, 'no money stays held');
  });

  it('keeps no card number in any table', async () => {
    const { secret } = await issue();
    await authorise(secret);
    for (const table of ['issuer_cards', 'issuer_authorisations', 'issuer_keys', 'ledger_transfers']) {
      const { rows } = await server.db.query(`SELECT * FROM ${table}`);
      const text = JSON.stringify(rows);
      assert.ok(!text.includes(secret.pan), `${table} holds no card number`);
      assert.ok(!text.includes(secret.pan.slice(6, 12)), `${table} holds no middle digits`);
    }
  });
});

const pick = (a: { body: AuthorisationDecision }) => [a.body.decision, a.body.decision === 'declined' ? a.body.reason : undefined];
