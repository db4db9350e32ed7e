/**
 * The gateway's sync against a real server (in this process, on PGlite):
 * offline recording and catch-up, the status for the console, convergence of
 * two gateways of one site, isolation of another site, and resuming from
 * checkpoints after a restart without pushing again.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CollectionRegistry, edgePayCollections, type PaymentDoc } from '../core/index.ts';
import { serverTesting, startServer, type RunningServer } from '../server/index.ts';
import { GatewaySync, openLedger, type Ledger } from '../sync/index.ts';
import { freePort, until } from './support/wait.ts';
import { adminClient } from './support/admin.ts';

const ADMIN = 'sync-test-admin-token-0123';

// Up to three ledgers are open at once here, and RxDB's open-source build allows 16
// collections per process: requests to pay (tested in payment-request-outcomes) are left out.
const COLLECTIONS = new CollectionRegistry(edgePayCollections.list().filter((c) => c.name !== 'payment-requests'));

/** The server tests' offline kiosk sale, of `amount`, as the ledger stores it (no `_deleted`). */
function payment(siteId: string, gatewayId: string, amount: number, currency: 'KRW' | 'USD' = 'KRW'): PaymentDoc {
  const { _deleted: _, ...doc } = serverTesting.testPayment(siteId, gatewayId, { amount, currency, lineItems: [{ name: 'item', quantity: 1, unitAmount: amount, lineAmount: amount }] });
  return doc;
}

type Gw = { id: string; siteId: string; credential: string; ledger: Ledger; sync: GatewaySync; dir: string };

describe('gateway sync with the server', () => {
  let root: string;
  let port: number;
  let server: RunningServer | undefined;
  const gateways: Gw[] = [];

  const admin = adminClient(() => `http://127.0.0.1:${port}`, ADMIN);
  const serverDocs = async (collection: string) => (await server!.db.query<{ id: string; data: any }>('SELECT id, data FROM documents WHERE collection = $1', [collection])).rows;
  const pushedRows = async () => {
    const text = await server!.metrics.registry.getSingleMetricAsString('edgepay_sync_pushed_documents_total');
    return [...text.matchAll(/outcome="written"} (\d+)/g)].reduce((a, m) => a + Number(m[1]), 0);
  };
  const openGateway = async (g: Omit<Gw, 'ledger' | 'sync'>): Promise<Gw> => {
    // RxDB refuses two open databases of one name in one process: one name per gateway.
    const ledger = await openLedger({ directory: g.dir, name: 'ledger-' + g.dir.split('/').pop(), collections: COLLECTIONS });
    const sync = new GatewaySync(ledger.db as any, {
      collections: COLLECTIONS,
      serverUrl: `http://127.0.0.1:${port}`,
      credential: g.credential,
      backoff: { initialMs: 100, maxMs: 400 },
    });
    sync.start();
    return { ...g, ledger, sync };
  };

  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'edgepay-sync-'));
    port = await freePort();
  });
  after(async () => {
    for (const g of gateways) {
      await g.sync.stop();
      await g.ledger.close();
    }
    await server?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('records while the server is down, shows it in the status, and catches up once it answers', { timeout: 60_000 }, async () => {
    // Enrol on a first server run, then stop it: the gateway starts offline.
    server = await startServer({ adminToken: ADMIN, port, pgliteDir: join(root, 'server-db') });
    const enrolled = await admin('/admin/gateways', { siteId: 'site-1', name: 'kiosk 1' });
    await server.close();
    server = undefined;

    const gw = await openGateway({ id: enrolled.gatewayId, siteId: 'site-1', credential: enrolled.credential, dir: join(root, 'gw1') });
    gateways.push(gw);
    const docs = [payment('site-1', gw.id, 1200), payment('site-1', gw.id, 800), payment('site-1', gw.id, 999, 'USD')];
    await gw.ledger.db.payments.bulkInsert(docs);

    await until('an offline status with an error', async () => (await gw.sync.status()).lastError !== undefined);
    const offline = await gw.sync.status();
    assert.equal(offline.online, false);
    assert.equal(offline.pending.count, 3);
    assert.deepEqual(
      [...offline.pending.sums].sort((a, b) => a.currency.localeCompare(b.currency)).map((m) => [m.currency, m.amount]),
      [
        ['KRW', 2000],
        ['USD', 999],
      ],
    );
    assert.ok(offline.nextAttemptAt, 'says when it tries again');

    server = await startServer({ adminToken: ADMIN, port, pgliteDir: join(root, 'server-db') });
    await until('the server holds the payments', async () => (await serverDocs('payments')).length === 3);
    await until('the server receipts came back down', async () => (await gw.sync.status()).pending.count === 0);
    const online = await gw.sync.status();
    assert.equal(online.online, true);
    assert.ok(online.lastSuccessAt);
    assert.deepEqual((await serverDocs('payments')).map((r) => r.id).sort(), docs.map((d) => d.id).sort());
  });

  it('brings catalogue and site settings down and converges two gateways of one site; another site sees none', { timeout: 60_000 }, async () => {
    const e2 = await admin('/admin/gateways', { siteId: 'site-1', name: 'kiosk 2' });
    const e3 = await admin('/admin/gateways', { siteId: 'site-2', name: 'other store' });
    const gw2 = await openGateway({ id: e2.gatewayId, siteId: 'site-1', credential: e2.credential, dir: join(root, 'gw2') });
    const gw3 = await openGateway({ id: e3.gatewayId, siteId: 'site-2', credential: e3.credential, dir: join(root, 'gw3') });
    gateways.push(gw2, gw3);
    const gw1 = gateways[0]!;

    await admin(
      '/admin/sites/site-1/products',
      [{ id: 'p-tea', siteId: 'site-1', sku: 'TEA', barcode: '8800000000017', name: 'Tea', price: { amount: 1500, currency: 'KRW' }, active: true, updatedAt: new Date().toISOString() }],
      'PUT',
    );
    const p2 = payment('site-1', gw2.id, 4200);
    await gw2.ledger.db.payments.insert(p2);

    for (const g of [gw1, gw2]) {
      await until('product on ' + g.id, async () => (await g.ledger.db.products.findOne('p-tea').exec()) !== null);
      await until('4 payments on ' + g.id, async () => (await g.ledger.db.payments.count().exec()) === 4);
    }
    const ids = async (g: Gw) => (await g.ledger.db.payments.find().exec()).map((d) => d.id).sort();
    assert.deepEqual(await ids(gw1), await ids(gw2));

    await gw3.sync.awaitInSync();
    assert.equal(await gw3.ledger.db.payments.count().exec(), 0);
    assert.equal(await gw3.ledger.db.products.count().exec(), 0);
  });

  it('resumes from its checkpoints after a restart without pushing again what the server has', { timeout: 60_000 }, async () => {
    const gw1 = gateways[0]!;
    await gw1.sync.awaitInSync();
    const before = await pushedRows();
    await gw1.sync.stop();
    await gw1.ledger.close();
    const reopened = await openGateway({ id: gw1.id, siteId: gw1.siteId, credential: gw1.credential, dir: gw1.dir });
    gateways[0] = reopened;
    await until('online again', () => reopened.sync.online);
    await reopened.sync.awaitInSync();
    const fresh = payment('site-1', gw1.id, 100);
    await reopened.ledger.db.payments.insert(fresh);
    await until('the new payment reached the server', async () => (await serverDocs('payments')).some((r) => r.id === fresh.id));
    assert.equal((await pushedRows()) - before, 1, 'only the new payment was pushed');
  });
});
