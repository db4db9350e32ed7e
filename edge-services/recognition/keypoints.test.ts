/**
 * Keypoints (keypoints.ts), their geometric verification (verify.ts) and the
 * decision that uses them (matcher.ts verify()). Pure: synthetic pictures
 * drawn here, no TensorFlow.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { checkGatewayEnrolmentWrite, type EnrolmentDoc } from '../../core/index.ts';
import type { RgbImage } from './image.ts';
import { decodeKeypoints, encodeKeypoints, extractKeypoints, MAX_KEYPOINTS } from './keypoints.ts';
import { DEFAULT_MATCH_POLICY, ProductIndex, verify, type MatchResult } from './matcher.ts';
import { countInliers } from './verify.ts';

/** A flat "print": random rectangles and bars of random grey levels on a 200x200 tile, from a seed. */
function printTile(seed: number): (u: number, v: number) => number {
  let s = seed;
  const next = () => (s = (s * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
  const shapes = Array.from({ length: 60 }, () => ({ x: next() * 180, y: next() * 180, w: 6 + next() * 30, h: 6 + next() * 30, g: Math.round(next() * 255) }));
  return (u, v) => {
    let g = 200;
    for (const r of shapes) if (u >= r.x && u < r.x + r.w && v >= r.y && v < r.y + r.h) g = r.g;
    return g;
  };
}

/** A 320x240 frame with the tile drawn at (cx, cy), rotated by `deg` and scaled, on a plain background. */
function frame(tile: (u: number, v: number) => number, cx: number, cy: number, deg: number, scale: number): RgbImage {
  const width = 320;
  const height = 240;
  const data = new Uint8Array(width * height * 3).fill(90);
  const a = (deg * Math.PI) / 180;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      // Inverse map: frame pixel -> tile coordinates.
      const dx = (x - cx) / scale;
      const dy = (y - cy) / scale;
      const u = Math.cos(a) * dx + Math.sin(a) * dy + 100;
      const v = -Math.sin(a) * dx + Math.cos(a) * dy + 100;
      if (u < 0 || v < 0 || u >= 200 || v >= 200) continue;
      data.fill(tile(u, v), (y * width + x) * 3, (y * width + x) * 3 + 3);
    }
  }
  return { width, height, data };
}

const around = (cx: number, cy: number, half: number) => ({ x: cx - half, y: cy - half, w: 2 * half, h: 2 * half });

describe('keypoints', () => {
  const tile = printTile(7);
  const upright = frame(tile, 160, 120, 0, 1);
  const box = around(160, 120, 110);

  it('finds up to MAX_KEYPOINTS corners, the same ones every time, and survives its text form', () => {
    const k = extractKeypoints(upright, box);
    assert.ok(k.count > 60 && k.count <= MAX_KEYPOINTS, `count ${k.count}`);
    const text = encodeKeypoints(k);
    assert.equal(encodeKeypoints(extractKeypoints(upright, box)), text, 'deterministic');
    assert.match(text, /^orb1\.[A-Za-z0-9+/]+={0,2}$/);
    const back = decodeKeypoints(text)!;
    assert.equal(back.count, k.count);
    assert.deepEqual([...back.x], [...k.x]);
    assert.deepEqual([...back.descriptors], [...k.descriptors]);
  });

  it('a plain surface has no keypoints, and its text form still decodes', () => {
    const plain: RgbImage = { width: 100, height: 100, data: new Uint8Array(100 * 100 * 3).fill(140) };
    const k = extractKeypoints(plain, { x: 10, y: 10, w: 80, h: 80 });
    assert.equal(k.count, 0);
    assert.equal(decodeKeypoints(encodeKeypoints(k))?.count, 0);
  });

  it('refuses another encoding or a damaged string (undefined: the view is matched by its vector alone)', () => {
    const text = encodeKeypoints(extractKeypoints(upright, box));
    assert.equal(decodeKeypoints(text.replace('orb1.', 'orb2.')), undefined);
    assert.equal(decodeKeypoints(text.slice(0, -8)), undefined);
    assert.equal(decodeKeypoints('orb1.'), undefined);
  });
});

describe('geometric verification', () => {
  const tile = printTile(7);
  const reference = extractKeypoints(frame(tile, 160, 120, 0, 1), around(160, 120, 110));

  it('the same print rotated, scaled and moved matches under one transform', () => {
    for (const [deg, scale] of [
      [30, 1],
      [-20, 0.8],
      [90, 0.9],
    ] as const) {
      const view = frame(tile, 150, 125, deg, scale);
      const n = countInliers(extractKeypoints(view, around(150, 125, 110 * scale * 1.3)), reference);
      assert.ok(n >= 20, `rotated ${deg}, scale ${scale}: ${n} inliers`);
    }
  });

  it('another print does not', () => {
    for (const seed of [8, 9, 10]) {
      const other = extractKeypoints(frame(printTile(seed), 160, 120, 15, 1), around(160, 120, 110));
      const n = countInliers(other, reference);
      assert.ok(n < DEFAULT_MATCH_POLICY.vetoBelow, `print ${seed}: ${n} inliers`);
    }
  });

  it('part of the print (a box over about half of it) still matches, far above another print', () => {
    const part = countInliers(extractKeypoints(frame(tile, 160, 120, 0, 1), { x: 40, y: 20, w: 150, h: 150 }), reference);
    const others = [8, 9, 10].map((seed) => countInliers(extractKeypoints(frame(printTile(seed), 160, 120, 0, 1), { x: 40, y: 20, w: 150, h: 150 }), reference));
    assert.ok(part >= 10 && part >= 2 * Math.max(...others), `part ${part} inliers, other prints ${others}`);
  });
});

describe('the decision with keypoint evidence', () => {
  const policy = DEFAULT_MATCH_POLICY;
  const visual = (outcome: MatchResult['outcome'], productId: string | undefined, confidence: number): MatchResult => ({
    outcome,
    ...(productId ? { productId } : {}),
    confidence,
    candidates: [
      { productId: 'cola', similarity: 0.8 },
      { productId: 'lime', similarity: 0.79 },
    ],
  });

  it('enough inliers, well ahead of the next candidate, make the product, even from unknown', () => {
    const m = verify(
      visual('unknown', undefined, 0.19),
      new Map([
        ['cola', 30],
        ['lime', 6],
      ]),
      policy,
    );
    assert.equal(m.outcome, 'product');
    assert.equal(m.productId, 'cola');
    assert.equal(m.confidence, 0.75);
    assert.deepEqual(
      m.candidates.map((c) => c.inliers),
      [30, 6],
    );
  });

  it('near-twins that both match (no clear lead) keep the visual answer', () => {
    const m = verify(
      visual('ask', 'cola', 0.3),
      new Map([
        ['cola', 30],
        ['lime', 27],
      ]),
      policy,
    );
    assert.equal(m.outcome, 'ask');
    assert.equal(m.productId, 'cola');
  });

  it('keypoints overrule the visual top-1 when the other product clearly matches', () => {
    const m = verify(
      visual('product', 'cola', 0.6),
      new Map([
        ['cola', 9],
        ['lime', 44],
      ]),
      policy,
    );
    assert.equal(m.productId, 'lime');
    assert.equal(m.outcome, 'product');
    assert.equal(m.confidence, 1);
  });

  it('a visual product whose print does not match at all becomes ask', () => {
    const m = verify(
      visual('product', 'cola', 0.9),
      new Map([
        ['cola', 3],
        ['lime', 2],
      ]),
      policy,
    );
    assert.equal(m.outcome, 'ask');
    assert.ok(m.confidence < policy.minConfidence);
  });

  it("the site's threshold applies to the verified confidence too", () => {
    const m = verify(visual('unknown', undefined, 0.1), new Map([['cola', 24]]), { ...policy, minConfidence: 0.8 });
    assert.equal(m.outcome, 'ask');
    assert.equal(m.productId, 'cola');
  });

  it('products without keypoints (version-0 enrolments) are left to the vectors, and nothing is extracted for them', () => {
    const index = new ProductIndex();
    const v = Float32Array.from([1, 0, 0]);
    index.replaceAll([{ enrolmentId: 'e1', productId: 'cola', vectors: [v] }]);
    let extracted = 0;
    const m = index.matchVerified(v, () => {
      extracted++;
      return { count: 0, x: new Uint8Array(0), y: new Uint8Array(0), descriptors: new Uint32Array(0) };
    });
    assert.equal(m.outcome, 'product');
    assert.equal(extracted, 0);
    assert.equal(m.candidates[0]!.inliers, undefined);
  });

  it('an enrolment with keypoints is verified, and damaged keypoint strings are skipped', () => {
    const tile = printTile(7);
    const image = frame(tile, 160, 120, 0, 1);
    const box = around(160, 120, 110);
    const text = encodeKeypoints(extractKeypoints(image, box));
    const index = new ProductIndex();
    const v = Float32Array.from([1, 0, 0]);
    index.replaceAll([{ enrolmentId: 'e1', productId: 'cola', vectors: [v, v], keypoints: [text, 'orb1.broken'] }]);
    const m = index.matchVerified(v, () => extractKeypoints(frame(tile, 150, 120, 25, 0.9), around(150, 120, 120)));
    assert.equal(m.productId, 'cola');
    assert.ok((m.candidates[0]!.inliers ?? 0) >= policy.minInliers, JSON.stringify(m.candidates));
  });
});

describe('the enrolment write check and keypoints', () => {
  const writer = { siteId: 's1', gatewayId: 'gw1' };
  const doc: EnrolmentDoc = {
    id: '01890a5d-ac96-774b-bcce-b302099a8058',
    siteId: 's1',
    productId: 'p1',
    modelId: 'm',
    dims: 2,
    embeddings: [
      [1, 0],
      [0, 1],
      [0.6, 0.8],
    ],
    keypoints: ['orb1.AAA=', 'orb1.AAA=', 'orb1.AAA='],
    createdAt: '2026-12-01T10:00:00.000Z',
    createdBy: 'gw1',
  };

  it('accepts one keypoint set per view, or none (a version-0 document)', () => {
    assert.deepEqual(checkGatewayEnrolmentWrite(undefined, doc, writer), { ok: true });
    const { keypoints: _k, ...v0 } = doc;
    assert.deepEqual(checkGatewayEnrolmentWrite(undefined, v0, writer), { ok: true });
  });

  it('refuses keypoints that do not match the views, and any later change to them', () => {
    assert.deepEqual(checkGatewayEnrolmentWrite(undefined, { ...doc, keypoints: ['orb1.AAA='] }, writer), { ok: false, code: 'ENROLMENT_INVALID', field: 'keypoints' });
    assert.deepEqual(checkGatewayEnrolmentWrite(doc, { ...doc, keypoints: ['orb1.AAA=', 'orb1.AAA=', 'orb1.AQA='] }, writer), { ok: false, code: 'ENROLMENT_IMMUTABLE', field: 'keypoints' });
  });
});
