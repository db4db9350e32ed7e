/**
 * Local features of an object's print (ORB-style): corners found by FAST-9 on
 * a small pyramid of the object's crop, ranked by the Harris response, each
 * with its orientation (intensity centroid) and a 256-bit binary descriptor of
 * intensity comparisons rotated to that orientation (steered BRIEF).
 *
 * Why, beside the embedding (embedding.ts): a packaged product is mostly flat
 * print (brand, text, emblems), and two views of the same print share many
 * corners that sit where one rotation, scale and shift puts them (verify.ts),
 * while another product's print, or an unknown object, shares almost none.
 * That tells near-twin packs apart, recognises a product from a box that
 * covers only part of it, and keeps an unknown object whose colours resemble
 * a product out. The embedding still ranks the candidates, so only a few
 * references are compared per object.
 *
 * Pure TypeScript on the frame's pixels: no TensorFlow, and the same answer on
 * every gateway (no randomness; the comparison pattern is fixed).
 */
import type { PixelBox } from '../../core/index.ts';
import type { RgbImage } from './image.ts';

/** The crop's longer side in pixels; keypoint positions are in this frame (so they fit a byte). */
export const KEYPOINT_SIDE = 224;
/** At most this many keypoints per crop (the strongest corners). */
export const MAX_KEYPOINTS = 200;
/** Brightness step (0-255) that makes a FAST corner. */
const FAST_THRESHOLD = 12;
const PYRAMID_LEVELS = 3;
const PYRAMID_FACTOR = 1.3;
/** No keypoint this close to a level's edge: its comparison patch (radius 13) must fit. */
const BORDER = 16;
const WORDS = 8; // 256 bits

export type Keypoints = {
  count: number;
  /** Positions in the crop's frame (longer side KEYPOINT_SIDE). */
  x: Uint8Array;
  y: Uint8Array;
  /** `count` descriptors of WORDS 32-bit words each. */
  descriptors: Uint32Array;
};

type Gray = { w: number; h: number; data: Float32Array };

/** The box's pixels as brightness, resampled (bilinear) so that the longer side is `side`. */
export function grayCrop(image: RgbImage, box: PixelBox, side = KEYPOINT_SIDE): Gray {
  const s = side / Math.max(1, box.w, box.h);
  const w = Math.max(8, Math.round(box.w * s));
  const h = Math.max(8, Math.round(box.h * s));
  // The frame's pixels the samples fall between, each turned to brightness once.
  const x0 = Math.max(0, Math.floor(box.x + 0.5 / s - 0.5));
  const y0 = Math.max(0, Math.floor(box.y + 0.5 / s - 0.5));
  const x1 = Math.min(image.width, Math.floor(box.x + (w - 0.5) / s - 0.5) + 2);
  const y1 = Math.min(image.height, Math.floor(box.y + (h - 0.5) / s - 0.5) + 2);
  // At least 2 x 2, so that every sample has its right and lower neighbours.
  const left = Math.max(0, Math.min(x0, x1 - 2));
  const top = Math.max(0, Math.min(y0, y1 - 2));
  return resample(brightness(image, left, top, x1, y1), box.x - left, box.y - top, 1 / s, w, h);
}

/** Brightness (Rec. 601 luma) of the frame's pixels in [x0, x1) x [y0, y1). */
function brightness(image: RgbImage, x0: number, y0: number, x1: number, y1: number): Gray {
  const w = x1 - x0;
  const h = y1 - y0;
  const out = new Float32Array(w * h);
  const src = image.data;
  for (let y = 0; y < h; y++) {
    for (let x = 0, i = ((y0 + y) * image.width + x0) * 3; x < w; x++, i += 3) {
      out[y * w + x] = 0.299 * src[i]! + 0.587 * src[i + 1]! + 0.114 * src[i + 2]!;
    }
  }
  return { w, h, data: out };
}

/**
 * A w x h image of bilinear samples of `g`: pixel (x, y) samples g at
 * (ox + (x + 0.5) * step - 0.5, oy + (y + 0.5) * step - 0.5), clamped to g's edges.
 * The crop (step < 1 enlarges) and the pyramid's levels (step > 1) alike.
 */
function resample(g: Gray, ox: number, oy: number, step: number, w: number, h: number): Gray {
  const out = new Float32Array(w * h);
  const d = g.data;
  const W = g.w;
  // g is at least 2 x 2: a sample's right and lower neighbours exist.
  const maxX = g.w - 1.001;
  const maxY = g.h - 1.001;
  for (let y = 0; y < h; y++) {
    const sy = Math.min(maxY, Math.max(0, oy + (y + 0.5) * step - 0.5));
    const y0 = Math.floor(sy);
    const fy = sy - y0;
    for (let x = 0; x < w; x++) {
      const sx = Math.min(maxX, Math.max(0, ox + (x + 0.5) * step - 0.5));
      const x0 = Math.floor(sx);
      const fx = sx - x0;
      const i = y0 * W + x0;
      out[y * w + x] = (d[i]! * (1 - fx) + d[i + 1]! * fx) * (1 - fy) + (d[i + W]! * (1 - fx) + d[i + W + 1]! * fx) * fy;
    }
  }
  return { w, h, data: out };
}

/** Separable box blur (radius 2): the descriptor compares smoothed pixels, as BRIEF does, so noise flips few bits. */
function blur(g: Gray): Gray {
  const { w, h, data } = g;
  const tmp = new Float32Array(w * h);
  const out = new Float32Array(w * h);
  const r = 2;
  for (let y = 0; y < h; y++) {
    const row = y * w;
    for (let x = 0; x < w; x++) {
      let s = 0;
      let n = 0;
      for (let k = Math.max(0, x - r); k <= Math.min(w - 1, x + r); k++, n++) s += data[row + k]!;
      tmp[row + x] = s / n;
    }
  }
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let s = 0;
      let n = 0;
      for (let k = Math.max(0, y - r); k <= Math.min(h - 1, y + r); k++, n++) s += tmp[k * w + x]!;
      out[y * w + x] = s / n;
    }
  }
  return { w, h, data: out };
}

/** The 16 pixels of the radius-3 Bresenham circle FAST tests, clockwise from the top. */
const CIRCLE: readonly [number, number][] = [
  [0, -3],
  [1, -3],
  [2, -2],
  [3, -1],
  [3, 0],
  [3, 1],
  [2, 2],
  [1, 3],
  [0, 3],
  [-1, 3],
  [-2, 2],
  [-3, 1],
  [-3, 0],
  [-3, -1],
  [-2, -2],
  [-1, -3],
];

/**
 * The comparison pattern: 256 point pairs within radius 12, drawn once from a
 * fixed-seed generator (roughly Gaussian around the keypoint, as in BRIEF), then
 * rotated to 30 orientations. Fixed forever for the encoding `orb1`: a change
 * needs a new encoding name, or old enrolments' descriptors stop matching.
 */
const ANGLE_STEPS = 30;
const PATTERN: readonly Int8Array[] = (() => {
  let seed = 12345;
  const next = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
  const gauss = () => (next() + next() + next() + next() - 2) * 1.73;
  const pairs: number[][] = [];
  while (pairs.length < 256) {
    const p = [gauss(), gauss(), gauss(), gauss()].map((v) => Math.max(-12, Math.min(12, v * 5)));
    if (Math.hypot(p[0]! - p[2]!, p[1]! - p[3]!) > 1) pairs.push(p);
  }
  return Array.from({ length: ANGLE_STEPS }, (_, a) => {
    const t = (a / ANGLE_STEPS) * 2 * Math.PI;
    const c = Math.cos(t);
    const s = Math.sin(t);
    const out = new Int8Array(256 * 4);
    pairs.forEach(([x1, y1, x2, y2], i) => {
      out[i * 4] = Math.round(c * x1! - s * y1!);
      out[i * 4 + 1] = Math.round(s * x1! + c * y1!);
      out[i * 4 + 2] = Math.round(c * x2! - s * y2!);
      out[i * 4 + 3] = Math.round(s * x2! + c * y2!);
    });
    return out;
  });
})();

type Corner = { x: number; y: number; score: number; level: number };

/** FAST-9 corners of one level with their Harris response, after 3x3 non-maximum suppression. */
function corners(g: Gray, level: number, out: Corner[]): void {
  const { w, h, data } = g;
  const offsets = CIRCLE.map(([dx, dy]) => dy * w + dx);
  const score = new Float32Array(w * h);
  for (let y = BORDER; y < h - BORDER; y++) {
    for (let x = BORDER; x < w - BORDER; x++) {
      const i = y * w + x;
      const c = data[i]!;
      const hi = c + FAST_THRESHOLD;
      const lo = c - FAST_THRESHOLD;
      // Quick rejection: a 9-arc covers at least 3 of the 4 compass points.
      let bright = 0;
      let dark = 0;
      for (let k = 0; k < 16; k += 4) {
        const v = data[i + offsets[k]!]!;
        if (v > hi) bright++;
        else if (v < lo) dark++;
      }
      if (bright < 3 && dark < 3) continue;
      let found = false;
      let run = 0;
      if (bright >= 3) {
        for (let k = 0; k < 25; k++) {
          if (data[i + offsets[k & 15]!]! > hi) {
            if (++run >= 9) {
              found = true;
              break;
            }
          } else run = 0;
        }
      }
      if (!found && dark >= 3) {
        run = 0;
        for (let k = 0; k < 25; k++) {
          if (data[i + offsets[k & 15]!]! < lo) {
            if (++run >= 9) {
              found = true;
              break;
            }
          } else run = 0;
        }
      }
      if (!found) continue;
      let a = 0;
      let b = 0;
      let ab = 0;
      for (let yy = -3; yy <= 3; yy++) {
        for (let xx = -3; xx <= 3; xx++) {
          const j = i + yy * w + xx;
          const ix = data[j + 1]! - data[j - 1]!;
          const iy = data[j + w]! - data[j - w]!;
          a += ix * ix;
          b += iy * iy;
          ab += ix * iy;
        }
      }
      score[i] = a * b - ab * ab - 0.04 * (a + b) * (a + b);
    }
  }
  for (let y = BORDER; y < h - BORDER; y++) {
    for (let x = BORDER; x < w - BORDER; x++) {
      const i = y * w + x;
      const s = score[i]!;
      if (s <= 0) continue;
      if (s < score[i - 1]! || s < score[i + 1]! || s < score[i - w - 1]! || s < score[i - w]! || s < score[i - w + 1]! || s < score[i + w - 1]! || s < score[i + w]! || s < score[i + w + 1]!)
        continue;
      out.push({ x, y, score: s, level });
    }
  }
}

/** Keypoints of the object in `box`. */
export function extractKeypoints(image: RgbImage, box: PixelBox, maxKeypoints = MAX_KEYPOINTS): Keypoints {
  const base = grayCrop(image, box);
  const found: Corner[] = [];
  const smoothed: Gray[] = [];
  const scales: number[] = [];
  for (let level = 0, scale = 1; level < PYRAMID_LEVELS; level++, scale *= PYRAMID_FACTOR) {
    if (base.w / scale < 2 * BORDER + 8 || base.h / scale < 2 * BORDER + 8) break;
    const g = level === 0 ? base : resample(base, 0, 0, scale, Math.round(base.w / scale), Math.round(base.h / scale));
    corners(g, level, found);
    smoothed.push(blur(g));
    scales.push(scale);
  }
  found.sort((p, q) => q.score - p.score);
  const count = Math.min(maxKeypoints, found.length);
  const x = new Uint8Array(count);
  const y = new Uint8Array(count);
  const descriptors = new Uint32Array(count * WORDS);
  for (let k = 0; k < count; k++) {
    const p = found[k]!;
    const g = smoothed[p.level]!;
    const w = g.w;
    const d = g.data;
    const centre = p.y * w + p.x;
    // Orientation: from the keypoint to the patch's intensity centroid (radius 13).
    let m10 = 0;
    let m01 = 0;
    for (let yy = -13; yy <= 13; yy++) {
      const span = Math.floor(Math.sqrt(169 - yy * yy));
      for (let xx = -span; xx <= span; xx++) {
        const v = d[centre + yy * w + xx]!;
        m10 += xx * v;
        m01 += yy * v;
      }
    }
    const turn = Math.atan2(m01, m10) / (2 * Math.PI);
    const pattern = PATTERN[((Math.round(turn * ANGLE_STEPS) % ANGLE_STEPS) + ANGLE_STEPS) % ANGLE_STEPS]!;
    for (let bit = 0; bit < 256; bit++) {
      const q = bit * 4;
      if (d[centre + pattern[q + 1]! * w + pattern[q]!]! < d[centre + pattern[q + 3]! * w + pattern[q + 2]!]!) {
        descriptors[k * WORDS + (bit >> 5)]! |= 1 << (bit & 31);
      }
    }
    x[k] = Math.min(255, Math.round(p.x * scales[p.level]!));
    y[k] = Math.min(255, Math.round(p.y * scales[p.level]!));
  }
  return { count, x, y, descriptors };
}

/** Versioned text form for the enrolment document: `orb1.` + base64 of count (u16), x, y, descriptors. */
export const KEYPOINT_ENCODING = 'orb1';

export function encodeKeypoints(k: Keypoints): string {
  const bytes = new Uint8Array(2 + k.count * 2 + k.count * WORDS * 4);
  bytes[0] = k.count & 0xff;
  bytes[1] = k.count >> 8;
  bytes.set(k.x.subarray(0, k.count), 2);
  bytes.set(k.y.subarray(0, k.count), 2 + k.count);
  const desc = new Uint8Array(k.descriptors.buffer, k.descriptors.byteOffset, k.count * WORDS * 4);
  // Little-endian on every platform we run (x86-64, arm64), as DataView would write it.
  bytes.set(desc, 2 + 2 * k.count);
  return `${KEYPOINT_ENCODING}.${Buffer.from(bytes).toString('base64')}`;
}

/** The keypoints of an encoded string; undefined for another encoding or a damaged string (the view then has none). */
export function decodeKeypoints(text: string): Keypoints | undefined {
  if (!text.startsWith(`${KEYPOINT_ENCODING}.`)) return undefined;
  const bytes = Buffer.from(text.slice(KEYPOINT_ENCODING.length + 1), 'base64');
  if (bytes.length < 2) return undefined;
  const count = bytes[0]! | (bytes[1]! << 8);
  if (bytes.length !== 2 + count * 2 + count * WORDS * 4) return undefined;
  const copy = new Uint8Array(bytes); // aligned, owned
  return {
    count,
    x: copy.slice(2, 2 + count),
    y: copy.slice(2 + count, 2 + 2 * count),
    descriptors: new Uint32Array(copy.slice(2 + 2 * count).buffer),
  };
}
