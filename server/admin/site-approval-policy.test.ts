/**
 * A site's approval policy over real HTTP on PGlite: the operator's route
 * (strict input, admin token, OpenAPI), and the wallet's verifier used by
 * requests to pay, which refuses a password approval of a request made by a
 * gateway of a site that requires a passkey, and writes nothing then.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Db } from '../db/index.ts';
import { migrate } from '../db/migrate.ts';
import { openPgliteDb } from '../db/pglite-db.ts';
import { buildApp, type EdgePayServer } from '../app.ts';
import { DEMO_PAYMENT_PASSWORD, seedDemoWallet } from '../wallet/index.ts';

const ADMIN = 'site-policy-admin-token-0123456789';

describe('site approval policy', () => {
  let db: Db;
  let server: EdgePayServer;
  let url: string;
  let demo: Awaited<ReturnType<typeof seedDemoWallet>>;

  before(async () => {
    db = await openPgliteDb(undefined);
    await migrate(db);
    demo = await seedDemoWallet(db);
    server = await buildApp({ db, adminToken: ADMIN, forwarder: false, sandbox: { latencyMs: [1, 2] }, wallet: { demoSignIn: true } });
    url = await server.app.listen({ host: '127.0.0.1', port: 0 });
  });
  after(async () => {
    await server?.app.close();
    await db?.close();
  });

  async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
    const res = await fetch(url + path, {
      method,
      headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    return { status: res.status, json: text ? JSON.parse(text) : undefined, headers: res.headers };
  }
  const admin = { authorization: `Bearer ${ADMIN}` };
  const setPolicy = (siteId: string, body: unknown, headers: Record<string, string> = admin) => call('PUT', `/admin/sites/${siteId}/approval-policy`, body, headers);

  async function gatewayOf(siteId: string): Promise<string> {
    const r = await call('POST', '/admin/gateways', { siteId, name: `kiosk of ${siteId}` }, admin);
    assert.equal(r.status, 201, JSON.stringify(r.json));
    return r.json.credential as string;
  }
  let n = 0;
  async function requestToPay(credential: string, userId: string, payee = { id: 'payee-cafe', name: 'Lobby cafe' }): Promise<string> {
    const r = await call('POST', '/v1/payment-requests', { to: { userId }, amount: 4_500, currency: 'KRW', payee }, { authorization: `Bearer ${credential}`, 'idempotency-key': `policy-test-${++n}` });
    assert.equal(r.status, 201, JSON.stringify(r.json));
    return r.json.request.id as string;
  }
  /** A signed-in phone of the seeded resident: its cookie and CSRF token. */
  async function phoneOf(userId: string): Promise<Record<string, string>> {
    const r = await call('POST', '/wallet/api/demo/sign-in', { userId });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    return { cookie: r.headers.get('set-cookie')!.split(';')[0]!, 'x-csrf-token': r.json.csrfToken };
  }
  const approveWithPassword = (phone: Record<string, string>, id: string) =>
    call('POST', `/wallet/api/requests/${id}/approve`, { proof: { method: 'password', password: DEMO_PAYMENT_PASSWORD } }, phone);
  const stored = async (id: string) =>
    (await db.query<{ state: string; approval_method: string | null; answered_by: string | null }>('SELECT state, approval_method, answered_by FROM payment_requests WHERE id = $1', [id])).rows[0]!;

  it('the operator sets and reads a policy; a site never set requires nothing', async () => {
    const unset = await call('GET', '/admin/sites/site-unset/approval-policy', undefined, admin);
    assert.equal(unset.status, 200);
    assert.deepEqual(unset.json, { siteId: 'site-unset', requirePasskey: false, updatedAt: null });
    const on = await setPolicy('site-strict', { requirePasskey: true });
    assert.equal(on.status, 200, JSON.stringify(on.json));
    assert.equal(on.json.requirePasskey, true);
    assert.ok(!Number.isNaN(Date.parse(on.json.updatedAt)));
    const read = await call('GET', '/admin/sites/site-strict/approval-policy', undefined, admin);
    assert.deepEqual(read.json, on.json);
  });

  it('refuses bad input with 400 and no admin token with 401, and changes nothing', async () => {
    await setPolicy('site-guarded', { requirePasskey: false });
    const before = (await call('GET', '/admin/sites/site-guarded/approval-policy', undefined, admin)).json;
    for (const body of [{ requirePasskey: 'true' }, { requirePasskey: 1 }, { requirePasskey: true, siteId: 'other' }, {}, [true]]) {
      const r = await setPolicy('site-guarded', body);
      assert.equal(r.status, 400, `${JSON.stringify(body)} -> ${r.status} ${JSON.stringify(r.json)}`);
    }
    assert.equal((await setPolicy('bad site!', { requirePasskey: true })).status, 400);
    assert.equal((await setPolicy('site-guarded', { requirePasskey: true }, {})).status, 401);
    assert.equal((await setPolicy('site-guarded', { requirePasskey: true }, { authorization: 'Bearer wrong' })).status, 401);
    assert.equal((await call('GET', '/admin/sites/site-guarded/approval-policy')).status, 401);
    assert.deepEqual((await call('GET', '/admin/sites/site-guarded/approval-policy', undefined, admin)).json, before);
  });

  it("a site requiring a passkey: its gateway's request refuses the payment password and stays pending", async () => {
    const resident = demo.users[0]!.userId;
    const gateway = await gatewayOf('site-strict');
    assert.equal((await setPolicy('site-strict', { requirePasskey: true })).status, 200);
    const id = await requestToPay(gateway, resident);
    const phone = await phoneOf(resident);
    const refused = await approveWithPassword(phone, id);
    assert.equal(refused.status, 403, JSON.stringify(refused.json));
    assert.equal(refused.json.code, 'APPROVAL_PASSKEY_REQUIRED');
    assert.deepEqual(await stored(id), { state: 'pending', approval_method: null, answered_by: null });
    const seen = await call('GET', `/v1/payment-requests/${id}`, undefined, { authorization: `Bearer ${gateway}` });
    assert.equal(seen.json.request.state, 'pending', 'the gateway still sees it pending');
    // The policy is read at answer time: turned off, the same request takes the password.
    await setPolicy('site-strict', { requirePasskey: false });
    const approved = await approveWithPassword(phone, id);
    assert.equal(approved.status, 200, JSON.stringify(approved.json));
    assert.equal(approved.json.request.approvalMethod, 'password');
  });

  it('a site with the policy off (or never set) takes the password, recorded as the method', async () => {
    const resident = demo.users[1]!.userId;
    const phone = await phoneOf(resident);
    for (const siteId of ['site-lenient', 'site-never-set']) {
      if (siteId === 'site-lenient') assert.equal((await setPolicy(siteId, { requirePasskey: false })).status, 200);
      const gateway = await gatewayOf(siteId);
      const id = await requestToPay(gateway, resident);
      const approved = await approveWithPassword(phone, id);
      assert.equal(approved.status, 200, JSON.stringify(approved.json));
      assert.equal(approved.json.request.state, 'approved');
      assert.equal(approved.json.request.approvalMethod, 'password');
      assert.deepEqual(await stored(id), { state: 'approved', approval_method: 'password', answered_by: resident });
    }
  });

  it("a merchant's request has no site and needs no passkey, even when every site would", async () => {
    await setPolicy('site-strict', { requirePasskey: true });
    const merchant = await call('POST', '/admin/merchants', { name: 'Online shop' }, admin);
    assert.equal(merchant.status, 201);
    const resident = demo.users[2]!.userId;
    // A merchant may only ask to be paid itself.
    const id = await requestToPay(merchant.json.credential, resident, { id: merchant.json.merchantId, name: 'Online shop' });
    const approved = await approveWithPassword(await phoneOf(resident), id);
    assert.equal(approved.status, 200, JSON.stringify(approved.json));
    assert.equal(approved.json.request.approvalMethod, 'password');
  });

  it('describes the routes in the OpenAPI document', async () => {
    const doc = (await call('GET', '/openapi.json')).json as { paths: Record<string, { get?: unknown; put?: unknown }> };
    const path = doc.paths['/admin/sites/{siteId}/approval-policy'];
    assert.ok(path?.get && path.put, 'OpenAPI has GET and PUT of the approval policy');
  });
});
