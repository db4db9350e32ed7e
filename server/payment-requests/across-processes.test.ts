/**
 * Requests to pay across server restarts and across two servers on one
 * PostgreSQL schema (two apps, each with its own connection pool and LISTEN
 * connection, as two server processes have):
 * - a request created before a restart expires on time after it, and a phone
 *   that resumes its stream on the new server gets the expiry it missed;
 * - a request created through one server reaches a phone streaming from the other;
 * - two phones answering at once through two servers give one decision;
 * - two sweepers expiring one request write one outcome.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freshPostgres, type TestDatabase } from '../testing/databases.ts';
import { openSse, TestWallet } from './testing.ts';
import { enrolTestGateway, startPayreqServer, type PayreqServer } from './test-server.ts';

const UNIT = { buildingId: 'bldg-b', unit: '707' };

function client(wallet: TestWallet, credential: () => string) {
  const create = async (url: string, over: Record<string, unknown> = {}) => {
    const res = await fetch(url + '/v1/payment-requests', {
      method: 'POST',
      headers: { authorization: 'Bearer ' + credential(), 'content-type': 'application/json', 'idempotency-key': 'k-' + Math.random().toString(36).slice(2) },
      body: JSON.stringify({ to: UNIT, amount: 15_000, currency: 'KRW', payee: { id: 'payee-pizza', name: 'Pizza Place' }, ...over }),
    });
    assert.equal(res.status, 201);
    return ((await res.json()) as any).request;
  };
  const post = async (url: string, user: string, path: string, payload: unknown) => {
    const res = await fetch(url + path, { method: 'POST', headers: { ...wallet.headers(user), 'content-type': 'application/json' }, body: JSON.stringify(payload) });
    return { status: res.status, json: (await res.json()) as any };
  };
  const approve = (url: string, user: string, r: any) =>
    post(url, user, `/wallet/api/requests/${r.id}/approve`, { proof: wallet.proof(user, { requestId: r.id, amount: r.amount, currency: r.currency, payeeId: r.payee.id }) });
  const decline = (url: string, user: string, r: any) => post(url, user, `/wallet/api/requests/${r.id}/decline`, {});
  const state = async (url: string, id: string) =>
    ((await fetch(url + '/v1/payment-requests/' + id, { headers: { authorization: 'Bearer ' + credential() } }).then((r) => r.json())) as any).request.state;
  return { create, approve, decline, state };
}

for (const which of ['pglite', 'postgres'] as const) {
  describe(`requests to pay across a server restart on ${which}`, () => {
    let database: TestDatabase | undefined;
    let dir: string | undefined;
    const wallet = new TestWallet();
    wallet.addUser('dana', UNIT);
    let credential = '';
    const api = client(wallet, () => credential);
    const open = () => startPayreqServer({ wallet, ...(which === 'pglite' ? { pgliteDir: dir! } : { databaseUrl: database!.databaseUrl! }) });

    before(async () => {
      if (which === 'pglite') dir = mkdtempSync(join(tmpdir(), 'payreq-restart-'));
      else database = await freshPostgres();
    });
    after(async () => {
      await database?.drop();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it('a request made before the restart expires on time after it, and the resumed stream gets the expiry', async () => {
      if (which === 'postgres' && !database!.databaseUrl) return; // no PostgreSQL here: the PGlite case covers it
      const first = await open();
      credential = (await enrolTestGateway(first.url, 'site-b')).credential;
      const stream = await openSse(first.url + '/wallet/api/requests/stream', wallet.headers('dana'));
      await stream.next();
      const soon = await api.create(first.url, { ttlSeconds: 2 });
      const seen = await stream.next((e) => e.event === 'request');
      stream.close();
      await first.close();

      const second = await open();
      // On time: within the sweeper's reach of the deadline, or of the restart if the restart came later (a slow machine).
      const onTimeBy = Math.max(Date.parse(soon.expiresAt), Date.now()) + 1500;
      try {
        const resumed = await openSse(second.url + '/wallet/api/requests/stream', { ...wallet.headers('dana'), 'last-event-id': seen.id! });
        await resumed.next();
        const expired = await resumed.next((e) => e.event === 'resolved', 5000);
        assert.equal(expired.data.request.id, soon.id);
        assert.equal(expired.data.request.state, 'expired');
        assert.ok(Date.now() < onTimeBy, `expired ${Date.now() - Date.parse(soon.expiresAt)} ms after its deadline`);
        assert.equal(await api.state(second.url, soon.id), 'expired');
        assert.equal((await api.approve(second.url, 'dana', soon)).json.code, 'PAYMENT_REQUEST_EXPIRED');
        resumed.close();
      } finally {
        await second.close();
      }
    });

    it('a request whose deadline passed while no server ran reads as expired at once and its expiry event is written once', async () => {
      if (which === 'postgres' && !database!.databaseUrl) return;
      const first = await open();
      const r = await api.create(first.url, { ttlSeconds: 1 });
      const head = ((await fetch(first.url + '/wallet/api/requests', { headers: wallet.headers('dana') }).then((x) => x.json())) as any).seq;
      await first.close();
      await new Promise((res) => setTimeout(res, 1200));
      const second = await open();
      try {
        assert.equal(await api.state(second.url, r.id), 'expired');
        await new Promise((res) => setTimeout(res, 300));
        const polled = (await fetch(second.url + `/wallet/api/requests?after=${head}`, { headers: wallet.headers('dana') }).then((x) => x.json())) as any;
        assert.deepEqual(
          polled.events.map((e: any) => [e.type, e.request.id, e.request.state]),
          [['resolved', r.id, 'expired']],
        );
      } finally {
        await second.close();
      }
    });
  });
}

describe('requests to pay with two servers on one PostgreSQL schema', () => {
  let database: TestDatabase;
  let a: PayreqServer;
  let b: PayreqServer;
  const wallet = new TestWallet();
  wallet.addUser('erin', UNIT);
  wallet.addUser('frank', UNIT);
  let credential = '';
  const api = client(wallet, () => credential);

  before(async () => {
    database = await freshPostgres();
    if (!database.databaseUrl) return;
    a = await startPayreqServer({ wallet, databaseUrl: database.databaseUrl });
    b = await startPayreqServer({ wallet, databaseUrl: database.databaseUrl });
    credential = (await enrolTestGateway(a.url, 'site-two')).credential;
  });
  after(async () => {
    await a?.close();
    await b?.close();
    await database?.drop();
  });

  it('a request created through one server reaches a phone streaming from the other, and the outcome the requester streaming from the first', async (t) => {
    if (!database.databaseUrl) return t.skip("PGlite is one process's database");
    const erinOnB = await openSse(b.url + '/wallet/api/requests/stream', wallet.headers('erin'));
    const requesterOnA = await openSse(a.url + '/v1/payment-requests/stream', { authorization: 'Bearer ' + credential });
    await erinOnB.next();
    await requesterOnA.next();
    const r = await api.create(a.url);
    assert.equal((await erinOnB.next((e) => e.event === 'request')).data.request.id, r.id);
    assert.equal((await api.approve(b.url, 'erin', r)).status, 200);
    const outcome = await requesterOnA.next((e) => e.event === 'outcome');
    assert.equal(outcome.data.request.state, 'approved');
    erinOnB.close();
    requesterOnA.close();
  });

  it('a request too large for a notification still reaches a phone on the other server live (read back from the database)', async (t) => {
    if (!database.databaseUrl) return t.skip("PGlite is one process's database");
    const erinOnB = await openSse(b.url + '/wallet/api/requests/stream', wallet.headers('erin'));
    await erinOnB.next();
    const items = Array.from({ length: 60 }, (_, i) => ({ name: `Item ${i} `.padEnd(180, 'x'), quantity: 1, amount: 100 }));
    const r = await api.create(a.url, { amount: 6_000, items });
    const seen = await erinOnB.next((e) => e.event === 'request');
    assert.equal(seen.data.request.id, r.id);
    assert.equal(seen.data.request.items.length, 60);
    assert.ok(JSON.stringify(seen.data).length > 8000);
    erinOnB.close();
  });

  it('two phones answering at once through two servers give one decision', async (t) => {
    if (!database.databaseUrl) return t.skip("PGlite is one process's database");
    const decisions = new Map<string, number>();
    for (let i = 0; i < 20; i++) {
      const r = await api.create(i % 2 ? a.url : b.url, { amount: 1_000 + i });
      const [x, y] = await Promise.all([api.approve(a.url, 'erin', r), api.decline(b.url, 'frank', r)]);
      const ok = [x, y].filter((res) => res.status === 200);
      assert.equal(ok.length, 1, JSON.stringify([x.json, y.json]));
      const other = x.status === 200 ? y : x;
      assert.equal(other.json.code, 'PAYMENT_REQUEST_ALREADY_ANSWERED');
      const final = await api.state(i % 2 ? b.url : a.url, r.id);
      assert.equal(final, ok[0]!.json.request.state);
      decisions.set(final, (decisions.get(final) ?? 0) + 1);
    }
    const events = (await fetch(b.url + '/v1/payment-requests/events?after=0', { headers: { authorization: 'Bearer ' + credential } }).then((r) => r.json())) as any;
    const outcomes = events.events.filter((e: any) => e.type === 'outcome');
    assert.equal(new Set(outcomes.map((e: any) => e.request.id)).size, outcomes.length, 'one outcome per request');
    console.error('decisions through two servers:', Object.fromEntries(decisions));
  });

  it('both servers sweep; an expiry is written once, on time, and still when one server is gone', async (t) => {
    if (!database.databaseUrl) return t.skip("PGlite is one process's database");
    const requester = await openSse(b.url + '/v1/payment-requests/stream', { authorization: 'Bearer ' + credential });
    await requester.next();
    const ids = [];
    for (let i = 0; i < 5; i++) ids.push((await api.create(i % 2 ? a.url : b.url, { ttlSeconds: 1 })).id);
    const created = await api.create(a.url, { ttlSeconds: 2 });
    await a.close(); // the server that made the last request is gone; b expires it
    const got = new Map<string, any>();
    while (got.size < 6) {
      const e = await requester.next((x) => x.event === 'outcome', 5000);
      assert.ok(!got.has(e.data.request.id), 'one expiry per request');
      got.set(e.data.request.id, e);
    }
    assert.equal(got.get(created.id).data.request.state, 'expired');
    assert.ok(Date.now() - Date.parse(created.expiresAt) < 1500);
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(requester.queued.filter((e) => e.event === 'outcome').length, 0, 'no second expiry event');
    requester.close();
    a = undefined as unknown as PayreqServer;
  });
});
