/**
 * Pay later across two real server processes on one PostgreSQL schema: 50
 * concurrent orders from one buyer, half through each process, never approve
 * more than the limit (the ledger's balance rule under the account's row
 * lock); a capture and a cancel of one loan racing through the two
 * processes end in one of them, never both. Skipped without PostgreSQL
 * (PGlite is one process's database).
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CREDIT_PATHS } from '../../core/index.ts';
import { openDatabase, serverTesting, wallet as walletCtx, type Db } from '../../server/index.ts';
import { until } from '../support/wait.ts';
import { ADMIN_TOKEN, admin, Merchant, Phone } from './support.ts';

type Proc = { child: ChildProcess; url: string; exited: Promise<unknown> };

function startProcess(databaseUrl: string): Promise<Proc> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'server-main.ts')], {
    env: { ...process.env, CREDIT_DATABASE_URL: databaseUrl, CREDIT_ADMIN_TOKEN: ADMIN_TOKEN },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise((r) => child.once('exit', r));
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error('server not ready: ' + err)), 60_000);
    child.stderr!.on('data', (d) => (err += d));
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /listening (\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ child, url: m[1]!, exited });
      }
    });
    child.once('exit', (code) => reject(new Error(`server exited (${code}): ${err}`)));
  });
}

describe('pay later across two server processes', { timeout: 180_000 }, () => {
  let database: serverTesting.TestDatabase;
  let A: Proc;
  let B: Proc;
  let db: Db;
  let merchantA: Merchant;
  let merchantB: Merchant;
  let buyerId: string;
  const skip = () => !database.databaseUrl;

  before(async () => {
    database = await serverTesting.freshPostgres();
    if (skip()) return;
    A = await startProcess(database.databaseUrl!);
    B = await startProcess(database.databaseUrl!);
    db = await openDatabase({ databaseUrl: database.databaseUrl! });
    const demo = await walletCtx.seedDemoWallet(db);
    buyerId = demo.users.find((u) => u.role === 'shopper')!.userId;
    merchantA = await Merchant.create(A.url, 'Two-process shop');
    // The same merchant, calling the other process.
    merchantB = Object.assign(Object.create(Object.getPrototypeOf(merchantA)), merchantA, { base: B.url });
  });

  after(async () => {
    if (!skip()) {
      await serverTesting.assertLedgerBalanced(db);
      for (const p of [A, B]) {
        p.child.kill('SIGTERM');
        await p.exited;
      }
      await db.close();
    }
    await database.drop();
  });

  it('50 concurrent orders, 25 through each process, approve exactly up to the limit', async (t) => {
    if (skip()) return t.skip('no PostgreSQL here');
    await admin(A.url, 'PUT', CREDIT_PATHS.adminBuyer(buyerId), { currency: 'KRW', limit: 300_000, score: 800 });
    const answers = await Promise.all(Array.from({ length: 50 }, (_, i) => (i % 2 ? merchantA : merchantB).order((i % 2 ? merchantA : merchantB).orderMessage(buyerId, 10_000))));
    assert.ok(
      answers.every((a) => a.status === 201),
      JSON.stringify(answers.find((a) => a.status !== 201)?.body),
    );
    const approved = answers.filter((a) => a.body.loan.state === 'awaiting-buyer');
    assert.equal(approved.length, 30, 'exactly limit / amount approved');
    const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM credit_loans WHERE state = 'awaiting-buyer'`);
    assert.equal(rows[0]!.n, 30);
    // Release them all (cancel through either process) for the next case.
    await Promise.all(approved.map((a, i) => (i % 2 ? merchantA : merchantB).act(a.body.loan.id, 'cancel')));
    const phone = new Phone(A.url, buyerId);
    await phone.signIn();
    assert.equal((await phone.credit()).line.available, 300_000);
  });

  it('a capture and a cancel racing through the two processes: one wins, the ledger agrees', async (t) => {
    if (skip()) return t.skip('no PostgreSQL here');
    const phone = new Phone(B.url, buyerId);
    await phone.signIn();
    for (let round = 0; round < 5; round++) {
      const loan = (await merchantA.order(merchantA.orderMessage(buyerId, 20_000))).body.loan;
      assert.equal((await phone.approve(loan.paymentRequestId)).status, 200);
      await until('authorised', async () => (await merchantB.loan(loan.id)).state === 'authorised', 10_000);
      const [cap, can] = await Promise.all([merchantA.act(loan.id, 'capture'), merchantB.act(loan.id, 'cancel')]);
      const winners = [cap, can].filter((a) => a.status === 200);
      assert.equal(winners.length, 1, `one of capture (${cap.status}) and cancel (${can.status}) wins`);
      assert.equal([cap, can].find((a) => a.status !== 200)!.body.code, 'CREDIT_LOAN_STATE');
      const final = (await merchantA.loan(loan.id)).state;
      assert.ok(final === 'captured' || final === 'voided');
    }
    await serverTesting.assertLedgerBalanced(db);
  });
});
