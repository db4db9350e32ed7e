/**
 * Nearest-neighbour matching of an object's embedding against the products
 * enrolled at the site, with open-set rejection, then geometric verification
 * of the best candidates' print. Pure: no TensorFlow here.
 *
 * A product's score is its best reference's cosine similarity. The answer:
 * - below `unknownBelow`: unknown (never forced onto the nearest product);
 * - otherwise a confidence from how far above that line the best product is
 *   and how clearly it beats the runner-up; at or above the site's
 *   `minConfidence` it is the product, below it the person is asked to scan.
 * Then, where the enrolments carry keypoints (keypoints.ts), the best
 * `verifyCandidates` products are checked against the object's own keypoints
 * (verify.ts) and that evidence wins (`verify()` below): enough inliers, well
 * ahead of the next candidate, make the product (even from an `ask` or an
 * `unknown`, e.g. a box covering only part of the pack); a visual `product`
 * whose print does not match at all becomes `ask`.
 */
import type { RecognitionOutcome } from '../../core/index.ts';
import { dot } from './embedding.ts';
import { decodeKeypoints, type Keypoints } from './keypoints.ts';
import { countInliers } from './verify.ts';

/** One enrolment: a vector per view and, for enrolments made since keypoints exist, encoded keypoints per view. */
export type Reference = { enrolmentId: string; productId: string; vectors: Float32Array[]; keypoints?: string[] };

export type MatchPolicy = {
  /** Cosine similarity under which an object is unknown. */
  unknownBelow: number;
  /** Similarity at (and above) which the similarity part of the confidence is 1. */
  sureAbove: number;
  /** Lead over the second product at which the margin part of the confidence is 1. */
  fullMargin: number;
  /** The site's threshold: below it the kiosk or cart asks the person. */
  minConfidence: number;
  /** How many of the best products (by similarity) are verified by keypoints; 0 turns verification off. */
  verifyCandidates: number;
  /** Products under this similarity are not verified (nothing visual points at them). */
  verifyAbove: number;
  /** Inliers a verified product needs (an unknown object's crops reached 15 on the calibration sets). */
  minInliers: number;
  /** Inliers at which the verified confidence is 1 (it is minInliers / fullInliers at minInliers). */
  fullInliers: number;
  /** The verified product needs this many times the next candidate's inliers (near-twin packs share print). */
  inlierLead: number;
  /** A visual product with fewer inliers than this (and keypoints to check) becomes `ask`. */
  vetoBelow: number;
};

/**
 * Calibrated on two generated calibration sets (seeds 777 and 778, see
 * embedding.ts), not on the evaluation set; the site may raise minConfidence.
 */
export const DEFAULT_MATCH_POLICY: MatchPolicy = {
  unknownBelow: 0.78,
  sureAbove: 0.94,
  fullMargin: 0.15,
  minConfidence: 0.5,
  verifyCandidates: 3,
  verifyAbove: 0.75,
  minInliers: 20,
  fullInliers: 40,
  inlierLead: 1.2,
  vetoBelow: 8,
};

export type Candidate = { productId: string; similarity: number; inliers?: number };

export type MatchResult = {
  outcome: RecognitionOutcome;
  productId?: string;
  confidence: number;
  candidates: Candidate[];
};

type Indexed = Reference & { decoded: Keypoints[] };

export class ProductIndex {
  #refs = new Map<string, Indexed>();

  /**
   * Replaces everything (e.g. after the enrolment collection changed).
   * Enrolments are immutable, so an enrolment already held keeps its decoded keypoints.
   */
  replaceAll(refs: Reference[]): void {
    const next = new Map<string, Indexed>();
    for (const r of refs) {
      const decoded = this.#refs.get(r.enrolmentId)?.decoded ?? (r.keypoints ?? []).map(decodeKeypoints).filter((k): k is Keypoints => k !== undefined);
      next.set(r.enrolmentId, { ...r, decoded });
    }
    this.#refs = next;
  }

  /** Whether any of these products has keypoints to verify against. */
  hasKeypoints(productIds: string[]): boolean {
    for (const r of this.#refs.values()) if (r.decoded.length > 0 && productIds.includes(r.productId)) return true;
    return false;
  }

  /** Per product (of those given, with keypoints): the most inliers of any of its views. */
  inliers(query: Keypoints, productIds: string[]): Map<string, number> {
    const out = new Map<string, number>();
    for (const r of this.#refs.values()) {
      if (r.decoded.length === 0 || !productIds.includes(r.productId)) continue;
      for (const k of r.decoded) out.set(r.productId, Math.max(out.get(r.productId) ?? 0, countInliers(query, k)));
    }
    return out;
  }

  get size(): number {
    return this.#refs.size;
  }

  productIds(): string[] {
    return [...new Set([...this.#refs.values()].map((r) => r.productId))].sort();
  }

  /** Best similarity per product, best first. */
  rank(vector: Float32Array): { productId: string; similarity: number }[] {
    const best = new Map<string, number>();
    for (const ref of this.#refs.values()) {
      for (const v of ref.vectors) {
        const s = dot(vector, v);
        if (s > (best.get(ref.productId) ?? -Infinity)) best.set(ref.productId, s);
      }
    }
    return [...best.entries()].map(([productId, similarity]) => ({ productId, similarity })).sort((a, b) => b.similarity - a.similarity || (a.productId < b.productId ? -1 : 1));
  }

  match(vector: Float32Array, policy: MatchPolicy = DEFAULT_MATCH_POLICY): MatchResult {
    return decide(this.rank(vector), policy);
  }

  /**
   * match(), then keypoint verification of the best candidates. `keypoints` is
   * called only when there is something to verify (it costs a few ms per object).
   */
  matchVerified(vector: Float32Array, keypoints: () => Keypoints, policy: MatchPolicy = DEFAULT_MATCH_POLICY): MatchResult {
    const ranked = this.rank(vector);
    const visual = decide(ranked, policy);
    const ids = verifiable(ranked, policy);
    if (ids.length === 0 || !this.hasKeypoints(ids)) return visual;
    return verify(visual, this.inliers(keypoints(), ids), policy);
  }
}

/** The products that keypoint verification looks at: the best few by similarity, above `verifyAbove`. */
export function verifiable(ranked: { productId: string; similarity: number }[], policy: MatchPolicy): string[] {
  return ranked
    .slice(0, policy.verifyCandidates)
    .filter((c) => c.similarity >= policy.verifyAbove)
    .map((c) => c.productId);
}

/**
 * The visual answer, corrected by keypoint evidence (inliers per product that
 * has keypoints). Pure. A product with enough inliers and a clear lead over
 * the next candidate wins, with confidence inliers / fullInliers (or the
 * visual confidence, if that is the same product and higher). A visual
 * product whose own print has fewer than `vetoBelow` inliers is only a guess:
 * `ask`. Anything else keeps the visual answer.
 */
export function verify(visual: MatchResult, inliers: Map<string, number>, policy: MatchPolicy): MatchResult {
  const candidates = visual.candidates.map((c) => (inliers.has(c.productId) ? { ...c, inliers: inliers.get(c.productId)! } : c));
  const ordered = [...inliers.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  const [best, next] = ordered;
  if (best && best[1] >= policy.minInliers && best[1] >= policy.inlierLead * (next?.[1] ?? 0)) {
    const geometric = Math.round(clamp01(best[1] / policy.fullInliers) * 1e3) / 1e3;
    const confidence = visual.productId === best[0] && visual.outcome !== 'unknown' ? Math.max(geometric, visual.confidence) : geometric;
    return { outcome: confidence >= policy.minConfidence ? 'product' : 'ask', productId: best[0], confidence, candidates };
  }
  if (visual.outcome === 'product' && visual.productId !== undefined && inliers.has(visual.productId) && inliers.get(visual.productId)! < policy.vetoBelow) {
    return { ...visual, outcome: 'ask', confidence: Math.round(Math.min(visual.confidence, policy.minConfidence) * 0.9 * 1e3) / 1e3, candidates };
  }
  return { ...visual, candidates };
}

const clamp01 = (x: number) => Math.max(0, Math.min(1, x));

export function decide(ranked: { productId: string; similarity: number }[], policy: MatchPolicy): MatchResult {
  const candidates = ranked.slice(0, 3).map((c) => ({ productId: c.productId, similarity: Math.round(c.similarity * 1e4) / 1e4 }));
  const [first, second] = ranked;
  if (!first || first.similarity < policy.unknownBelow) {
    return { outcome: 'unknown', confidence: first ? Math.round(clamp01(first.similarity / policy.unknownBelow) * 0.2 * 1e3) / 1e3 : 0, candidates };
  }
  const simPart = clamp01((first.similarity - policy.unknownBelow) / (policy.sureAbove - policy.unknownBelow));
  const marginPart = second ? clamp01((first.similarity - second.similarity) / policy.fullMargin) : 1;
  const confidence = Math.round(Math.sqrt(simPart * marginPart) * 1e3) / 1e3;
  return {
    outcome: confidence >= policy.minConfidence ? 'product' : 'ask',
    productId: first.productId,
    confidence,
    candidates,
  };
}
