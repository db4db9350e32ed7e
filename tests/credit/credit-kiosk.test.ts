/**
 * Pay later at the kiosk, through its gateway: the basket goes from the
 * gateway's API (`POST /api/kiosk/pay-later`, over HTTP as the kiosk page
 * calls it) to the PG as the store's signed order naming the buyer's phone;
 * the buyer confirms on the phone; the kiosk follows it to `authorised`.
 * An unknown phone and a buyer over the limit are refused; a gateway without
 * a pay-later merchant says so. Real server (PostgreSQL or PGlite), real
 * gateway runtime (ledger, sync), HTTP.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { exportJWK, generateKeyPair } from 'jose';
import { CREDIT_PATHS } from '../../core/index.ts';
import { startGatewayRuntime, type GatewayRuntime } from '../../edge-services/index.ts';
import { serverTesting, wallet as walletCtx } from '../../server/index.ts';
import { until } from '../support/wait.ts';
import { startCreditTestServer, type CreditTestServer } from './server.ts';
import { ADMIN_TOKEN, admin, http, Phone } from './support.ts';

const SITE = 'credit-kiosk-site';
const SHOPPER_PHONE = '010-3456-7890';

describe('pay later at the kiosk', { timeout: 120_000 }, () => {
  let server: CreditTestServer;
  let drop: () => Promise<void>;
  let runtime: GatewayRuntime;
  let root: string;
  let kioskApi: string;
  let phone: Phone;

  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'edgepay-credit-kiosk-'));
    const pg = await serverTesting.freshPostgres();
    drop = pg.drop;
    server = await startCreditTestServer({ databaseUrl: pg.databaseUrl, adminToken: ADMIN_TOKEN });
    const demo = await walletCtx.seedDemoWallet(server.db);
    const shopper = demo.users.find((u) => u.role === 'shopper')!;
    await admin(server.url, 'PUT', CREDIT_PATHS.adminBuyer(shopper.userId), { currency: 'KRW', limit: 100_000, score: 700 });
    phone = new Phone(server.url, shopper.userId);
    await phone.signIn();
    const gw = await admin(server.url, 'POST', '/admin/gateways', { siteId: SITE, name: 'kiosk' });
    const now = new Date().toISOString();
    await admin(server.url, 'PUT', `/admin/sites/${SITE}/sites`, [
      { id: SITE, name: 'Kiosk store', timezone: 'Asia/Seoul', currency: 'KRW', locale: 'ko-KR', updatedAt: now, offlineLimits: { perPayment: [], totalStored: [], maxAgeMinutes: 60 } },
    ]);
    const product = (id: string, barcode: string, amount: number) => ({ id, siteId: SITE, sku: id.toUpperCase(), barcode, name: id, price: { amount, currency: 'KRW' }, active: true, updatedAt: now });
    await admin(server.url, 'PUT', `/admin/sites/${SITE}/products`, [product('headphones', '8800000000011', 60_000), product('cable', '8800000000028', 15_000)]);
    // The store as a merchant of the PG: its credential and its key, given to the gateway.
    const { merchantId, credential } = await admin(server.url, 'POST', '/admin/merchants', { name: 'Kiosk store' });
    const pair = await generateKeyPair('ES256', { extractable: true });
    assert.equal((await http(server.url + CREDIT_PATHS.merchantKey, 'PUT', { jwk: await exportJWK(pair.publicKey) }, { authorization: `Bearer ${credential}` })).status, 200);
    runtime = await startGatewayRuntime({
      dataDir: join(root, 'gateway'),
      siteId: SITE,
      gatewayId: gw.gatewayId,
      server: { url: server.url, credential: gw.credential, backoff: { initialMs: 100, maxMs: 300 } },
      operatorPin: '135790',
      http: { port: 0 },
      payLater: { merchantId, merchantCredential: credential, privateJwk: await exportJWK(pair.privateKey), storeName: 'Kiosk store' },
    });
    kioskApi = runtime.api!.url;
    const ledger = runtime.gateway.ledger;
    await until('catalogue on the gateway', async () => (await ledger.db.products.count().exec()) === 2);
  });

  after(async () => {
    await runtime?.stop();
    if (server) {
      await serverTesting.assertLedgerBalanced(server.db);
      await server.close();
    }
    await drop?.();
    rmSync(root, { recursive: true, force: true });
  });

  const kiosk = (method: string, path: string, body?: unknown) => http(kioskApi + path, method, body);

  it('the basket is ordered on pay later; the buyer confirms on the phone; the kiosk sees it authorised', async () => {
    assert.equal((await kiosk('POST', '/api/kiosk/scan', { barcode: '8800000000011' })).status, 200);
    assert.equal((await kiosk('POST', '/api/kiosk/scan', { barcode: '8800000000028' })).status, 200);
    const started = await kiosk('POST', '/api/kiosk/pay-later', { buyerPhone: SHOPPER_PHONE, instalments: 3 });
    assert.equal(started.status, 200, JSON.stringify(started.body));
    assert.equal(started.body.state, 'awaiting-buyer');
    assert.equal(started.body.amount, 75_000);
    assert.match(started.body.approvalNumber, /^AP-/);
    assert.equal((await kiosk('GET', '/api/kiosk/state')).body.basket.lines.length, 0, 'the sale went to pay later');
    const onPhone = (await phone.credit()).loans.find((l: any) => l.id === started.body.loanId);
    assert.deepEqual(
      onPhone.items.map((i: any) => [i.name, i.amount]),
      [
        ['headphones', 60_000],
        ['cable', 15_000],
      ],
    );
    assert.equal((await phone.approve(onPhone.paymentRequestId)).status, 200);
    await until('authorised at the kiosk', async () => (await kiosk('GET', `/api/kiosk/pay-later/${started.body.loanId}`)).body.state === 'authorised', 10_000);
  });

  it('an unknown phone and a basket over the limit are refused', async () => {
    await kiosk('POST', '/api/kiosk/scan', { barcode: '8800000000011' });
    const unknown = await kiosk('POST', '/api/kiosk/pay-later', { buyerPhone: '010-0000-0001', instalments: 3 });
    assert.deepEqual([unknown.status, unknown.body.code], [422, 'CREDIT_BUYER_UNKNOWN']);
    // 25,000 of 100,000 left: 60,000 is over the limit; the basket stays for another way to pay.
    const over = await kiosk('POST', '/api/kiosk/pay-later', { buyerPhone: SHOPPER_PHONE, instalments: 3 });
    assert.deepEqual([over.status, over.body.state, over.body.declineReason], [200, 'declined', 'over-limit']);
    assert.equal((await kiosk('GET', '/api/kiosk/state')).body.basket.lines.length, 1);
    const bad = await kiosk('POST', '/api/kiosk/pay-later', { buyerPhone: SHOPPER_PHONE, instalments: 5 });
    assert.equal(bad.body.code, 'CREDIT_PLAN_UNSUPPORTED');
  });
});
