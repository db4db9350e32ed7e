/**
 * Wallet sessions and sign-in limits live in the database, so they hold
 * across real server processes on one PostgreSQL: two `npm run server`
 * processes and a third server in this process (with the demo sign-in, to
 * make a session) share one schema. A sign-out or "revoke all" through one
 * process is refused at once by the others; the per-phone sign-in limit
 * counts the tries made at every process.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { buildApp, openDatabase, serverTesting, wallet, type Db, type EdgePayServer } from '../../server/index.ts';
import { startServerProcess, type Child } from '../support/processes.ts';
import { freePort } from '../support/wait.ts';

const ADMIN = 'wallet-processes-admin-0123';

describe('wallet sessions and limits across server processes on one PostgreSQL', { timeout: 180_000 }, () => {
  let database: serverTesting.TestDatabase;
  let db: Db;
  let local: EdgePayServer;
  let localUrl = '';
  const children: Child[] = [];
  const urls: string[] = [];
  let demo: Awaited<ReturnType<typeof wallet.seedDemoWallet>>;

  before(async () => {
    database = await serverTesting.freshPostgres();
    if (!database.databaseUrl) return;
    db = await openDatabase({ databaseUrl: database.databaseUrl });
    demo = await wallet.seedDemoWallet(db);
    local = await buildApp({ db, adminToken: ADMIN, forwarder: false, wallet: { demoSignIn: true } });
    localUrl = await local.app.listen({ host: '127.0.0.1', port: 0 });
    for (let i = 0; i < 2; i++) {
      const child = await startServerProcess({ port: await freePort(), databaseUrl: database.databaseUrl, adminToken: ADMIN });
      children.push(child);
      urls.push(/EDGEPAY_SERVER_URL=(\S+)/.exec(child.output())![1]!);
    }
  });
  after(async () => {
    for (const c of children) {
      c.process.kill('SIGKILL');
      await c.exited;
    }
    await local?.app.close();
    await db?.close();
    await database?.drop();
  });

  async function signIn(userIndex: number): Promise<{ cookie: string; csrf: string }> {
    const res = await fetch(localUrl + '/wallet/api/demo/sign-in', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ userId: demo.users[userIndex]!.userId }),
    });
    assert.equal(res.status, 200);
    return { cookie: res.headers.get('set-cookie')!.split(';')[0]!, csrf: ((await res.json()) as { csrfToken: string }).csrfToken };
  }
  const sessionAt = async (url: string, cookie: string) => (await fetch(url + '/wallet/api/session', { headers: { cookie } })).status;
  const post = (url: string, path: string, s: { cookie: string; csrf: string }) => fetch(url + path, { method: 'POST', headers: { cookie: s.cookie, 'x-csrf-token': s.csrf } });

  it('a sign-out at one process is refused at once by the others', async (t) => {
    if (!database.databaseUrl) return t.skip('no PostgreSQL here');
    const s = await signIn(0);
    assert.deepEqual(await Promise.all(urls.map((u) => sessionAt(u, s.cookie))), [200, 200]);
    // CSRF is checked the same way everywhere.
    assert.equal((await fetch(urls[1]! + '/wallet/api/sign-out', { method: 'POST', headers: { cookie: s.cookie } })).status, 403);
    assert.equal((await post(urls[0]!, '/wallet/api/sign-out', s)).status, 200);
    assert.deepEqual(await Promise.all([...urls, localUrl].map((u) => sessionAt(u, s.cookie))), [401, 401, 401]);
  });

  it('"revoke all" at one process ends every session of the user everywhere', async (t) => {
    if (!database.databaseUrl) return t.skip('no PostgreSQL here');
    const phoneA = await signIn(1);
    const phoneB = await signIn(1);
    const someoneElse = await signIn(0);
    const r = await post(urls[1]!, '/wallet/api/sessions/revoke-all', phoneB);
    assert.equal(r.status, 200);
    assert.equal(((await r.json()) as { revoked: number }).revoked, 2);
    assert.equal(await sessionAt(urls[0]!, phoneA.cookie), 401);
    assert.equal(await sessionAt(urls[0]!, phoneB.cookie), 401);
    assert.equal(await sessionAt(urls[0]!, someoneElse.cookie), 200, "another user's session is untouched");
  });

  it('the per-phone sign-in limit counts tries at every process', async (t) => {
    if (!database.databaseUrl) return t.skip('no PostgreSQL here');
    const statuses: number[] = [];
    // Default limit: 10 tries per phone per 10 minutes.
    for (let i = 0; i < 11; i++) {
      const res = await fetch(urls[i % 2]! + '/wallet/api/sign-in/options', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ phone: '010-3456-7890' }) });
      statuses.push(res.status);
    }
    assert.deepEqual(statuses, [...Array(10).fill(200), 429]);
    const res = await fetch(localUrl + '/wallet/api/sign-in/options', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ phone: '+821034567890' }) });
    assert.equal(res.status, 429);
  });
});
