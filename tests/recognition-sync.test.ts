/**
 * Recognition across a site, end to end: gateway A (real ledger on the SQLite
 * storage with schema validation, real sync) learns a product from the
 * evaluation set's views; the enrolment replicates through the server (PGlite)
 * to gateway B of the same site, which then recognises the product in a test
 * view it never saw enrolled; a gateway of another site gets nothing. The
 * catalogue pushed by the operator reaches the matcher as barcode lookups, and
 * forgetting a product on B removes it from A too.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, type RunningServer } from '../server/index.ts';
import { frameBytes, loadManifest, startGateway, type Gateway } from '../edge-services/index.ts';
import { freePort, until } from './support/wait.ts';
import { adminClient } from './support/admin.ts';

const ADMIN = 'recognition-sync-admin-token-01';
const manifest = loadManifest();
const views = (object: string, split: 'enrol' | 'test') =>
  manifest.frames.filter((f) => f.object === object && f.split === split && !f.barcodeVisible).map((f) => new Uint8Array(frameBytes(f)));
const backView = (object: string) => new Uint8Array(frameBytes(manifest.frames.find((f) => f.object === object && f.barcodeVisible)!));

describe('recognition enrolments replicate to the site through sync', () => {
  let root: string;
  let server: RunningServer;
  const gateways: Gateway[] = [];
  let a: Gateway, b: Gateway, other: Gateway;

  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'edgepay-recog-sync-'));
    server = await startServer({ adminToken: ADMIN, port: await freePort(), pgliteDir: join(root, 'server') });
    const admin = adminClient(server.url, ADMIN);
    const start = async (name: string, siteId: string, withRecognition: boolean) => {
      const enrolled = await admin('/admin/gateways', { siteId, name });
      const gw = await startGateway({
        dataDir: join(root, name),
        ledgerName: name,
        server: { url: server.url, credential: enrolled.credential },
        ...(withRecognition ? { recognition: { siteId, gatewayId: enrolled.gatewayId, backend: 'wasm' as const } } : {}),
      });
      gateways.push(gw);
      return gw;
    };
    a = await start('gw-a', 'site-1', true);
    b = await start('gw-b', 'site-1', true);
    other = await start('gw-other', 'site-2', false);
  });
  after(async () => {
    for (const g of gateways) await g.stop();
    await server?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('an enrolment on A is stored in the validated ledger, reaches the server, and B recognises the product', { timeout: 120_000 }, async () => {
    const before = await b.recognition!.recognise(views('p-cola', 'test')[1]!);
    assert.ok(before.objects.every((o) => o.outcome !== 'product'), 'B knows nothing yet');

    const doc = await a.recognition!.enrol('p-cola', views('p-cola', 'enrol'));
    assert.equal(doc.siteId, 'site-1');
    assert.ok(doc.dims <= 1024 && doc.embeddings.every((v) => v.length === doc.dims));

    await until('the server holds the enrolment', async () =>
      (await server.db.query('SELECT id FROM documents WHERE collection = $1 AND id = $2', ['enrolments', doc.id])).rows.length === 1,
    60_000);
    await until('B has it', async () => (await b.ledger.db.enrolments.findOne(doc.id).exec()) !== null, 60_000);
    await b.recognition!.settled();
    const hit = await b.recognition!.recognise(views('p-cola', 'test')[1]!);
    const top = hit.objects.find((o) => o.outcome === 'product');
    assert.equal(top?.productId, 'p-cola', JSON.stringify(hit.objects.map((o) => [o.outcome, o.productId, o.confidence])));
    assert.equal(top?.source, 'visual');

    await other.sync!.awaitInSync();
    assert.equal(await other.ledger.db.enrolments.count().exec(), 0, 'another site sees none of it');
  });

  it("the operator's catalogue reaches the matcher: a product's barcode is read as that product", { timeout: 60_000 }, async () => {
    const oats = manifest.products.find((p) => p.id === 'p-oats')!;
    await adminClient(server.url, ADMIN)(
      '/admin/sites/site-1/products',
      [{ id: 'p-oats', siteId: 'site-1', sku: 'OATS', barcode: oats.barcode, name: oats.name, price: { amount: 3900, currency: 'KRW' }, active: true, updatedAt: new Date().toISOString() }],
      'PUT',
    );
    await until('A has the product', async () => (await a.ledger.db.products.findOne('p-oats').exec()) !== null);
    await a.recognition!.settled();
    const r = await a.recognition!.recognise(backView('p-oats'));
    const coded = r.objects.find((o) => o.barcode);
    assert.equal(coded?.outcome, 'product');
    assert.equal(coded?.productId, 'p-oats');
  });

  it('forgetting the product on B removes it from A as well', { timeout: 60_000 }, async () => {
    assert.equal(await b.recognition!.forget('p-cola'), 1);
    await until('A no longer holds it', async () => (await a.ledger.db.enrolments.count().exec()) === 0, 60_000);
    await a.recognition!.settled();
    const r = await a.recognition!.recognise(views('p-cola', 'test')[1]!);
    assert.ok(r.objects.every((o) => o.outcome !== 'product'), JSON.stringify(r.objects.map((o) => [o.outcome, o.productId])));
  });
});
