/**
 * Nearest-neighbour matching of an object's embedding against the products
 * enrolled at the site, with open-set rejection. Pure: no TensorFlow here.
 *
 * A product's score is its best reference's cosine similarity. The answer:
 * - below `unknownBelow`: unknown (never forced onto the nearest product);
 * - otherwise a confidence from how far above that line the best product is
 *   and how clearly it beats the runner-up; at or above the site's
 *   `minConfidence` it is the product, below it the person is asked to scan.
 */
import type { RecognitionOutcome } from '../../core/index.ts';
import { dot } from './embedding.ts';

export type Reference = { enrolmentId: string; productId: string; vectors: Float32Array[] };

export type MatchPolicy = {
  /** Cosine similarity under which an object is unknown. */
  unknownBelow: number;
  /** Similarity at (and above) which the similarity part of the confidence is 1. */
  sureAbove: number;
  /** Lead over the second product at which the margin part of the confidence is 1. */
  fullMargin: number;
  /** The site's threshold: below it the kiosk or cart asks the person. */
  minConfidence: number;
};

/**
 * Calibrated on two generated calibration sets (seeds 777 and 778, see
 * embedding.ts), not on the evaluation set; the site may raise minConfidence.
 */
export const DEFAULT_MATCH_POLICY: MatchPolicy = { unknownBelow: 0.78, sureAbove: 0.94, fullMargin: 0.15, minConfidence: 0.5 };

export type MatchResult = {
  outcome: RecognitionOutcome;
  productId?: string;
  confidence: number;
  candidates: { productId: string; similarity: number }[];
};

export class ProductIndex {
  readonly #refs = new Map<string, Reference>();

  /** Replaces everything (e.g. after the enrolment collection changed). */
  replaceAll(refs: Reference[]): void {
    this.#refs.clear();
    for (const r of refs) this.#refs.set(r.enrolmentId, r);
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
