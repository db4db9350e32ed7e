/**
 * The balance rules under concurrency, on PostgreSQL with a pool of 20
 * connections (PGlite has one connection, so nothing would run at once):
 * 1,000 transfers at once against one hot account never overdraw it; the
 * same transfer id sent at once is created once; batches that lock the same
 * accounts in opposite orders do not deadlock.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { openPostgresDb } from '../db/pg-db.ts';
import { migrate } from '../db/migrate.ts';
import { freshPostgres, type TestDatabase } from '../testing/databases.ts';
import type { Db } from '../db/db.ts';
import { balances, checkLedgerInvariants, createTransfers, transfer, type TransferResult } from './index.ts';
import { openAccounts } from './test-support.ts';

describe('ledger under concurrency (PostgreSQL, 20 connections)', () => {
  let database: TestDatabase;
  let db: Db | undefined;
  before(async () => {
    database = await freshPostgres();
    if (database.databaseUrl) {
      db = await openPostgresDb(database.databaseUrl, 20);
      await migrate(db);
    }
  });
  after(async () => {
    await db?.close();
    await database.drop();
  });

  it('1,000 concurrent transfers against one hot account end exactly at its limit', async (t) => {
    if (!db) return t.skip('needs PostgreSQL');
    const merchants = Array.from({ length: 10 }, (_, i) => `hot-merchant-${i}`);
    await openAccounts(db, [
      // A credit line of 50,000: debits may exceed credits by at most that.
      { id: 'hot-line', kind: 'credit_receivable', currency: 'KRW', rule: 'debits_must_not_exceed_credits', limit: 50_000 },
      ...merchants.map((id) => ({ id, kind: 'merchant_payable', currency: 'KRW' })),
    ]);
    const results: TransferResult[] = await Promise.all(
      Array.from({ length: 1_000 }, (_, i) =>
        createTransfers(db!, [
          { id: `hot-${i}`, debitAccountId: 'hot-line', creditAccountId: merchants[i % 10]!, amount: 100, currency: 'KRW', code: 'credit_purchase', reference: `payment:hot-${i}` },
        ]).then((r) => r[0]!),
      ),
    );
    const ok = results.filter((r) => r.ok);
    const refused = results.filter((r) => !r.ok);
    assert.equal(ok.length, 500);
    assert.equal(refused.length, 500);
    for (const r of refused) {
      assert.ok(!r.ok && r.code === 'LEDGER_BALANCE_RULE' && r.details['accountId'] === 'hot-line', JSON.stringify(r));
    }
    const line = await balances(db, 'hot-line');
    assert.equal(line.debitsPosted, 50_000);
    let merchantTotal = 0;
    for (const m of merchants) merchantTotal += (await balances(db, m)).creditsPosted;
    assert.equal(merchantTotal, 50_000);
    const { rows } = await db.query(`SELECT count(*)::int AS n FROM ledger_transfers WHERE debit_account_id = 'hot-line'`);
    assert.equal(rows[0]!['n'], 500);
    assert.deepEqual((await checkLedgerInvariants(db)).violations, []);
  });

  it('pending reservations, posts and voids racing on the hot account keep the rule too', async (t) => {
    if (!db) return t.skip('needs PostgreSQL');
    await openAccounts(db, [
      { id: 'hot-wallet', kind: 'buyer_funding', currency: 'KRW', rule: 'debits_must_not_exceed_credits' },
      { id: 'hot-bank', kind: 'acquirer_settlement', currency: 'KRW' },
      { id: 'hot-shop', kind: 'merchant_payable', currency: 'KRW' },
    ]);
    await transfer(db, { id: 'hot-fund', debitAccountId: 'hot-bank', creditAccountId: 'hot-wallet', amount: 30_000, currency: 'KRW', code: 'top_up' });
    // 300 clients: each reserves 200, then posts 150 of it (odd) or voids it (even).
    const outcomes = await Promise.all(
      Array.from({ length: 300 }, async (_, i) => {
        const [r] = await createTransfers(db!, [{ id: `hp-${i}`, kind: 'pending', debitAccountId: 'hot-wallet', creditAccountId: 'hot-shop', amount: 200, currency: 'KRW', code: 'authorise' }]);
        if (!r!.ok) return r!.code;
        const [s] = await createTransfers(db!, [i % 2 ? { id: `hc-${i}`, kind: 'post_pending', pendingId: `hp-${i}`, amount: 150 } : { id: `hv-${i}`, kind: 'void_pending', pendingId: `hp-${i}` }]);
        return s!.ok ? (i % 2 ? 'posted' : 'voided') : s!.code;
      }),
    );
    assert.ok(
      outcomes.every((o) => ['posted', 'voided', 'LEDGER_BALANCE_RULE'].includes(o)),
      outcomes.join(','),
    );
    const w = await balances(db, 'hot-wallet');
    const posted = outcomes.filter((o) => o === 'posted').length;
    assert.equal(w.debitsPosted, posted * 150);
    assert.equal(w.debitsPending, 0);
    assert.ok(w.debitsPosted <= w.creditsPosted);
    assert.deepEqual((await checkLedgerInvariants(db)).violations, []);
  });

  it('the same transfer id sent by 20 clients at once is created once', async (t) => {
    if (!db) return t.skip('needs PostgreSQL');
    await openAccounts(db, [
      { id: 'dup-a', kind: 'buyer_funding', currency: 'KRW' },
      { id: 'dup-b', kind: 'merchant_payable', currency: 'KRW' },
    ]);
    const body = { id: 'dup-1', debitAccountId: 'dup-a', creditAccountId: 'dup-b', amount: 700, currency: 'KRW', code: 'capture' };
    const results = await Promise.all(Array.from({ length: 20 }, () => createTransfers(db!, [body]).then((r) => r[0]!)));
    assert.ok(
      results.every((r) => r.ok),
      JSON.stringify(results.filter((r) => !r.ok)),
    );
    assert.equal(results.filter((r) => r.ok && r.created).length, 1);
    assert.equal((await balances(db, 'dup-b')).creditsPosted, 700);
    assert.deepEqual((await checkLedgerInvariants(db)).violations, []);
  });

  it('batches that touch the same accounts in opposite orders do not deadlock', async (t) => {
    if (!db) return t.skip('needs PostgreSQL');
    const ids = ['ring-a', 'ring-b', 'ring-c', 'ring-d'];
    await openAccounts(
      db,
      ids.map((id) => ({ id, kind: 'membership_liability', currency: 'KRW' })),
    );
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) => {
        const order = i % 2 ? ids : [...ids].reverse();
        return createTransfers(
          db!,
          order.map((from, k) => ({
            id: `ring-${i}-${k}`,
            linked: k < order.length - 1,
            debitAccountId: from,
            creditAccountId: order[(k + 1) % order.length]!,
            amount: 1 + k,
            currency: 'KRW',
            code: 'move',
          })),
        );
      }),
    );
    assert.ok(results.flat().every((r) => r.ok && r.created));
    assert.deepEqual((await checkLedgerInvariants(db)).violations, []);
  });
});
