/**
 * The gateway's local API over HTTP + WebSocket with the real store behind
 * it: kiosk basket and payment, operator sign-in and the console's reads,
 * origin and session checks, live events, and the network switch taking the
 * gateway offline (a payment stored) and back (forwarded, unsent drains).
 */
import { describe, it, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import WebSocket from 'ws';
import type { GatewayEvent, KioskState, PayOutcome, PaymentDoc, ServerMessage } from '../../core/index.ts';
import { ITEMS, PIN, startStore, until, type Store } from './harness.ts';
import { serverTesting } from '../../server/index.ts';

describe('gateway API (HTTP + WebSocket)', () => {
  let store: Store;
  let base: string;
  let token = '';
  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(base + path, {
      method,
      headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...(token ? { authorization: 'Bearer ' + token } : {}), ...headers },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  };

  before(async () => {
    store = await startStore();
    base = store.api.url;
  });
  // The payments this API makes have their transfers in the server's ledger.
  afterEach(() => serverTesting.assertLedgerBalanced(store.server.db));
  after(async () => {
    await store?.stop();
  });

  it('kiosk: scan, quantity, remove, clear; unknown barcode is a 404 with a code', { timeout: 60_000 }, async () => {
    let r = await call('POST', '/api/kiosk/scan', { barcode: ITEMS.water.barcode });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    r = await call('POST', '/api/kiosk/scan', { barcode: ITEMS.coffee.barcode });
    const state = r.body as KioskState;
    assert.equal(state.itemCount, 2);
    assert.deepEqual(state.total, { amount: 2700, currency: 'KRW' });
    assert.equal(state.online, true);
    r = await call('POST', '/api/kiosk/quantity', { productId: 'p-water', quantity: 3 });
    assert.equal((r.body as KioskState).total.amount, 900 * 3 + 1800);
    r = await call('POST', '/api/kiosk/remove', { productId: 'p-coffee' });
    assert.deepEqual(
      (r.body as KioskState).basket.lines.map((l) => l.productId),
      ['p-water'],
    );
    r = await call('POST', '/api/kiosk/scan', { barcode: '0000000000000' });
    assert.equal(r.status, 404);
    assert.equal(r.body.code, 'CHECKOUT_PRODUCT_UNKNOWN');
    r = await call('POST', '/api/kiosk/clear', {});
    assert.equal((r.body as KioskState).itemCount, 0);
    r = await call('POST', '/api/kiosk/pay', {});
    assert.equal(r.status, 400);
    assert.equal(r.body.code, 'CHECKOUT_EMPTY');
    r = await call('POST', '/api/kiosk/scan', '{not json', {});
    assert.equal(r.status, 400);
  });

  it('refuses other origins and hosts, and console calls without a session', { timeout: 30_000 }, async () => {
    let r = await call('POST', '/api/kiosk/scan', { barcode: ITEMS.water.barcode }, { origin: 'https://evil.example' });
    assert.equal(r.status, 403);
    assert.equal(r.body.code, 'GATEWAY_API_ORIGIN_FORBIDDEN');
    // fetch may not set Host: a raw request plays the DNS-rebinding page.
    const rebound = await new Promise<number>((resolve, reject) =>
      request(base + '/api/kiosk/state', { headers: { host: 'rebound.example:80' } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      })
        .on('error', reject)
        .end(),
    );
    assert.equal(rebound, 403);
    r = await call('GET', '/api/console/overview');
    assert.equal(r.status, 401);
    assert.equal(r.body.code, 'GATEWAY_API_SESSION_REQUIRED');
    r = await call('POST', '/api/console/session', { pin: '000000' });
    assert.equal(r.status, 401);
    assert.equal(r.body.code, 'GATEWAY_API_SIGN_IN_FAILED');
    r = await call('GET', '/api/nothing-here');
    assert.equal(r.body.code, 'GATEWAY_API_NOT_FOUND');
  });

  it('console: sign in, overview, devices, site limits, filters', { timeout: 30_000 }, async () => {
    const r = await call('POST', '/api/console/session', { pin: PIN });
    assert.equal(r.status, 200);
    token = r.body.token;
    const overview = (await call('GET', '/api/console/overview')).body;
    assert.equal(overview.site.siteId, 'ui-store');
    assert.deepEqual(overview.site.offlineLimits.perPayment, [{ amount: 50_000, currency: 'KRW' }]);
    assert.equal(overview.sync.online, true);
    assert.deepEqual(overview.network, { enabled: true });
    assert.ok(
      overview.devices.some((d: any) => d.deviceId === 'terminal-1' && d.driver?.state === 'running'),
      JSON.stringify(overview.devices),
    );
    const bad = await call('GET', '/api/console/payments?status=nonsense');
    assert.equal(bad.status, 400);
    assert.equal(bad.body.code, 'REQUEST_INVALID');
  });

  it('live events, a payment online, the cable pulled (stored), restored (forwarded)', { timeout: 120_000 }, async () => {
    const events: GatewayEvent[] = [];
    const consoleEvents: GatewayEvent[] = [];
    const open = (onEvent: (e: GatewayEvent) => void, auth?: string) =>
      new Promise<WebSocket>((resolve, reject) => {
        const ws = new WebSocket(base.replace('http', 'ws') + '/api/events');
        ws.on('message', (d) => {
          const m = JSON.parse(String(d)) as ServerMessage;
          if (m.type === 'event') onEvent(m.event);
          if (m.type === 'auth') resolve(ws);
        });
        ws.on('open', () => (auth ? ws.send(JSON.stringify({ type: 'auth', token: auth })) : resolve(ws)));
        ws.on('error', reject);
      });
    const kioskWs = await open((e) => events.push(e));
    const consoleWs = await open((e) => consoleEvents.push(e), token);
    try {
      const foreign = new WebSocket(base.replace('http', 'ws') + '/api/events', { headers: { origin: 'https://evil.example' } });
      await new Promise<void>((resolve) => foreign.on('error', () => resolve()).on('unexpected-response', () => resolve()));
      foreign.terminate();

      await call('POST', '/api/kiosk/scan', { barcode: ITEMS.kimbap.barcode });
      await until('basket event', () => events.some((e) => e.type === 'kiosk' && e.state.itemCount === 1));
      const paid = (await call('POST', '/api/kiosk/pay', {})).body as PayOutcome;
      assert.equal(paid.state, 'approved', JSON.stringify(paid));
      assert.ok(events.some((e) => e.type === 'payment' && e.phase === 'waiting'));
      assert.ok(events.some((e) => e.type === 'payment' && e.phase === 'done' && e.outcome.state === 'approved'));
      assert.ok(!events.some((e) => e.type === 'sync' || e.type === 'devices'), 'the kiosk gets no console events');

      const off = await call('PUT', '/api/console/network', { enabled: false });
      assert.deepEqual(off.body, { enabled: false });
      await until('gateway offline', async () => (await call('GET', '/api/console/sync')).body.online === false);
      await until('console told', () => consoleEvents.some((e) => e.type === 'sync' && e.status?.online === false));
      await call('POST', '/api/kiosk/scan', { barcode: ITEMS.coffee.barcode });
      const stored = (await call('POST', '/api/kiosk/pay', {})).body as PayOutcome;
      assert.equal(stored.state, 'stored', JSON.stringify(stored));
      const unsent = (await call('GET', '/api/console/unsent')).body;
      assert.deepEqual(unsent, { count: 1, sums: [{ amount: 1800, currency: 'KRW' }] });
      await until('kiosk banner data', () => events.some((e) => e.type === 'kiosk' && !e.state.online && e.state.unsent.count === 1));
      await call('POST', '/api/kiosk/scan', { barcode: ITEMS.big.barcode });
      const refused = (await call('POST', '/api/kiosk/pay', {})).body as PayOutcome;
      assert.deepEqual(refused, { state: 'refused', code: 'OFFLINE_LIMIT_EXCEEDED', limit: 'per-payment' });
      await call('POST', '/api/kiosk/clear', {});

      await call('PUT', '/api/console/network', { enabled: true });
      await until('unsent drained', async () => (await call('GET', '/api/console/unsent')).body.count === 0, 60_000);
      const offline = (await call('GET', '/api/console/payments?offline=true')).body as PaymentDoc[];
      assert.equal(offline.length, 1);
      await until('forwarded payment decided', async () => ['captured', 'authorised'].includes(((await call('GET', `/api/console/payments/${offline[0]!.id}`)).body as PaymentDoc).status), 60_000);
      const detail = (await call('GET', `/api/console/payments/${offline[0]!.id}`)).body as PaymentDoc;
      assert.deepEqual(detail.statusHistory.map((h) => h.status).slice(0, 2), ['stored', 'forwarded']);
      assert.equal((detail as { token?: string }).token, undefined, 'the console never sees the card token');
      const all = (await call('GET', '/api/console/payments?limit=10')).body as PaymentDoc[];
      assert.equal(all.length, 2);
      assert.ok(all[0]!.createdAt >= all[1]!.createdAt, 'newest first');
    } finally {
      kioskWs.terminate();
      consoleWs.terminate();
    }
  });
});
