/**
 * The worker-thread service, the enrolment store on a real RxDB collection
 * (memory storage) and the cart adapter fed through a bus-shaped event source.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { addRxPlugin, createRxDatabase, type RxDatabase } from 'rxdb';
import { RxDBMigrationSchemaPlugin } from 'rxdb/plugins/migration-schema';
import { getRxStorageMemory } from 'rxdb/plugins/storage-memory';
import { edgePayCollections, enrolmentSchema, type Envelope, type EnrolmentDoc } from '../../core/index.ts';
import { frameBytes, loadManifest } from './eval-set/evaluate.ts';
import { RecognitionService } from './service.ts';
import { EnrolmentStore } from './enrolment-store.ts';
import { CartAdapter } from './cart-adapter.ts';
import type { CartEvent } from './cart.ts';
import { decodeImage } from './image.ts';
import { decodeKeypoints } from './keypoints.ts';

const manifest = loadManifest();
const views = (object: string, split: 'enrol' | 'test') => manifest.frames.filter((f) => f.object === object && f.split === split && !f.barcodeVisible).map((f) => new Uint8Array(frameBytes(f)));

describe('recognition service (worker thread) with the enrolment store', () => {
  let service: RecognitionService;
  let db: RxDatabase;
  const stores: EnrolmentStore[] = [];

  before(async () => {
    service = await RecognitionService.start({ backend: 'wasm', maxPending: 1 });
    db = await createRxDatabase({ name: `enrol${Date.now()}`, storage: getRxStorageMemory(), multiInstance: false });
    // The schema is at version 1: RxDB wants the migration plugin and its strategies.
    addRxPlugin(RxDBMigrationSchemaPlugin);
    await db.addCollections({ enrolments: { schema: enrolmentSchema, migrationStrategies: edgePayCollections.get('enrolments').migrations } });
  });
  after(async () => {
    for (const s of stores) s.stop();
    await db?.close();
    await service?.close();
  });

  it('reports the backend it runs on', () => {
    assert.equal(service.backend.name, 'wasm');
    assert.match(service.modelId, /centernet/);
  });

  it('keeps the main loop free while a frame runs, and refuses a frame beyond maxPending', async () => {
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    try {
      const frame = views('p-cola', 'test')[0]!;
      const first = service.recognise(frame, 1);
      await assert.rejects(service.recognise(frame, 2), { code: 'RECOGNITION_BUSY' });
      const r = await first;
      assert.equal(r.frameId, 1);
      assert.equal(r.backend, 'wasm');
      assert.ok(ticks > 0, 'timers ran on the main thread during inference');
    } finally {
      clearInterval(timer);
    }
  });

  it('enrols through the collection; a second gateway store on it (as after replication) recognises too', async () => {
    const collection = db.collections['enrolments']!;
    const a = new EnrolmentStore({ collection, siteId: 'site-1', gatewayId: 'gw-a', embedder: service });
    stores.push(a);
    await a.start();
    const before = await service.recognise(views('p-cola', 'test')[1]!);
    assert.ok(
      before.objects.every((o) => o.outcome !== 'product'),
      'nothing enrolled yet',
    );

    const doc = await a.enrol('p-cola', views('p-cola', 'enrol'));
    await a.enrol('p-lime', views('p-lime', 'enrol'));
    assert.equal(doc.createdBy, 'gw-a');
    assert.equal(doc.embeddings.length, 5);
    assert.equal(doc.embeddings[0]!.length, doc.dims);
    // The stored document is what replicates: it must pass the schema RxDB checks and every number is rounded.
    assert.ok(doc.embeddings.flat().every((x) => Math.abs(x * 1e4 - Math.round(x * 1e4)) < 1e-6));
    // One keypoint set per view, in the versioned encoding, crossing the worker boundary intact.
    assert.equal(doc.keypoints?.length, 5);
    const counts = doc.keypoints!.map((k) => decodeKeypoints(k)?.count);
    assert.ok(
      counts.every((n) => n !== undefined),
      'every view decodes',
    );
    assert.ok(counts.filter((n) => n! > 50).length >= 4, `keypoints per view: ${counts}`);
    await a.settled();
    const hit = await service.recognise(views('p-cola', 'test')[1]!);
    const found = hit.objects.find((o) => o.outcome === 'product');
    assert.equal(found?.productId, 'p-cola');
    assert.ok((found.candidates.find((c) => c.productId === 'p-cola')?.inliers ?? 0) >= 20, JSON.stringify(found.candidates));

    // Another gateway's enrolment arrives in the collection (what sync delivers): the matcher picks it up.
    const other: EnrolmentDoc = { ...doc, id: '01890a5d-ac96-774b-bcce-b302099a8058', productId: 'p-cola-2', createdBy: 'gw-b' };
    await collection.insert(other);
    await a.settled();
    assert.equal((await a.list()).length, 3);
    assert.equal(await a.forget('p-cola-2'), 1);
    await a.settled();
  });

  it('refuses an enrolment with too few views', async () => {
    const a = new EnrolmentStore({ collection: db.collections['enrolments']!, siteId: 'site-1', gatewayId: 'gw-a', embedder: service });
    await assert.rejects(a.enrol('p-x', views('p-cola', 'enrol').slice(0, 2)), { code: 'ENROLMENT_TOO_FEW_VIEWS' });
    await assert.rejects(a.enrol('p-x', [new Uint8Array([1, 2, 3]), new Uint8Array([1]), new Uint8Array([2])]), { code: 'RECOGNITION_FRAME_INVALID' });
  });

  it('cart adapter: cart.frame and cart.weight from the bus change the basket only when they agree', async () => {
    let listener: ((e: Envelope) => void) | undefined;
    const bus = { onEvent: (l: (e: Envelope) => void) => ((listener = l), () => (listener = undefined)) };
    const events: CartEvent[] = [];
    let now = 0;
    const adapter = new CartAdapter({
      bus,
      recogniser: service,
      weightOf: (id) => (id === 'p-cola' ? { grams: 370, toleranceGrams: 15 } : undefined),
      minConfidence: 0.5,
      now: () => now,
      onCartEvent: (_d, e) => events.push(e),
    });
    const env = (type: string, payload: object): Envelope => ({ v: 1, type, id: '01890a5d-ac96-774b-bcce-b302099a8059', deviceId: 'cart-1', ts: 0, payload: payload as Record<string, unknown> });
    listener!(env('cart.weight', { grams: 0, stable: true }));
    const jpeg = frameBytes(manifest.frames.find((f) => f.file === 'frames/p-cola-test-1.jpg')!);
    const { width, height } = decodeImage(jpeg);
    listener!(env('cart.frame', { frameId: 7, width, height, encoding: 'jpeg', data: jpeg.toString('base64') }));
    now = 500;
    listener!(env('cart.weight', { grams: 371, stable: true }));
    for (let i = 0; i < 200 && !events.some((e) => e.type === 'added'); i++) await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(adapter.basket('cart-1').items(), { 'p-cola': 1 });
    // A cart with its own model: a label that is no product is unknown; the weight is then flagged.
    listener!(env('cart.detections', { frameId: 8, detections: [{ label: 'banana', confidence: 0.9, box: { x: 0, y: 0, w: 5, h: 5 } }] }));
    now = 1000;
    listener!(env('cart.weight', { grams: 500, stable: true }));
    now = 10_000;
    const late = adapter.basket('cart-1').tick(now);
    assert.deepEqual(
      late.map((e) => e.type === 'flag' && e.flag.kind),
      ['unrecognised-item'],
    );
    assert.deepEqual(adapter.basket('cart-1').items(), { 'p-cola': 1 });
    adapter.close();
    assert.equal(listener, undefined);
  });
});
