/** Pure parts: matching policy, the enrolment write check, the cart basket, frame decoding. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { checkGatewayEnrolmentWrite, type EnrolmentDoc, type FrameRecognition, type RecognisedObject } from '../../core/index.ts';
import { CartBasket } from './cart.ts';
import { decodeImage, imageFromFramePayload } from './image.ts';
import { DEFAULT_MATCH_POLICY, ProductIndex, decide } from './matcher.ts';
import { join } from 'node:path';
import { suppress, withInputSize } from './detector.ts';
import { humanModelsDir, readGraphModelArtifacts } from './model-files.ts';
import { centreBox } from './pipeline.ts';

const unit = (xs: number[]) => {
  const n = Math.hypot(...xs);
  return Float32Array.from(xs.map((x) => x / n));
};

describe('matching', () => {
  const index = new ProductIndex();
  index.replaceAll([
    { enrolmentId: 'e1', productId: 'cola', vectors: [unit([1, 0, 0]), unit([0.95, 0.1, 0])] },
    { enrolmentId: 'e2', productId: 'lime', vectors: [unit([0, 1, 0])] },
  ]);

  it('answers the nearest product with high confidence when it is close and clear', () => {
    const m = index.match(unit([1, 0.02, 0]));
    assert.equal(m.outcome, 'product');
    assert.equal(m.productId, 'cola');
    assert.ok(m.confidence > 0.9);
    assert.deepEqual(
      m.candidates.map((c) => c.productId),
      ['cola', 'lime'],
    );
  });

  it('does not force a far object onto the nearest product', () => {
    const m = index.match(unit([0.3, 0.3, 1]));
    assert.equal(m.outcome, 'unknown');
    assert.equal(m.productId, undefined);
  });

  it('asks when two products are about as close', () => {
    const m = decide(
      [
        { productId: 'a', similarity: 0.95 },
        { productId: 'b', similarity: 0.949 },
      ],
      DEFAULT_MATCH_POLICY,
    );
    assert.equal(m.outcome, 'ask');
    assert.equal(m.productId, 'a');
    assert.ok(m.confidence < DEFAULT_MATCH_POLICY.minConfidence);
  });

  it('the site threshold decides between product and ask', () => {
    const ranked = [
      { productId: 'a', similarity: 0.87 },
      { productId: 'b', similarity: 0.5 },
    ];
    assert.equal(decide(ranked, { ...DEFAULT_MATCH_POLICY, minConfidence: 0.5 }).outcome, 'product');
    assert.equal(decide(ranked, { ...DEFAULT_MATCH_POLICY, minConfidence: 0.95 }).outcome, 'ask');
  });

  it('an empty index knows nothing', () => {
    assert.equal(new ProductIndex().match(unit([1, 0, 0])).outcome, 'unknown');
  });
});

describe('detector boxes and input size', () => {
  const pack = { box: { x: 100, y: 50, w: 300, h: 360 }, score: 0.05, label: 'book' };
  const emblem = { box: { x: 200, y: 180, w: 80, h: 80 }, score: 0.3, label: 'clock' };
  const twin = { box: { x: 105, y: 52, w: 296, h: 355 }, score: 0.04, label: 'book' };
  const opts = { iou: 0.45, contained: 0.8, maxObjects: 6, keepContainers: true };

  it('keeps the whole pack when its emblem scores higher; drops parts and near-duplicates', () => {
    assert.deepEqual(
      suppress([pack, emblem, twin], opts).map((d) => d.label),
      ['clock', 'book'],
    );
    // A part scoring lower than the pack it lies in is dropped.
    assert.deepEqual(
      suppress([{ ...pack, score: 0.5 }, emblem], opts).map((d) => d.score),
      [0.5],
    );
    // The old rule dropped the pack.
    assert.deepEqual(
      suppress([pack, emblem, twin], { ...opts, keepContainers: false }).map((d) => d.label),
      ['clock'],
    );
  });

  it('rewrites the head constants for another input size, refuses sizes the head cannot take', () => {
    const artifacts = readGraphModelArtifacts(join(humanModelsDir(), 'centernet.json'));
    const before = Buffer.from(artifacts.weightData as ArrayBuffer).toString('base64');
    const other = withInputSize(artifacts, 352, 448);
    const dims = (a: typeof artifacts) =>
      (a.modelTopology as { node: { op: string; attr?: any }[] }).node.find((n) => n.op === 'Placeholder')!.attr.shape.shape.dim.map((d: { size: string }) => Number(d.size));
    assert.deepEqual(dims(other), [1, 352, 448, 3]);
    const changed = new Uint8Array(other.weightData as ArrayBuffer).reduce((n, b, i) => n + (b !== new Uint8Array(artifacts.weightData as ArrayBuffer)[i] ? 1 : 0), 0);
    assert.ok(changed > 0 && changed <= 7 * 8, `${changed} bytes changed`);
    assert.equal(Buffer.from(artifacts.weightData as ArrayBuffer).toString('base64'), before, 'the original is left alone');
    assert.equal(withInputSize(artifacts, 512, 512), artifacts);
    assert.throws(() => withInputSize(artifacts, 350, 448), /multiples of 32/);
    // Applied twice, the constants are no longer the 512x512 ones this code knows.
    assert.throws(() => withInputSize(other, 320, 416), /not the model this code knows/);
  });

  it('the centre proposal is centred and covers the given share of each side', () => {
    assert.deepEqual(centreBox({ width: 640, height: 480 }, 0.55), { x: 144, y: 108, w: 352, h: 264 });
  });
});

describe('enrolment write check (what the server applies to a push)', () => {
  const doc: EnrolmentDoc = {
    id: '01890a5d-ac96-774b-bcce-b302099a8057',
    siteId: 's1',
    productId: 'p1',
    modelId: 'm',
    dims: 2,
    embeddings: [
      [1, 0],
      [0, 1],
      [0.7, 0.7],
    ],
    createdAt: '2024-06-11T10:00:00.000Z',
    createdBy: 'gw1',
  };
  const writer = { siteId: 's1', gatewayId: 'gw1' };

  it('accepts a new enrolment by its own gateway and site', () => {
    assert.deepEqual(checkGatewayEnrolmentWrite(undefined, doc, writer), { ok: true });
  });
  it('refuses another site, another creator, wrong sizes, unknown fields', () => {
    assert.equal(checkGatewayEnrolmentWrite(undefined, { ...doc, siteId: 's2' }, writer).ok, false);
    assert.deepEqual(checkGatewayEnrolmentWrite(undefined, { ...doc, createdBy: 'gw2' }, writer), { ok: false, code: 'ENROLMENT_FOREIGN_WRITER', field: 'createdBy' });
    assert.deepEqual(checkGatewayEnrolmentWrite(undefined, { ...doc, dims: 3 }, writer), { ok: false, code: 'ENROLMENT_INVALID', field: 'embeddings' });
    assert.equal(checkGatewayEnrolmentWrite(undefined, { ...doc, extra: 1 } as EnrolmentDoc, writer).ok, false);
  });
  it('refuses any change after creation, allows a deletion by any gateway of the site', () => {
    assert.deepEqual(checkGatewayEnrolmentWrite(doc, { ...doc, productId: 'p2' }, writer), { ok: false, code: 'ENROLMENT_IMMUTABLE', field: 'productId' });
    assert.deepEqual(checkGatewayEnrolmentWrite(doc, { ...doc, _deleted: true } as EnrolmentDoc, { siteId: 's1', gatewayId: 'gw9' }), { ok: true });
    assert.equal(checkGatewayEnrolmentWrite({ ...doc, _deleted: true } as EnrolmentDoc, doc, writer).ok, false);
  });
});

function seen(productId: string | undefined, outcome: RecognisedObject['outcome'], confidence: number, frameId = 1): FrameRecognition {
  return {
    frameId,
    width: 640,
    height: 480,
    objects: [{ box: { x: 0, y: 0, w: 10, h: 10 }, outcome, ...(productId ? { productId } : {}), confidence, source: 'visual', detector: { label: 'bottle', score: 0.5 }, candidates: [] }],
    barcodes: [],
    backend: 'wasm',
    modelId: 'm',
    timingsMs: { decode: 0, detect: 0, barcode: 0, match: 0, total: 0 },
  };
}

describe('cart basket', () => {
  const weights: Record<string, { grams: number; toleranceGrams: number }> = {
    cola: { grams: 370, toleranceGrams: 15 },
    chips: { grams: 160, toleranceGrams: 10 },
  };
  const make = () => new CartBasket({ weightOf: (id) => weights[id], minConfidence: 0.6 });

  it('adds an item when a confident recognition and a matching weight agree (either order)', () => {
    const b = make();
    b.onWeight({ grams: 0, stable: true }, 0);
    assert.deepEqual(b.onRecognition(seen('cola', 'product', 0.9), 1000), []);
    assert.deepEqual(b.onWeight({ grams: 372, stable: true }, 1500), [{ type: 'added', productId: 'cola', at: 1500 }]);
    assert.deepEqual(b.onWeight({ grams: 530, stable: true }, 5000), []);
    assert.deepEqual(b.onRecognition(seen('chips', 'product', 0.8), 5200), [{ type: 'added', productId: 'chips', at: 5200 }]);
    assert.deepEqual(b.items(), { chips: 1, cola: 1 });
  });

  it('ignores unstable readings and scale noise; one item seen in many frames counts once', () => {
    const b = make();
    b.onWeight({ grams: 0, stable: true }, 0);
    for (let t = 100; t < 1000; t += 100) b.onRecognition(seen('cola', 'product', 0.9), t);
    assert.deepEqual(b.onWeight({ grams: 200, stable: false }, 1000), []);
    b.onWeight({ grams: 368, stable: true }, 1100);
    assert.deepEqual(b.onWeight({ grams: 371, stable: true }, 1200), []);
    assert.deepEqual(b.items(), { cola: 1 });
  });

  it('does not change on an unconfident result: asks the person to scan', () => {
    const b = make();
    b.onWeight({ grams: 0, stable: true }, 0);
    const events = b.onRecognition(seen('cola', 'ask', 0.3), 100);
    assert.equal(events[0]?.type, 'flag');
    b.onWeight({ grams: 370, stable: true }, 200);
    assert.deepEqual(b.items(), {});
    assert.deepEqual(
      b.tick(10_000).map((e) => e.type === 'flag' && e.flag.kind),
      ['unrecognised-item'],
    );
  });

  it('flags a weight that does not match the recognised product and leaves the basket alone', () => {
    const b = make();
    b.onWeight({ grams: 0, stable: true }, 0);
    b.onRecognition(seen('chips', 'product', 0.95), 100);
    const events = b.onWeight({ grams: 530, stable: true }, 200); // chips + something else
    assert.deepEqual(events, [{ type: 'flag', flag: { kind: 'weight-mismatch', at: 200, deltaGrams: 530, productId: 'chips', expectedGrams: 160 } }]);
    assert.deepEqual(b.items(), {});
  });

  it('removes an item by weight; an ambiguous or unmatched decrease is flagged', () => {
    const b = make();
    b.onWeight({ grams: 0, stable: true }, 0);
    b.onRecognition(seen('cola', 'product', 0.9), 10);
    b.onWeight({ grams: 370, stable: true }, 20);
    assert.deepEqual(b.onWeight({ grams: 0, stable: true }, 30), [{ type: 'removed', productId: 'cola', at: 30 }]);
    assert.deepEqual(b.items(), {});
    const e = b.onWeight({ grams: -50, stable: true }, 40);
    assert.equal(e[0]?.type, 'flag');
  });
});

describe('frames', () => {
  it('decodes a cart.frame payload (rgb8) and refuses inconsistent sizes', () => {
    const data = Buffer.alloc(16 * 16 * 3, 7).toString('base64');
    const img = imageFromFramePayload({ width: 16, height: 16, encoding: 'rgb8', data });
    assert.equal(img.data.length, 768);
    assert.throws(() => imageFromFramePayload({ width: 17, height: 16, encoding: 'rgb8', data }), { code: 'RECOGNITION_FRAME_INVALID' });
    assert.throws(() => decodeImage(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9])), { code: 'RECOGNITION_FRAME_INVALID' });
  });
});
