/**
 * Recognition across a site, end to end: gateway A (real ledger on the SQLite
 * storage with schema validation, real sync) learns a product from the
 * evaluation set's views; the enrolment replicates through the server (PGlite)
 * to gateway B of the same site, which then recognises the product in a test
 * view it never saw enrolled; a gateway of another site gets nothing. The
 * site's threshold and the catalogue, set by the operator on the server,
 * reach the matcher, and forgetting a product on B removes it from A too.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, type RunningServer } from '../server/index.ts';
import { CollectionRegistry, edgePayCollections, routes, uuidV7, type CameraFrameResult, type EnrolmentView } from '../core/index.ts';
import { decodeImage, frameBytes, KioskCheckout, loadManifest, startGateway, startGatewayApi, type Gateway, type RgbImage } from '../edge-services/index.ts';
import { freePort, until } from './support/wait.ts';
import { adminClient } from './support/admin.ts';

// Requests to pay are tested in payment-request-outcomes: left out here to stay under RxDB's 16 collections per process.
const COLLECTIONS = new CollectionRegistry(edgePayCollections.list().filter((c) => c.name !== 'payment-requests'));

const ADMIN = 'recognition-sync-admin-token-01';
const manifest = loadManifest();
/** The front views (barcode side away) of an object in one split. */
const fronts = (object: string, split: 'enrol' | 'test') => manifest.frames.filter((f) => f.object === object && f.split === split && !f.barcodeVisible);
const views = (object: string, split: 'enrol' | 'test') => fronts(object, split).map((f) => new Uint8Array(frameBytes(f)));
/**
 * A test view of `object` with the lower `share` of the object painted grey (as if covered):
 * fewer of its keypoints are left, so a match is less confident.
 */
const covered = (object: string, share: number) =>
  fronts(object, 'test').map((f) => {
    const image = decodeImage(frameBytes(f));
    const box = f.conditions['box'] as { x: number; y: number; w: number; h: number };
    for (let y = Math.round(box.y + box.h * (1 - share)); y < box.y + box.h; y++) {
      image.data.fill(128, (y * image.width + box.x) * 3, (y * image.width + box.x + box.w) * 3);
    }
    return image;
  });
const backView = (object: string) => new Uint8Array(frameBytes(manifest.frames.find((f) => f.object === object && f.barcodeVisible)!));

describe('recognition enrolments replicate to the site through sync', () => {
  let root: string;
  let server: RunningServer;
  const gateways: Gateway[] = [];
  let a: Gateway, b: Gateway, other: Gateway;
  const gatewayIds = new Map<string, string>();

  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'edgepay-recog-sync-'));
    server = await startServer({ adminToken: ADMIN, port: await freePort(), pgliteDir: join(root, 'server') });
    const admin = adminClient(server.url, ADMIN);
    const start = async (name: string, siteId: string, withRecognition: boolean) => {
      const enrolled = await admin('/admin/gateways', { siteId, name });
      gatewayIds.set(name, enrolled.gatewayId);
      const gw = await startGateway({
        dataDir: join(root, name),
        ledgerName: name,
        // Three ledgers in one process, and RxDB's open-source build allows 16 collections per process.
        collections: COLLECTIONS,
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
    assert.ok(
      before.objects.every((o) => o.outcome !== 'product'),
      'B knows nothing yet',
    );

    const doc = await a.recognition!.enrol('p-cola', views('p-cola', 'enrol'));
    assert.equal(doc.siteId, 'site-1');
    assert.ok(doc.dims <= 1024 && doc.embeddings.every((v) => v.length === doc.dims));

    await until('the server holds the enrolment', async () => (await server.db.query('SELECT id FROM documents WHERE collection = $1 AND id = $2', ['enrolments', doc.id])).rows.length === 1, 60_000);
    await until('B has it', async () => (await b.ledger.db.enrolments.findOne(doc.id).exec()) !== null, 60_000);
    await b.recognition!.settled();
    const hit = await b.recognition!.recognise(views('p-cola', 'test')[1]!);
    const top = hit.objects.find((o) => o.outcome === 'product');
    assert.equal(top?.productId, 'p-cola', JSON.stringify(hit.objects.map((o) => [o.outcome, o.productId, o.confidence])));
    assert.equal(top?.source, 'visual');

    await other.sync!.awaitInSync();
    assert.equal(await other.ledger.db.enrolments.count().exec(), 0, 'another site sees none of it');
  });

  it("the site's threshold, set on the server, turns a less confident match into asking for a scan", { timeout: 60_000 }, async () => {
    let chosen: { frame: Uint8Array | RgbImage; confidence: number } | undefined;
    // Whole views match p-cola with confidence 1 (its print verified by many keypoints); half-covered ones less.
    for (const frame of [...views('p-cola', 'test'), ...covered('p-cola', 0.45), ...covered('p-cola', 0.6)]) {
      const top = (await b.recognition!.recognise(frame)).objects.find((o) => o.outcome === 'product');
      if (top?.productId === 'p-cola' && top.confidence < 0.99) chosen = { frame, confidence: top.confidence };
    }
    assert.ok(chosen, 'a test view matched with a confidence below 0.99');
    const site = (minConfidence: number) => ({
      id: 'site-1',
      name: 'Store 1',
      timezone: 'Asia/Seoul',
      currency: 'KRW',
      locale: 'ko-KR',
      offlineLimits: { perPayment: [], totalStored: [], maxAgeMinutes: 60 },
      recognition: { minConfidence },
      updatedAt: new Date().toISOString(),
    });
    const admin = adminClient(server.url, ADMIN);
    await admin('/admin/sites/site-1/sites', [site(Math.min(1, chosen.confidence + 0.005))], 'PUT');
    await until('B has the threshold', async () => (await b.ledger.db.sites.findOne('site-1').exec())?.recognition !== undefined);
    await b.recognition!.settled();
    const asked = (await b.recognition!.recognise(chosen.frame)).objects.find((o) => o.productId === 'p-cola');
    assert.equal(asked?.outcome, 'ask');
    assert.equal(asked?.confidence, chosen.confidence);

    await admin('/admin/sites/site-1/sites', [site(0.3)], 'PUT');
    await until('B has the lower threshold', async () => (await b.ledger.db.sites.findOne('site-1').exec())?.recognition?.minConfidence === 0.3);
    await b.recognition!.settled();
    assert.equal((await b.recognition!.recognise(chosen.frame)).objects.find((o) => o.productId === 'p-cola')?.outcome, 'product');
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

  it("a kiosk camera frame on B's local API puts the recognised product in the basket; bad frames change nothing", { timeout: 60_000 }, async () => {
    const products = [
      { id: 'p-cola', siteId: 'site-1', sku: 'COLA', barcode: '8801000000357', name: 'Fizz Cola', price: { amount: 1800, currency: 'KRW' }, active: true, updatedAt: new Date().toISOString() },
    ];
    await adminClient(server.url, ADMIN)('/admin/sites/site-1/products', products, 'PUT');
    await until('B has the product', async () => (await b.ledger.db.products.findOne('p-cola').exec()) !== null);
    // The card terminal is never reached here: no payment is made.
    const terminal = { charge: () => Promise.reject(new Error('no payment in this test')) };
    const kiosk = new KioskCheckout({ db: b.ledger.db, siteId: 'site-1', gatewayId: 'gw-b', terminal });
    const api = await startGatewayApi({ kiosk, db: b.ledger.db, siteId: 'site-1', operatorPin: '135790', recognition: b.recognition!, uiDir: join(root, 'no-ui') });
    const plain = await startGatewayApi({
      kiosk: new KioskCheckout({ db: b.ledger.db, siteId: 'site-1', gatewayId: 'gw-b', terminal }),
      db: b.ledger.db,
      siteId: 'site-1',
      operatorPin: '135790',
      uiDir: join(root, 'no-ui'),
    });
    const post = (base: string, body: unknown) => fetch(base + routes.cameraFrame.path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    try {
      await b.recognition!.settled();
      const res = await post(api.url, { data: Buffer.from(views('p-cola', 'test')[1]!).toString('base64') });
      assert.equal(res.status, 200);
      const result = (await res.json()) as CameraFrameResult;
      assert.deepEqual(
        result.added.map((a) => [a.productId, a.source]),
        [['p-cola', 'visual']],
      );
      assert.deepEqual(
        result.state.basket.lines.map((l) => [l.productId, l.quantity]),
        [['p-cola', 1]],
      );
      assert.equal(result.state.total.amount, 1800);

      // An object nobody enrolled: nothing added, reported as unknown.
      const cat = await post(api.url, { data: Buffer.from(views('u-cat', 'test')[0]!).toString('base64') });
      const catResult = (await cat.json()) as CameraFrameResult;
      assert.deepEqual(catResult.added, []);
      assert.ok(catResult.unknown >= 1);

      for (const [body, code] of [
        [{ data: Buffer.from('not an image').toString('base64') }, 'RECOGNITION_FRAME_INVALID'],
        [{ data: '%%% not base64' }, 'REQUEST_INVALID'],
        [{}, 'REQUEST_INVALID'],
      ] as const) {
        const bad = await post(api.url, body);
        assert.equal(bad.status, 400);
        assert.equal(((await bad.json()) as { code: string }).code, code);
      }
      const tooBig = await post(api.url, { data: 'A'.repeat(4 * 1024 * 1024) });
      assert.equal(tooBig.status, 413);
      assert.deepEqual(
        kiosk.basket.lines.map((l) => [l.productId, l.quantity]),
        [['p-cola', 1]],
        'bad frames changed nothing',
      );

      const none = await post(plain.url, { data: Buffer.from(views('p-cola', 'test')[1]!).toString('base64') });
      assert.equal(none.status, 503);
      assert.equal(((await none.json()) as { code: string }).code, 'RECOGNITION_UNAVAILABLE');
    } finally {
      await api.close();
      await plain.close();
    }
  });

  it("the operator enrols, lists and forgets products through B's console API; bad requests change nothing", { timeout: 90_000 }, async () => {
    const now = new Date().toISOString();
    await adminClient(server.url, ADMIN)(
      '/admin/sites/site-1/products',
      [
        { id: 'p-cola', siteId: 'site-1', sku: 'COLA', barcode: '8801000000357', name: 'Fizz Cola', price: { amount: 1800, currency: 'KRW' }, active: true, updatedAt: now },
        { id: 'p-chips', siteId: 'site-1', sku: 'CHIPS', barcode: '8801000000739', name: 'Crunchy Chips', price: { amount: 2500, currency: 'KRW' }, active: true, updatedAt: now },
      ],
      'PUT',
    );
    await until('B has the chips', async () => (await b.ledger.db.products.findOne('p-chips').exec()) !== null);
    const terminal = { charge: () => Promise.reject(new Error('no payment in this test')) };
    const kiosk = new KioskCheckout({ db: b.ledger.db, siteId: 'site-1', gatewayId: 'gw-b', terminal });
    const api = await startGatewayApi({ kiosk, db: b.ledger.db, siteId: 'site-1', operatorPin: '135790', recognition: b.recognition!, uiDir: join(root, 'no-ui') });
    const call = async (method: string, path: string, body?: unknown, token?: string) => {
      const res = await fetch(api.url + path, {
        method,
        headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(token ? { authorization: 'Bearer ' + token } : {}) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return { status: res.status, json: (await res.json()) as any };
    };
    const b64 = (frames: Uint8Array[]) => frames.map((f) => Buffer.from(f).toString('base64'));
    try {
      const { json: session } = await call('POST', routes.signIn.path, { pin: '135790' });
      const token = session.token as string;
      assert.ok(token);
      assert.deepEqual(
        (await call('GET', routes.enrolments.path, undefined, token)).json.map((e: EnrolmentView) => e.productId),
        ['p-cola'],
        "A's enrolment is listed at B",
      );

      // Refusals: no session, a product the site does not sell, too few views, a broken frame.
      assert.equal((await call('POST', routes.enrolProduct.path, { productId: 'p-chips', frames: b64(views('p-chips', 'enrol')) })).status, 401);
      const unknownProduct = await call('POST', routes.enrolProduct.path, { productId: 'p-nothing', frames: b64(views('p-chips', 'enrol')) }, token);
      assert.deepEqual([unknownProduct.status, unknownProduct.json.code], [400, 'REQUEST_INVALID']);
      const tooFew = await call('POST', routes.enrolProduct.path, { productId: 'p-chips', frames: b64(views('p-chips', 'enrol').slice(0, 2)) }, token);
      assert.deepEqual([tooFew.status, tooFew.json.code], [422, 'ENROLMENT_TOO_FEW_VIEWS']);
      const broken = await call('POST', routes.enrolProduct.path, { productId: 'p-chips', frames: [...b64(views('p-chips', 'enrol').slice(0, 3)), 'bm90IGFuIGltYWdl'] }, token);
      assert.deepEqual([broken.status, broken.json.code], [400, 'RECOGNITION_FRAME_INVALID']);
      assert.equal((await call('GET', routes.enrolments.path, undefined, token)).json.length, 1, 'nothing was enrolled by the refusals');

      const enrolled = await call('POST', routes.enrolProduct.path, { productId: 'p-chips', frames: b64(views('p-chips', 'enrol')) }, token);
      assert.equal(enrolled.status, 200, JSON.stringify(enrolled.json));
      assert.equal((enrolled.json as EnrolmentView).productId, 'p-chips');
      assert.equal((enrolled.json as EnrolmentView).views, 5);
      await b.recognition!.settled();
      const seen = await call('POST', routes.cameraFrame.path, { data: b64([views('p-chips', 'test')[1]!])[0] });
      assert.deepEqual(
        (seen.json as CameraFrameResult).added.map((a) => a.productId),
        ['p-chips'],
      );

      const forgotten = await call('DELETE', routes.forgetProduct.path.replace(':productId', 'p-chips'), undefined, token);
      assert.deepEqual(forgotten.json, { removed: 1 });
      assert.deepEqual(
        (await call('GET', routes.enrolments.path, undefined, token)).json.map((e: EnrolmentView) => e.productId),
        ['p-cola'],
      );
    } finally {
      await api.close();
    }
  });

  it('forgetting the product on B removes it from A as well', { timeout: 60_000 }, async () => {
    assert.equal(await b.recognition!.forget('p-cola'), 1);
    await until('A no longer holds it', async () => (await a.ledger.db.enrolments.count().exec()) === 0, 60_000);
    await a.recognition!.settled();
    const r = await a.recognition!.recognise(views('p-cola', 'test')[1]!);
    assert.ok(
      r.objects.every((o) => o.outcome !== 'product'),
      JSON.stringify(r.objects.map((o) => [o.outcome, o.productId])),
    );
  });

  it('a backlog of large enrolments (10 views with keypoints each) goes up in requests under the server body limit', { timeout: 120_000 }, async () => {
    // Another model id, so that no matcher loads these made-up vectors.
    let seed = 5;
    const next = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
    const base64 = (bytes: number) => Buffer.from(Array.from({ length: bytes }, () => Math.floor(next() * 256))).toString('base64');
    const docs = Array.from({ length: 40 }, (_, i) => ({
      id: uuidV7(),
      siteId: 'site-1',
      productId: `bulk-${i}`,
      modelId: 'bulk-test-model',
      dims: 616,
      embeddings: Array.from({ length: 10 }, () => Array.from({ length: 616 }, () => Math.round((next() * 2 - 1) * 1e4) / 1e4)),
      keypoints: Array.from({ length: 10 }, () => `orb1.${base64(6802)}`),
      createdAt: new Date().toISOString(),
      createdBy: gatewayIds.get('gw-a')!,
    }));
    assert.ok(JSON.stringify(docs).length > 5 * 1024 * 1024, 'more than the 4 MB body limit in all');
    await a.ledger.db.enrolments.bulkInsert(docs);
    await until('B has every one of them', async () => (await b.ledger.db.enrolments.count({ selector: { modelId: 'bulk-test-model' } }).exec()) === docs.length, 100_000);
    const stored = await server.db.query("SELECT count(*)::int AS n FROM documents WHERE collection = 'enrolments' AND data->>'modelId' = 'bulk-test-model'");
    assert.equal(stored.rows[0]?.n, docs.length);
  });
});
