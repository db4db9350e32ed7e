/**
 * The visual embedding of one object: what enrolment stores and matching
 * compares. Two parts, each L2-normalised, then weighted and concatenated:
 *
 * - deep: the detector's backbone (MobileNetV3, COCO) run on the object's
 *   crop at 224x224, last stage max-pooled (480 values), then
 *   power-normalised. A detector's backbone is no product descriptor, but
 *   it knows shapes and print that colour alone confuses.
 * - colour: HSV histograms of the inner ellipse and of the ring around it
 *   (hue x saturation x value, value only for greys), Hellinger-normalised.
 *   Rotation-invariant and cheap.
 * Both see the object after auto-exposure (exposureGain), the one change that
 * helped most against the test frames' dimmer and brighter light.
 * Equal weights, and the match policy in matcher.ts, were chosen on two
 * calibration sets made by eval-set/generate.ts with other seeds (777, 778),
 * not on the evaluation set the test and the bench report.
 * Tried and dropped (no gain on the calibration sets): average pooling beside
 * max pooling, earlier backbone layers, rotated copies of enrolment views.
 *
 * Why nearest neighbours over embeddings rather than a trained head: an
 * operator enrols a product at the till from 3-10 views and expects it to
 * work at once; the vectors replicate as plain data and every gateway of the
 * site then answers identically with no training step; and the distance to
 * the nearest reference gives open-set rejection (unknown objects) for free.
 */
import type { PixelBox } from '../../core/index.ts';
import type { RgbImage } from './image.ts';

/** Bump when the embedding changes: enrolments of another id are not compared. */
export const EMBEDDING_ID = 'centernet-mb3-coco/crop224-gain-gmp+hsv-rings-v2';
export const DEEP_WEIGHT = 1;
export const COLOUR_WEIGHT = 1;

const HUE_BINS = 16;
const GREY_BINS = 4;
const RING_DIMS = HUE_BINS * 2 * 2 + GREY_BINS;
export const COLOUR_DIMS = 2 * RING_DIMS;

function normalise(v: Float32Array): Float32Array {
  let s = 0;
  for (const x of v) s += x * x;
  const n = Math.sqrt(s) || 1;
  for (let i = 0; i < v.length; i++) v[i] = v[i]! / n;
  return v;
}

/** Power-normalised (signed square root), unit-length deep descriptor from Detector.cropFeatures. */
export function deepDescriptor(raw: Float32Array): Float32Array {
  const out = new Float32Array(raw.length);
  for (let i = 0; i < raw.length; i++) out[i] = Math.sign(raw[i]!) * Math.sqrt(Math.abs(raw[i]!));
  return normalise(out);
}

/**
 * HSV histograms of the pixels in the box (sampled on a grid of at most
 * ~64x64), one for the inner ellipse and one for the ring around it: still
 * rotation-invariant, but it knows "red emblem on yellow" from "yellow emblem
 * on red". The box's corners (mostly background) are left out.
 */
export function colourDescriptor(image: RgbImage, box: PixelBox): Float32Array {
  const hist = new Float32Array(COLOUR_DIMS);
  const x0 = Math.max(0, Math.floor(box.x));
  const y0 = Math.max(0, Math.floor(box.y));
  const x1 = Math.min(image.width, Math.ceil(box.x + box.w));
  const y1 = Math.min(image.height, Math.ceil(box.y + box.h));
  const step = Math.max(1, Math.floor(Math.max(x1 - x0, y1 - y0) / 64));
  const cx = (x0 + x1) / 2;
  const cy = (y0 + y1) / 2;
  const rx = Math.max(1, (x1 - x0) / 2);
  const ry = Math.max(1, (y1 - y0) / 2);
  const gain = exposureGain(image, box);
  for (let y = y0; y < y1; y += step) {
    for (let x = x0; x < x1; x += step) {
      const dx = (x - cx) / rx;
      const dy = (y - cy) / ry;
      const d2 = dx * dx + dy * dy;
      if (d2 > 1) continue;
      const ring = d2 < 0.3 ? 0 : RING_DIMS;
      const i = (y * image.width + x) * 3;
      const r = Math.min(1, (image.data[i]! / 255) * gain);
      const g = Math.min(1, (image.data[i + 1]! / 255) * gain);
      const b = Math.min(1, (image.data[i + 2]! / 255) * gain);
      const max = Math.max(r, g, b);
      const min = Math.min(r, g, b);
      const v = max;
      const s = max === 0 ? 0 : (max - min) / max;
      if (s < 0.25 || v < 0.15) {
        hist[ring + HUE_BINS * 4 + Math.min(GREY_BINS - 1, Math.floor(v * GREY_BINS))]! += 1;
        continue;
      }
      let h: number;
      const d = max - min;
      if (max === r) h = ((g - b) / d + 6) % 6;
      else if (max === g) h = (b - r) / d + 2;
      else h = (r - g) / d + 4;
      // Soft hue binning: split between the two nearest bins.
      const hf = (h / 6) * HUE_BINS - 0.5;
      const lo = Math.floor(hf);
      const frac = hf - lo;
      const sb = s < 0.6 ? 0 : 1;
      const vb = v < 0.5 ? 0 : 1;
      const a = ((lo % HUE_BINS) + HUE_BINS) % HUE_BINS;
      const c = (a + 1) % HUE_BINS;
      hist[ring + (a * 2 + sb) * 2 + vb]! += 1 - frac;
      hist[ring + (c * 2 + sb) * 2 + vb]! += frac;
    }
  }
  // Each ring sums to 1 (so the object's size does not matter), then Hellinger.
  for (const start of [0, RING_DIMS]) {
    let sum = 0;
    for (let k = start; k < start + RING_DIMS; k++) sum += hist[k]!;
    for (let k = start; k < start + RING_DIMS; k++) hist[k] = Math.sqrt(hist[k]! / (sum || 1));
  }
  return normalise(hist);
}

/**
 * Auto-exposure of one object, for both descriptors: the gain that brings the
 * box's bright end (95th percentile of each pixel's brightest channel) to
 * full scale, within 0.7-2. Under dimmer or brighter light than at enrolment
 * the same packaging then lands in the same value bins and the backbone sees
 * about the same pixels; hue and saturation are ratios a gain leaves alone.
 */
export function exposureGain(image: RgbImage, box: PixelBox): number {
  const x0 = Math.max(0, Math.floor(box.x));
  const y0 = Math.max(0, Math.floor(box.y));
  const x1 = Math.min(image.width, Math.ceil(box.x + box.w));
  const y1 = Math.min(image.height, Math.ceil(box.y + box.h));
  const step = Math.max(1, Math.floor(Math.max(x1 - x0, y1 - y0) / 64));
  const counts = new Uint32Array(256);
  let n = 0;
  for (let y = y0; y < y1; y += step) {
    for (let x = x0; x < x1; x += step) {
      const i = (y * image.width + x) * 3;
      counts[Math.max(image.data[i]!, image.data[i + 1]!, image.data[i + 2]!)]! += 1;
      n++;
    }
  }
  let seen = 0;
  let p95 = 255;
  for (let v = 255; v >= 0; v--) {
    seen += counts[v]!;
    if (seen >= n * 0.05) {
      p95 = v;
      break;
    }
  }
  return Math.max(0.7, Math.min(2, 255 / Math.max(1, p95)));
}

/** The stored and compared vector: weighted, concatenated parts (unit length overall). */
export function combine(deep: Float32Array, colour: Float32Array, deepWeight = DEEP_WEIGHT, colourWeight = COLOUR_WEIGHT): Float32Array {
  const out = new Float32Array(deep.length + colour.length);
  for (let i = 0; i < deep.length; i++) out[i] = deep[i]! * deepWeight;
  for (let i = 0; i < colour.length; i++) out[deep.length + i] = colour[i]! * colourWeight;
  return normalise(out);
}

export function embed(image: RgbImage, cropFeatures: Float32Array, box: PixelBox): Float32Array {
  return combine(deepDescriptor(cropFeatures), colourDescriptor(image, box));
}

export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) s += a[i]! * b[i]!;
  return s;
}
