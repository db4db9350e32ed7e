/**
 * Geometric verification of two sets of keypoints (keypoints.ts): how many of
 * the object's corners match a reference view's corners under one similarity
 * transform (rotation, scale, shift), the classic check of local-feature
 * matching. Descriptor matches alone are noisy; matches that agree on one
 * transform are not: an unknown object gets a handful, the same print dozens.
 *
 * Deterministic: the RANSAC samples come from a fixed-seed generator, so every
 * gateway counts the same inliers for the same pixels.
 */
import type { Keypoints } from './keypoints.ts';

/** A match's Hamming distance (of 256 bits) must be at most this... */
const MAX_DISTANCE = 64;
/** ...and clearly better than the second-best candidate (Lowe's ratio test). */
const RATIO = 0.8;
/** Inlier tolerance, in pixels of the crop frame (longer side 224). */
const TOLERANCE = 10;
const ITERATIONS = 150;
/** Scale change between the views that still counts (a box may cover part of the pack). */
const MIN_SCALE = 0.4;
const MAX_SCALE = 2.5;

function popcount(v: number): number {
  v -= (v >>> 1) & 0x55555555;
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (((v + (v >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

/** Matches of query keypoints to reference keypoints (index pairs), by nearest Hamming distance and the ratio test. */
export function matchDescriptors(q: Keypoints, r: Keypoints): { query: Int32Array; ref: Int32Array; count: number } {
  const query = new Int32Array(q.count);
  const ref = new Int32Array(q.count);
  let count = 0;
  const qd = q.descriptors;
  const rd = r.descriptors;
  for (let i = 0; i < q.count; i++) {
    const a = i * 8;
    const a0 = qd[a]!,
      a1 = qd[a + 1]!,
      a2 = qd[a + 2]!,
      a3 = qd[a + 3]!,
      a4 = qd[a + 4]!,
      a5 = qd[a + 5]!,
      a6 = qd[a + 6]!,
      a7 = qd[a + 7]!;
    let best = 257;
    let second = 257;
    let bestJ = -1;
    for (let j = 0, b = 0; j < r.count; j++, b += 8) {
      const d =
        popcount(a0 ^ rd[b]!) +
        popcount(a1 ^ rd[b + 1]!) +
        popcount(a2 ^ rd[b + 2]!) +
        popcount(a3 ^ rd[b + 3]!) +
        popcount(a4 ^ rd[b + 4]!) +
        popcount(a5 ^ rd[b + 5]!) +
        popcount(a6 ^ rd[b + 6]!) +
        popcount(a7 ^ rd[b + 7]!);
      if (d < best) {
        second = best;
        best = d;
        bestJ = j;
      } else if (d < second) second = d;
    }
    if (best <= MAX_DISTANCE && best < RATIO * second) {
      query[count] = i;
      ref[count] = bestJ;
      count++;
    }
  }
  return { query, ref, count };
}

/** The largest number of matches one similarity transform explains (0 when fewer than 3 matches). */
export function countInliers(q: Keypoints, r: Keypoints): number {
  const m = matchDescriptors(q, r);
  if (m.count < 3) return 0;
  // A 32-bit LCG in integer arithmetic (Math.imul), indices from its high bits:
  // its low bits repeat with short periods, and a float product would round.
  let seed = 987654321;
  const next = () => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return (seed >>> 8) % m.count;
  };
  const qx = new Float32Array(m.count),
    qy = new Float32Array(m.count),
    rx = new Float32Array(m.count),
    ry = new Float32Array(m.count);
  for (let k = 0; k < m.count; k++) {
    qx[k] = q.x[m.query[k]!]!;
    qy[k] = q.y[m.query[k]!]!;
    rx[k] = r.x[m.ref[k]!]!;
    ry[k] = r.y[m.ref[k]!]!;
  }
  const tol2 = TOLERANCE * TOLERANCE;
  let best = 0;
  for (let it = 0; it < ITERATIONS; it++) {
    const a = next();
    const b = next();
    if (a === b) continue;
    // The transform that takes query a->ref a and query b->ref b (as complex numbers: r = z q + t).
    const dqx = qx[b]! - qx[a]!,
      dqy = qy[b]! - qy[a]!;
    const drx = rx[b]! - rx[a]!,
      dry = ry[b]! - ry[a]!;
    const den = dqx * dqx + dqy * dqy;
    if (den < 25) continue;
    const zr = (drx * dqx + dry * dqy) / den;
    const zi = (dry * dqx - drx * dqy) / den;
    const scale = Math.hypot(zr, zi);
    if (scale < MIN_SCALE || scale > MAX_SCALE) continue;
    const tx = rx[a]! - (zr * qx[a]! - zi * qy[a]!);
    const ty = ry[a]! - (zi * qx[a]! + zr * qy[a]!);
    let inliers = 0;
    for (let k = 0; k < m.count; k++) {
      const ex = zr * qx[k]! - zi * qy[k]! + tx - rx[k]!;
      const ey = zi * qx[k]! + zr * qy[k]! + ty - ry[k]!;
      if (ex * ex + ey * ey < tol2) inliers++;
    }
    if (inliers > best) best = inliers;
  }
  return best;
}
