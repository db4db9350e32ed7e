/**
 * The ledger's rules, on PGlite and on PostgreSQL: posting, balance rules,
 * two-phase post/void/partial post, the timeout sweeper, idempotency, linked
 * chains, currency checks, immutability. After every test the invariant
 * check must pass; the last tests plant errors and show that it fails.
 */
import { describe, it, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { isEdgePayError } from '../../core/index.ts';
import type { Db } from '../db/db.ts';
import {
  balances,
  checkLedgerInvariants,
  createTransfers,
  getTransfer,
  openAccount,
  postPending,
  registerLedgerInvariant,
  startPendingSweeper,
  sweepExpiredPending,
  transfer,
  transfersFor,
  voidPending,
  type TransferInput,
} from './index.ts';
import { ledgerTestDb, openAccounts, type LedgerTestDb } from './test-support.ts';

let seq = 0;
/** Account ids unique per test, so tests do not see each other's money. */
const fresh = (name: string): string => `${name}-${++seq}`;

async function rejects(promise: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(isEdgePayError(err), `expected an EdgePayError ${code}, got ${String(err)}`);
    assert.equal(err.code, code);
    return true;
  });
}

/** A buyer funded with `funds`, a merchant, and the issuer float the funds came from. */
async function threeAccounts(db: Db, funds: number, currency = 'KRW'): Promise<{ buyer: string; merchant: string; issuer: string }> {
  const buyer = fresh('buyer');
  const merchant = fresh('merchant');
  const issuer = fresh('issuer');
  await openAccounts(db, [
    { id: buyer, kind: 'buyer_funding', currency, rule: 'debits_must_not_exceed_credits' },
    { id: merchant, kind: 'merchant_payable', currency },
    { id: issuer, kind: 'issuer_float', currency },
  ]);
  if (funds > 0) await transfer(db, { id: fresh('fund'), debitAccountId: issuer, creditAccountId: buyer, amount: funds, currency, code: 'fund' });
  return { buyer, merchant, issuer };
}

for (const which of ['pglite', 'postgres'] as const) {
  describe(`ledger on ${which}`, () => {
    let t: LedgerTestDb;
    let db: Db;
    /** Set by the tests that break the ledger on purpose. */
    let planted = false;
    before(async () => {
      t = await ledgerTestDb(which);
      db = t.db;
    });
    after(async () => {
      await t.close();
    });
    afterEach(async () => {
      if (planted) return;
      const report = await checkLedgerInvariants(db);
      assert.deepEqual(report.violations, [], 'the ledger invariants hold after the test');
    });

    it('posts a transfer: debit and credit totals move by the amount', async () => {
      const { buyer, merchant } = await threeAccounts(db, 10_000);
      const r = await transfer(db, { id: fresh('pay'), debitAccountId: buyer, creditAccountId: merchant, amount: 2_500, currency: 'KRW', code: 'capture', reference: 'payment:p1' });
      assert.deepEqual(r, { created: true });
      const b = await balances(db, buyer);
      assert.deepEqual([b.debitsPosted, b.creditsPosted, b.debitsPending, b.creditsPending], [2_500, 10_000, 0, 0]);
      assert.equal((await balances(db, merchant)).creditsPosted, 2_500);
      const [stored] = await transfersFor(db, 'payment:p1');
      assert.equal(stored?.amount, 2_500);
      assert.equal(stored?.kind, 'posted');
    });

    it('refuses a transfer that would break a balance rule, with LEDGER_BALANCE_RULE and no effect', async () => {
      const { buyer, merchant } = await threeAccounts(db, 1_000);
      const results = await createTransfers(db, [
        { id: fresh('a'), debitAccountId: buyer, creditAccountId: merchant, amount: 600, currency: 'KRW', code: 'capture' },
        { id: fresh('b'), debitAccountId: buyer, creditAccountId: merchant, amount: 600, currency: 'KRW', code: 'capture' },
        { id: fresh('c'), debitAccountId: buyer, creditAccountId: merchant, amount: 400, currency: 'KRW', code: 'capture' },
      ]);
      assert.deepEqual(
        results.map((r) => (r.ok ? 'ok' : r.code)),
        ['ok', 'LEDGER_BALANCE_RULE', 'ok'],
      );
      assert.deepEqual(results[1]!.ok ? {} : results[1]!.details, { accountId: buyer });
      assert.equal((await balances(db, buyer)).debitsPosted, 1_000);
    });

    it('a limit widens the rule: a credit line of 5,000, and a balance capped at 3,000', async () => {
      const line = fresh('receivable');
      const merchant = fresh('merchant');
      const wallet = fresh('wallet');
      const bank = fresh('bank');
      await openAccounts(db, [
        { id: line, kind: 'credit_receivable', currency: 'KRW', rule: 'debits_must_not_exceed_credits', limit: 5_000 },
        { id: merchant, kind: 'merchant_payable', currency: 'KRW' },
        { id: wallet, kind: 'membership_liability', currency: 'KRW', rule: 'credits_must_not_exceed_debits', limit: 3_000 },
        { id: bank, kind: 'acquirer_settlement', currency: 'KRW' },
      ]);
      const spend = (amount: number) => createTransfers(db, [{ id: fresh('buy'), debitAccountId: line, creditAccountId: merchant, amount, currency: 'KRW', code: 'credit_purchase' }]);
      assert.equal((await spend(4_000))[0]!.ok, true);
      assert.equal((await spend(1_001))[0]!.ok, false);
      assert.equal((await spend(1_000))[0]!.ok, true);
      const topUp = (amount: number) => createTransfers(db, [{ id: fresh('top'), debitAccountId: bank, creditAccountId: wallet, amount, currency: 'KRW', code: 'top_up' }]);
      assert.equal((await topUp(3_000))[0]!.ok, true);
      const over = (await topUp(1))[0]!;
      assert.equal(over.ok ? 'ok' : over.code, 'LEDGER_BALANCE_RULE');
    });

    it('two-phase: a pending transfer reserves, then posts in full', async () => {
      const { buyer, merchant } = await threeAccounts(db, 5_000);
      const pendingId = fresh('auth');
      await transfer(db, { id: pendingId, kind: 'pending', debitAccountId: buyer, creditAccountId: merchant, amount: 4_000, currency: 'KRW', code: 'authorise' });
      let b = await balances(db, buyer);
      assert.deepEqual([b.debitsPending, b.debitsPosted], [4_000, 0]);
      assert.equal((await balances(db, merchant)).creditsPending, 4_000);
      // The reservation counts: 1,001 more would overdraw.
      const more = await createTransfers(db, [{ id: fresh('x'), debitAccountId: buyer, creditAccountId: merchant, amount: 1_001, currency: 'KRW', code: 'capture' }]);
      assert.equal(more[0]!.ok ? 'ok' : more[0]!.code, 'LEDGER_BALANCE_RULE');
      await postPending(db, { id: fresh('capture'), pendingId });
      b = await balances(db, buyer);
      assert.deepEqual([b.debitsPending, b.debitsPosted], [0, 4_000]);
      const m = await balances(db, merchant);
      assert.deepEqual([m.creditsPending, m.creditsPosted], [0, 4_000]);
      await rejects(voidPending(db, { id: fresh('void'), pendingId }), 'LEDGER_PENDING_ALREADY_RESOLVED');
    });

    it('two-phase: a partial post releases the rest; posting more than reserved is refused', async () => {
      const { buyer, merchant } = await threeAccounts(db, 5_000);
      const pendingId = fresh('auth');
      await transfer(db, { id: pendingId, kind: 'pending', debitAccountId: buyer, creditAccountId: merchant, amount: 3_000, currency: 'KRW', code: 'authorise' });
      await rejects(postPending(db, { id: fresh('capture'), pendingId, amount: 3_001 }), 'LEDGER_EXCEEDS_PENDING_AMOUNT');
      await rejects(postPending(db, { id: fresh('capture'), pendingId: fresh('nothing') }), 'LEDGER_PENDING_NOT_FOUND');
      const captureId = fresh('capture');
      await postPending(db, { id: captureId, pendingId, amount: 1_200 });
      const b = await balances(db, buyer);
      assert.deepEqual([b.debitsPending, b.debitsPosted], [0, 1_200]);
      assert.equal((await getTransfer(db, captureId))?.amount, 1_200);
      await rejects(postPending(db, { id: fresh('again'), pendingId }), 'LEDGER_PENDING_ALREADY_RESOLVED');
    });

    it('two-phase: a void releases the whole reservation', async () => {
      const { buyer, merchant } = await threeAccounts(db, 5_000);
      const pendingId = fresh('auth');
      await transfer(db, { id: pendingId, kind: 'pending', debitAccountId: buyer, creditAccountId: merchant, amount: 5_000, currency: 'KRW', code: 'authorise' });
      await rejects(transfer(db, { id: fresh('void'), kind: 'void_pending', pendingId, currency: 'USD' }), 'LEDGER_PENDING_MISMATCH');
      assert.deepEqual(await voidPending(db, { id: fresh('void'), pendingId, reference: 'payment:v' }), { created: true });
      await rejects(voidPending(db, { id: fresh('void'), pendingId }), 'LEDGER_PENDING_ALREADY_RESOLVED');
      const b = await balances(db, buyer);
      assert.deepEqual([b.debitsPending, b.debitsPosted, b.creditsPosted], [0, 0, 5_000]);
      await rejects(postPending(db, { id: fresh('late'), pendingId }), 'LEDGER_PENDING_ALREADY_RESOLVED');
    });

    it('a pending transfer past its timeout cannot be posted, fails the check until swept, and the sweeper voids it once', async () => {
      const { buyer, merchant } = await threeAccounts(db, 1_000);
      const pendingId = fresh('auth');
      const keep = fresh('keep');
      await transfer(db, { id: pendingId, kind: 'pending', debitAccountId: buyer, creditAccountId: merchant, amount: 700, currency: 'KRW', code: 'authorise', timeoutSeconds: 1 });
      await transfer(db, { id: keep, kind: 'pending', debitAccountId: buyer, creditAccountId: merchant, amount: 300, currency: 'KRW', code: 'authorise', timeoutSeconds: 3600 });
      await new Promise((r) => setTimeout(r, 1_200));
      await rejects(postPending(db, { id: fresh('capture'), pendingId }), 'LEDGER_PENDING_EXPIRED');
      const stale = await checkLedgerInvariants(db);
      assert.deepEqual(
        stale.violations.map((v) => v.invariant),
        ['no-pending-past-timeout'],
      );
      assert.match(stale.violations[0]!.message, new RegExp(pendingId));
      assert.ok((await checkLedgerInvariants(db, { graceSeconds: 60 })).ok, 'within the grace period it is not a violation');
      // Two sweepers at once: exactly one void.
      const swept = await Promise.all([sweepExpiredPending(db), sweepExpiredPending(db)]);
      assert.equal(swept[0]! + swept[1]!, 1);
      assert.equal(await sweepExpiredPending(db), 0);
      const voided = await getTransfer(db, `timeout:${pendingId}`);
      assert.equal(voided?.kind, 'void_pending');
      assert.equal(voided?.code, 'pending_timeout');
      const b = await balances(db, buyer);
      assert.deepEqual([b.debitsPending, b.debitsPosted], [300, 0]);
      await postPending(db, { id: fresh('capture'), pendingId: keep });
      assert.deepEqual([(await balances(db, buyer)).debitsPending, (await balances(db, buyer)).debitsPosted], [0, 300]);
    });

    it('the periodic sweeper voids a pending transfer soon after its timeout, and stops when told', async () => {
      const { buyer, merchant } = await threeAccounts(db, 1_000);
      const pendingId = fresh('auth');
      await transfer(db, { id: pendingId, kind: 'pending', debitAccountId: buyer, creditAccountId: merchant, amount: 100, currency: 'KRW', code: 'authorise', timeoutSeconds: 1 });
      const errors: unknown[] = [];
      const stop = startPendingSweeper(db, { intervalMs: 100, onError: (e) => errors.push(e) });
      try {
        const deadline = Date.now() + 10_000;
        while (!(await getTransfer(db, `timeout:${pendingId}`)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      } finally {
        await stop();
      }
      assert.equal((await getTransfer(db, `timeout:${pendingId}`))?.kind, 'void_pending');
      assert.deepEqual(errors, []);
      assert.equal((await balances(db, buyer)).debitsPending, 0);
    });

    it('idempotency: the same id and body again does nothing; the same id with another body is refused', async () => {
      const { buyer, merchant } = await threeAccounts(db, 1_000);
      const body: TransferInput = { id: fresh('pay'), debitAccountId: buyer, creditAccountId: merchant, amount: 400, currency: 'KRW', code: 'capture', reference: 'payment:x' };
      assert.deepEqual(await transfer(db, body), { created: true });
      assert.deepEqual(await transfer(db, body), { created: false });
      const [again] = await createTransfers(db, [body]);
      assert.deepEqual(again, { id: body.id, ok: true, created: false });
      assert.equal((await balances(db, buyer)).debitsPosted, 400);
      await rejects(transfer(db, { ...body, amount: 401 }), 'LEDGER_TRANSFER_EXISTS_DIFFERENT');
      await rejects(transfer(db, { ...body, reference: 'payment:y' }), 'LEDGER_TRANSFER_EXISTS_DIFFERENT');
      await rejects(transfer(db, { ...body, kind: 'pending' }), 'LEDGER_TRANSFER_EXISTS_DIFFERENT');
      // Same for a post: a retried capture is the same capture.
      const pendingId = fresh('auth');
      await transfer(db, { id: pendingId, kind: 'pending', debitAccountId: buyer, creditAccountId: merchant, amount: 500, currency: 'KRW', code: 'authorise' });
      const capture = { id: fresh('capture'), pendingId, amount: 200 };
      assert.deepEqual(await postPending(db, capture), { created: true });
      assert.deepEqual(await postPending(db, capture), { created: false });
      await rejects(postPending(db, { ...capture, amount: 300 }), 'LEDGER_TRANSFER_EXISTS_DIFFERENT');
      assert.equal((await balances(db, buyer)).debitsPosted, 600);
    });

    it('linked transfers post all or none', async () => {
      const { buyer, merchant, issuer } = await threeAccounts(db, 1_000);
      const fees = fresh('fees');
      await openAccount(db, { id: fees, kind: 'fees', currency: 'KRW' });
      const ids = [fresh('lone'), fresh('l1'), fresh('l2'), fresh('l3'), fresh('after')];
      const results = await createTransfers(db, [
        { id: ids[0]!, debitAccountId: issuer, creditAccountId: fees, amount: 1, currency: 'KRW', code: 'fee' },
        { id: ids[1]!, linked: true, debitAccountId: buyer, creditAccountId: merchant, amount: 600, currency: 'KRW', code: 'capture' },
        { id: ids[2]!, linked: true, debitAccountId: merchant, creditAccountId: fees, amount: 30, currency: 'KRW', code: 'fee' },
        { id: ids[3]!, debitAccountId: buyer, creditAccountId: merchant, amount: 600, currency: 'KRW', code: 'capture' },
        { id: ids[4]!, debitAccountId: issuer, creditAccountId: fees, amount: 2, currency: 'KRW', code: 'fee' },
      ]);
      assert.deepEqual(
        results.map((r) => (r.ok ? 'ok' : r.code)),
        ['ok', 'LEDGER_LINKED_EVENT_FAILED', 'LEDGER_LINKED_EVENT_FAILED', 'LEDGER_BALANCE_RULE', 'ok'],
      );
      assert.deepEqual(results[1]!.ok ? {} : results[1]!.details, { failedId: ids[3] });
      for (const id of ids.slice(1, 4)) assert.equal(await getTransfer(db, id), undefined, `${id} left no trace`);
      assert.equal((await balances(db, buyer)).debitsPosted, 0);
      assert.equal((await balances(db, fees)).creditsPosted, 3);
      // The same chain within the rule posts whole.
      const ok = await createTransfers(db, [
        { id: fresh('l1'), linked: true, debitAccountId: buyer, creditAccountId: merchant, amount: 600, currency: 'KRW', code: 'capture' },
        { id: fresh('l2'), debitAccountId: merchant, creditAccountId: fees, amount: 30, currency: 'KRW', code: 'fee' },
      ]);
      assert.ok(ok.every((r) => r.ok && r.created));
      // A chain left open at the end of the batch is refused whole.
      const open = await createTransfers(db, [{ id: fresh('open'), linked: true, debitAccountId: issuer, creditAccountId: fees, amount: 1, currency: 'KRW', code: 'fee' }]);
      assert.equal(open[0]!.ok ? 'ok' : open[0]!.code, 'LEDGER_LINKED_CHAIN_OPEN');
    });

    it('refuses currencies that do not match, unknown accounts and malformed transfers', async () => {
      const { buyer, merchant } = await threeAccounts(db, 1_000);
      const usd = fresh('usd');
      await openAccount(db, { id: usd, kind: 'merchant_payable', currency: 'USD' });
      await rejects(transfer(db, { id: fresh('t'), debitAccountId: buyer, creditAccountId: usd, amount: 1, currency: 'KRW', code: 'capture' }), 'LEDGER_CURRENCY_MISMATCH');
      await rejects(transfer(db, { id: fresh('t'), debitAccountId: buyer, creditAccountId: merchant, amount: 1, currency: 'USD', code: 'capture' }), 'LEDGER_CURRENCY_MISMATCH');
      await rejects(transfer(db, { id: fresh('t'), debitAccountId: buyer, creditAccountId: 'nobody', amount: 1, currency: 'KRW', code: 'capture' }), 'LEDGER_ACCOUNT_NOT_FOUND');
      await rejects(transfer(db, { id: fresh('t'), debitAccountId: buyer, creditAccountId: buyer, amount: 1, currency: 'KRW', code: 'capture' }), 'LEDGER_TRANSFER_INVALID');
      await rejects(transfer(db, { id: fresh('t'), debitAccountId: buyer, creditAccountId: merchant, amount: 1.5, currency: 'KRW', code: 'capture' }), 'LEDGER_TRANSFER_INVALID');
      await rejects(transfer(db, { id: fresh('t'), debitAccountId: buyer, creditAccountId: merchant, amount: 0, currency: 'KRW', code: 'capture' }), 'LEDGER_TRANSFER_INVALID');
      await rejects(transfer(db, { id: fresh('t'), debitAccountId: buyer, creditAccountId: merchant, amount: 1, currency: 'KRW', code: 'Capture!' }), 'LEDGER_TRANSFER_INVALID');
      await rejects(transfer(db, { id: fresh('t'), debitAccountId: buyer, creditAccountId: merchant, amount: 1, currency: 'KRW', code: 'x', timeoutSeconds: 5 }), 'LEDGER_TRANSFER_INVALID');
      // Even a row inserted around the function cannot mix currencies (composite foreign key).
      await assert.rejects(
        db.query(`INSERT INTO ledger_transfers (id, debit_account_id, credit_account_id, amount, currency, code, kind) VALUES ($1, $2, $3, 1, 'KRW', 'x', 'posted')`, [fresh('raw'), buyer, usd]),
        /foreign key/,
      );
      assert.equal((await balances(db, buyer)).debitsPosted, 0);
    });

    it('opening an account is idempotent; other settings for the same id are refused', async () => {
      const id = fresh('acct');
      const a = await openAccount(db, { id, kind: 'fees', currency: 'KRW', rule: 'credits_must_not_exceed_debits', limit: 10 });
      const b = await openAccount(db, { id, kind: 'fees', currency: 'KRW', rule: 'credits_must_not_exceed_debits', limit: 10 });
      assert.deepEqual(a, b);
      await rejects(openAccount(db, { id, kind: 'fees', currency: 'KRW' }), 'LEDGER_ACCOUNT_EXISTS_DIFFERENT');
      await rejects(openAccount(db, { id: fresh('x'), kind: 'fees', currency: 'XYZ' }), 'LEDGER_ACCOUNT_INVALID');
      await rejects(openAccount(db, { id: fresh('x'), kind: 'fees', currency: 'KRW', limit: 5 }), 'LEDGER_ACCOUNT_INVALID');
    });

    it('refuses UPDATE and DELETE of transfers, and any direct change of accounts', async () => {
      const { buyer, merchant } = await threeAccounts(db, 1_000);
      const id = fresh('pay');
      await transfer(db, { id, debitAccountId: buyer, creditAccountId: merchant, amount: 10, currency: 'KRW', code: 'capture' });
      for (const sql of [
        [`UPDATE ledger_transfers SET amount = 1 WHERE id = $1`, [id]],
        [`UPDATE ledger_transfers SET reference = 'x' WHERE id = $1`, [id]],
        [`DELETE FROM ledger_transfers WHERE id = $1`, [id]],
        [`TRUNCATE ledger_transfers CASCADE`, []],
        [`UPDATE ledger_accounts SET credits_posted = credits_posted + 1 WHERE id = $1`, [buyer]],
        [`UPDATE ledger_accounts SET debits_must_not_exceed_credits = false WHERE id = $1`, [buyer]],
        [`DELETE FROM ledger_accounts WHERE id = $1`, [merchant]],
      ] as const) {
        await assert.rejects(db.query(sql[0], [...sql[1]]), /refused/, sql[0]);
      }
      assert.equal((await getTransfer(db, id))?.amount, 10);
      assert.equal((await balances(db, buyer)).creditsPosted, 1_000);
    });

    it('registered invariants run with the built-in ones (the payments context hook)', async () => {
      const unregister = registerLedgerInvariant({ name: 'test-hook', check: async () => ['payment p-1 is captured but has no capture transfer'] });
      try {
        const report = await checkLedgerInvariants(db);
        assert.ok(report.checked.includes('test-hook'));
        assert.deepEqual(report.violations, [{ invariant: 'test-hook', message: 'payment p-1 is captured but has no capture transfer' }]);
      } finally {
        unregister();
      }
      assert.ok((await checkLedgerInvariants(db)).ok);
    });

    describe('the invariant check fails on a planted error', () => {
      it('a transfer row inserted with the triggers off (totals never applied)', async () => {
        const { buyer, merchant } = await threeAccounts(db, 1_000);
        assert.ok((await checkLedgerInvariants(db)).ok);
        planted = true;
        await db.transaction(async (tx) => {
          // Superuser only: replica mode skips ordinary triggers.
          await tx.query(`SET LOCAL session_replication_role = replica`);
          await tx.query(`INSERT INTO ledger_transfers (id, debit_account_id, credit_account_id, amount, currency, code, kind) VALUES ($1, $2, $3, 250, 'KRW', 'planted', 'posted')`, [
            fresh('planted'),
            buyer,
            merchant,
          ]);
        });
        const report = await checkLedgerInvariants(db);
        assert.equal(report.ok, false);
        assert.deepEqual([...new Set(report.violations.map((v) => v.invariant))], ['totals-equal-transfers']);
        assert.ok(report.violations.some((v) => v.message.startsWith(`account ${buyer}:`)));
      });

      it('a total tampered with as superuser (debits no longer equal credits)', async () => {
        const { merchant } = await threeAccounts(db, 0);
        await db.transaction(async (tx) => {
          await tx.query(`SET LOCAL session_replication_role = replica`);
          await tx.query(`UPDATE ledger_accounts SET credits_posted = credits_posted + 1 WHERE id = $1`, [merchant]);
        });
        const report = await checkLedgerInvariants(db);
        const names = new Set(report.violations.map((v) => v.invariant));
        assert.ok(names.has('debits-equal-credits') && names.has('totals-equal-transfers'), JSON.stringify(report.violations));
      });
    });
  });
}
