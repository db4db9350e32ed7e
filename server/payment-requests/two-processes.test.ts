/**
 * Two real server processes (node, each its own pools and LISTEN connection)
 * on one PostgreSQL schema: a request made through one reaches a phone
 * streaming from the other; two phones answering at once through the two
 * give one decision; and when one process is killed (SIGKILL, no shutdown)
 * with a request pending, the other expires it on time.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { freshPostgres, type TestDatabase } from '../testing/databases.ts';
import { migrate } from '../db/migrate.ts';
import { openPostgresDb } from '../db/pg-db.ts';
import { openSse, TestWallet } from './testing.ts';
import { enrolTestGateway } from './test-server.ts';

const UNIT = { buildingId: 'bldg-p', unit: '3301' };

type ServerProcess = { child: ChildProcess; url: string; exited: Promise<void> };

function startProcess(databaseUrl: string, wallet: TestWallet): Promise<ServerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'test-server-main.ts')], {
    env: { ...process.env, PAYREQ_DATABASE_URL: databaseUrl, PAYREQ_WALLET: JSON.stringify(wallet.exportPublic()) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error('server process not ready:\n' + out)), 60_000);
    child.stderr!.on('data', (d) => (out += d));
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /listening (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ child, url: m[1]!, exited });
      }
    });
    child.once('exit', (code) => reject(new Error(`server process exited (${code}):\n${out}`)));
  });
}

describe('requests to pay with two server processes on one PostgreSQL schema', () => {
  let database: TestDatabase;
  const procs: ServerProcess[] = [];
  const wallet = new TestWallet();
  wallet.addUser('gina', UNIT);
  wallet.addUser('hugo', UNIT);
  let credential = '';

  before(async () => {
    database = await freshPostgres();
    if (!database.databaseUrl) return;
    // Migrate once first, so the two processes do not both start on an empty schema (they could; this is quicker).
    const db = await openPostgresDb(database.databaseUrl, 2);
    await migrate(db);
    await db.close();
    procs.push(...(await Promise.all([startProcess(database.databaseUrl, wallet), startProcess(database.databaseUrl, wallet)])));
    credential = (await enrolTestGateway(procs[0]!.url, 'site-procs')).credential;
  });
  after(async () => {
    for (const p of procs) {
      if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGTERM');
      await p.exited;
    }
    await database?.drop();
  });

  const create = async (url: string, over: Record<string, unknown> = {}) => {
    const res = await fetch(url + '/v1/payment-requests', {
      method: 'POST',
      headers: { authorization: 'Bearer ' + credential, 'content-type': 'application/json', 'idempotency-key': 'p-' + Math.random().toString(36).slice(2) },
      body: JSON.stringify({ to: UNIT, amount: 8_000, currency: 'KRW', payee: { id: 'payee-noodles', name: 'Noodles' }, ...over }),
    });
    assert.equal(res.status, 201);
    return ((await res.json()) as any).request;
  };
  const answer = async (url: string, user: string, r: any, kind: 'approve' | 'decline') => {
    const payload = kind === 'approve' ? { proof: wallet.proof(user, { requestId: r.id, amount: r.amount, currency: r.currency, payeeId: r.payee.id }) } : {};
    const res = await fetch(url + `/wallet/api/requests/${r.id}/${kind}`, { method: 'POST', headers: { ...wallet.headers(user), 'content-type': 'application/json' }, body: JSON.stringify(payload) });
    return { status: res.status, json: (await res.json()) as any };
  };

  it('live across processes, and two phones answering at once through the two processes give one decision', async (t) => {
    if (!database.databaseUrl) return t.skip('needs PostgreSQL');
    const [p1, p2] = procs as [ServerProcess, ServerProcess];
    const ginaOn2 = await openSse(p2.url + '/wallet/api/requests/stream', wallet.headers('gina'));
    const requesterOn1 = await openSse(p1.url + '/v1/payment-requests/stream', { authorization: 'Bearer ' + credential });
    await ginaOn2.next();
    await requesterOn1.next();
    const outcomes = new Map<string, string>();
    for (let i = 0; i < 15; i++) {
      const r = await create(i % 2 ? p1.url : p2.url, { amount: 8_000 + i });
      assert.equal((await ginaOn2.next((e) => e.event === 'request')).data.request.id, r.id);
      const [x, y] = await Promise.all([answer(p1.url, 'gina', r, 'approve'), answer(p2.url, 'hugo', r, 'decline')]);
      const won = [x, y].filter((a) => a.status === 200);
      assert.equal(won.length, 1, JSON.stringify([x.json, y.json]));
      assert.equal((x.status === 200 ? y : x).json.code, 'PAYMENT_REQUEST_ALREADY_ANSWERED');
      const outcome = await requesterOn1.next((e) => e.event === 'outcome');
      assert.equal(outcome.data.request.id, r.id);
      assert.equal(outcome.data.request.state, won[0]!.json.request.state);
      outcomes.set(r.id, outcome.data.request.state);
    }
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(requesterOn1.queued.filter((e) => e.event === 'outcome').length, 0, 'one outcome per request, never two');
    ginaOn2.close();
    requesterOn1.close();
  });

  it('a process killed with a request pending: the other expires it on time', async (t) => {
    if (!database.databaseUrl) return t.skip('needs PostgreSQL');
    const [p1, p2] = procs as [ServerProcess, ServerProcess];
    const requesterOn2 = await openSse(p2.url + '/v1/payment-requests/stream', { authorization: 'Bearer ' + credential });
    await requesterOn2.next();
    const r = await create(p1.url, { ttlSeconds: 2 });
    p1.child.kill('SIGKILL');
    await p1.exited;
    const outcome = await requesterOn2.next((e) => e.event === 'outcome' && e.data.request.id === r.id, 5000);
    assert.equal(outcome.data.request.state, 'expired');
    const late = Date.now() - Date.parse(r.expiresAt);
    assert.ok(late < 1500, `expired ${late} ms after its deadline`);
    requesterOn2.close();
  });
});
