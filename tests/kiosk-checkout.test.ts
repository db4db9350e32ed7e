/**
 * The kiosk checkout end to end with real parts: the server (PGlite, sandbox
 * acquirer) and the gateway as startGatewayRuntime wires it (ledger and sync,
 * the device bus with the card terminal simulator in its own process). Online approved and declined (by the
 * terminal and by the acquirer); offline stored within the limits and refused
 * at each boundary; after reconnection each stored payment is forwarded and
 * the declined one is listed for the operator.
 */
import { describe, it, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serverTesting, startServer, type RunningServer } from '../server/index.ts';
import type { GatewaySync, Ledger } from '../sync/index.ts';
import { startGatewayRuntime, type GatewayRuntime, type KioskCheckout } from '../edge-services/index.ts';
import { renderErrorMessage } from '../core/index.ts';
import { freePort, until } from './support/wait.ts';
import { adminClient } from './support/admin.ts';

const ADMIN = 'kiosk-admin-token-0123456789';
const SITE = 'kiosk-site';

describe('kiosk checkout', () => {
  let root: string;
  let port: number;
  let server: RunningServer | undefined;
  let ledger: Ledger;
  let sync: GatewaySync;
  let runtime: GatewayRuntime;
  let kiosk: KioskCheckout;

  const start = () => startServer({ adminToken: ADMIN, port, pgliteDir: join(root, 'server'), sandbox: { latencyMs: [2, 8] } });

  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'edgepay-kiosk-'));
    port = await freePort();
    server = await start();
    const admin = adminClient(server.url, ADMIN);
    const gw = await admin('/admin/gateways', { siteId: SITE, name: 'kiosk' });
    const now = new Date().toISOString();
    await admin(
      `/admin/sites/${SITE}/sites`,
      [
        {
          id: SITE,
          name: 'Kiosk test store',
          timezone: 'Asia/Seoul',
          currency: 'KRW',
          locale: 'ko-KR',
          updatedAt: now,
          offlineLimits: { perPayment: [{ amount: 20_000, currency: 'KRW' }], totalStored: [{ amount: 31_077, currency: 'KRW' }], maxAgeMinutes: 60 },
        },
      ],
      'PUT',
    );
    const product = (id: string, barcode: string, amount: number) => ({ id, siteId: SITE, sku: id.toUpperCase(), barcode, name: id, price: { amount, currency: 'KRW' }, active: true, updatedAt: now });
    await admin(
      `/admin/sites/${SITE}/products`,
      [
        product('tea', '8800000000011', 1500),
        product('lunch', '8800000000028', 15_000),
        product('terminal-decline', '8800000000035', 1051), // the terminal simulator declines amounts ending in 51
        product('acquirer-decline', '8800000000042', 1077), // the sandbox acquirer declines amounts ending in 77
        product('terminal-timeout', '8800000000059', 1099), // the terminal simulator waits for a card that never comes on amounts ending in 99
      ],
      'PUT',
    );

    runtime = await startGatewayRuntime({
      dataDir: join(root, 'gateway'),
      siteId: SITE,
      gatewayId: gw.gatewayId,
      server: { url: server.url, credential: gw.credential, backoff: { initialMs: 100, maxMs: 300 } },
      devices: { simulators: { only: ['card-terminal'], options: { 'card-terminal': { stepMs: 5 } } } },
      awaitCardTerminal: true,
      operatorPin: '135790',
    });
    ({ kiosk } = runtime);
    ledger = runtime.gateway.ledger;
    sync = runtime.gateway.sync!;
    await until('catalogue and site on the gateway', async () => (await ledger.db.products.count().exec()) === 5 && (await ledger.db.sites.findOne(SITE).exec()) !== null);
  });

  // Every payment the kiosk makes has its transfers in the server's ledger (while the server is up).
  afterEach(async () => {
    if (server) await serverTesting.assertLedgerBalanced(server.db);
  });

  after(async () => {
    await runtime?.stop();
    await server?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('online: approved and captured, with only BIN and last 4 of the card kept', { timeout: 60_000 }, async () => {
    await kiosk.scan('8800000000011');
    await kiosk.scan('8800000000011');
    const r = await kiosk.pay();
    assert.equal(r.state, 'approved', JSON.stringify(r));
    assert.ok(r.state === 'approved');
    assert.equal(r.payment.amount, 3000);
    assert.equal(r.payment.status, 'captured');
    assert.deepEqual(Object.keys(r.payment.cardDisplay!).sort(), ['bin', 'last4']);
    assert.equal(kiosk.basket.lines.length, 0, 'the basket is cleared after a sale');
    await until('the outcome replicated to the ledger', async () => (await ledger.db.payments.findOne(r.payment.id).exec())?.status === 'captured');
  });

  it('online: declined by the terminal, and declined by the acquirer', { timeout: 60_000 }, async () => {
    kiosk.clear();
    await kiosk.scan('8800000000035');
    const atTerminal = await kiosk.pay();
    assert.equal(atTerminal.state, 'declined');
    assert.ok(atTerminal.state === 'declined' && /insufficient/.test(atTerminal.reason));
    kiosk.clear();
    await kiosk.scan('8800000000042');
    const atAcquirer = await kiosk.pay();
    assert.equal(atAcquirer.state, 'declined');
    assert.ok(atAcquirer.state === 'declined' && atAcquirer.reason === 'do-not-honor' && atAcquirer.payment?.status === 'declined');
    kiosk.clear();
    await assert.rejects(kiosk.scan('0000000000000'), (e: any) => e.code === 'CHECKOUT_PRODUCT_UNKNOWN');
  });

  it("online: a card that never comes fails with the registry's code and message, and nothing is recorded", { timeout: 60_000 }, async () => {
    kiosk.clear();
    await kiosk.scan('8800000000059');
    const before = await ledger.db.payments.count().exec();
    const r = await kiosk.pay();
    assert.deepEqual(r, { state: 'failed', code: 'CHECKOUT_CARD_TIMEOUT', message: renderErrorMessage('CHECKOUT_CARD_TIMEOUT') });
    assert.equal(await ledger.db.payments.count().exec(), before, 'no payment without a card');
    kiosk.clear();
  });

  it('online payments reached the server once, as ledger documents by replication; HTTP only named them', { timeout: 30_000 }, async () => {
    // Money requests take one path (README "Money requests: one path"): no call carried a payment.
    const metrics = await (await fetch(server!.url + '/metrics')).text();
    const calls = (route: string) =>
      metrics
        .split('\n')
        .filter((l) => l.startsWith('edgepay_http_requests_total') && l.includes(`route="${route}"`))
        .reduce((n, l) => n + Number(l.split(' ').at(-1)), 0);
    assert.equal(calls('/payments/authorise'), 0, 'no call carried a payment');
    assert.equal(calls('/payments/:paymentId/authorise'), 2, 'one decide-now call per online payment the terminal approved');
    const received = await server!.db.query<{ n: string }>("SELECT COUNT(*) AS n FROM audit_log WHERE action = 'payment.received'");
    assert.equal(Number(received.rows[0]!.n), 2, 'each received once');
  });

  it('offline: stores within the limits, refuses past each limit before the card is charged', { timeout: 60_000 }, async () => {
    await server!.close();
    server = undefined;
    await until('the gateway sees it is offline', () => !sync.online);
    const countPayments = () => ledger.db.payments.count().exec();

    const pay = async (...barcodes: string[]) => {
      kiosk.clear();
      for (const b of barcodes) await kiosk.scan(b);
      return kiosk.pay();
    };
    assert.equal((await pay('8800000000028')).state, 'stored'); // 15,000 stored
    const before = await countPayments();
    const perPayment = await pay('8800000000028', '8800000000028'); // 30,000 > 20,000
    assert.ok(perPayment.state === 'refused' && perPayment.limit === 'per-payment', JSON.stringify(perPayment));
    assert.equal(await countPayments(), before, 'a refusal records nothing');
    assert.equal((await pay('8800000000042')).state, 'stored'); // 16,077 stored
    assert.equal((await pay('8800000000028')).state, 'stored'); // 31,077 stored: exactly the limit
    const total = await pay('8800000000011'); // 32,577 > 31,077
    assert.ok(total.state === 'refused' && total.limit === 'total-stored', JSON.stringify(total));
    const unsent = await kiosk.unsent();
    assert.deepEqual(
      unsent.map((p) => p.amount),
      [15_000, 1077, 15_000],
    );
    const status = await sync.status();
    assert.equal(status.online, false);
    assert.ok(status.pending.count >= 3);
  });

  it('after reconnection forwards each stored payment once and lists the declined one for the operator', { timeout: 90_000 }, async () => {
    server = await start();
    await until(
      'stored payments forwarded and decided',
      async () => (await kiosk.unsent()).length === 0 && (await ledger.db.payments.find({ selector: { status: 'forwarded' } }).exec()).length === 0,
      60_000,
    );
    const declined = await kiosk.declinedAfterForward();
    assert.deepEqual(
      declined.map((p) => [p.amount, p.declineReason]),
      [[1077, 'do-not-honor']],
    );
    const offline = await ledger.db.payments.find({ selector: { offline: true } }).exec();
    assert.deepEqual(offline.map((p) => p.status).sort(), ['captured', 'captured', 'declined']);
    const charges = await server.db.query<{ n: string }>("SELECT COUNT(*) AS n FROM sandbox_acquirer_transactions WHERE operation = 'authorise'");
    // 2 online authorisations that reached the acquirer + 3 forwarded ones.
    assert.equal(Number(charges.rows[0]!.n), 5);
  });
});
