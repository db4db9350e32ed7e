/**
 * The smart cart's basket, as a pure component fed by events (no I/O, no
 * clock of its own): recognition results of the cart camera's frames and
 * the cart scale's readings. The basket changes only when both agree:
 *
 * - A confident recognition (`product`, confidence >= the site's threshold)
 *   plus a stable weight increase that matches the product's weight within
 *   tolerance, within `pairWindowMs` of each other in either order: added.
 * - A stable weight decrease that matches exactly one kind of item in the
 *   basket: removed.
 * - A weight change that does not match (a different product, two items at
 *   once, something unrecognised): no change, and a `weight-mismatch` or
 *   `unrecognised-item` flag, so the cart asks the person to scan.
 * - An object the camera is unsure of (`ask`) raises `ask-scan`.
 */
import type { FrameRecognition } from '../../core/index.ts';

export type ProductWeight = { grams: number; toleranceGrams: number };

export type CartOptions = {
  /** Expected weight of a product; undefined when unknown (then any increase is a mismatch). */
  weightOf(productId: string): ProductWeight | undefined;
  /** The site's threshold. */
  minConfidence: number;
  /** Changes smaller than this are scale noise (default 5 g). */
  noiseGrams?: number;
  /** How far apart a recognition and its weight change may be (default 4 s). */
  pairWindowMs?: number;
};

export type CartFlag =
  | { kind: 'weight-mismatch'; at: number; deltaGrams: number; productId?: string; expectedGrams?: number }
  | { kind: 'unrecognised-item'; at: number; deltaGrams: number }
  | { kind: 'ask-scan'; at: number; frameId?: number; guess?: string; confidence: number };

export type CartEvent = { type: 'added'; productId: string; at: number } | { type: 'removed'; productId: string; at: number } | { type: 'flag'; flag: CartFlag };

type Sighting = { productId: string; at: number };
type WeightChange = { deltaGrams: number; at: number };

export class CartBasket {
  readonly #o: Required<CartOptions>;
  readonly #items = new Map<string, number>();
  #stableGrams: number | undefined;
  #sightings: Sighting[] = [];
  #unpaired: WeightChange[] = [];
  readonly #flags: CartFlag[] = [];

  constructor(options: CartOptions) {
    this.#o = { noiseGrams: 5, pairWindowMs: 4_000, ...options };
  }

  /** Quantities per product id. */
  items(): Record<string, number> {
    return Object.fromEntries([...this.#items.entries()].filter(([, n]) => n > 0).sort());
  }

  flags(): readonly CartFlag[] {
    return this.#flags;
  }

  /** The cart camera's result for a frame, at `at` ms (the gateway's clock). */
  onRecognition(result: FrameRecognition, at: number): CartEvent[] {
    const events: CartEvent[] = [];
    this.#expire(at);
    for (const o of result.objects) {
      if (o.outcome === 'product' && o.productId && o.confidence >= this.#o.minConfidence) {
        // Already waiting for weight? Refresh instead of counting twice (the camera sees an item in many frames).
        const existing = this.#sightings.find((s) => s.productId === o.productId);
        if (existing) existing.at = at;
        else this.#sightings.push({ productId: o.productId, at });
      } else if (o.outcome === 'ask' || (o.outcome === 'product' && o.confidence < this.#o.minConfidence)) {
        events.push(
          this.#flag({ kind: 'ask-scan', at, ...(result.frameId === undefined ? {} : { frameId: result.frameId }), ...(o.productId ? { guess: o.productId } : {}), confidence: o.confidence }),
        );
      }
    }
    events.push(...this.#pair(at));
    return events;
  }

  /** A `cart.weight` reading. Only stable readings count. */
  onWeight(reading: { grams: number; stable: boolean }, at: number): CartEvent[] {
    if (!reading.stable) return [];
    this.#expire(at);
    if (this.#stableGrams === undefined) {
      this.#stableGrams = reading.grams;
      return [];
    }
    const delta = reading.grams - this.#stableGrams;
    if (Math.abs(delta) < this.#o.noiseGrams) return [];
    this.#stableGrams = reading.grams;
    if (delta < 0) return this.#removal(-delta, at);
    this.#unpaired.push({ deltaGrams: delta, at });
    return this.#pair(at);
  }

  /** Call on a timer (e.g. each second): unpaired weight increases older than the window become flags. */
  tick(at: number): CartEvent[] {
    return this.#expire(at);
  }

  #matches(productId: string, grams: number): boolean {
    const w = this.#o.weightOf(productId);
    return w !== undefined && Math.abs(grams - w.grams) <= w.toleranceGrams;
  }

  #pair(at: number): CartEvent[] {
    const events: CartEvent[] = [];
    for (const change of [...this.#unpaired]) {
      const candidates = this.#sightings.filter((s) => Math.abs(s.at - change.at) <= this.#o.pairWindowMs);
      if (candidates.length === 0) continue; // the camera may still report it
      const match = candidates.find((s) => this.#matches(s.productId, change.deltaGrams));
      this.#unpaired.splice(this.#unpaired.indexOf(change), 1);
      if (match) {
        this.#sightings.splice(this.#sightings.indexOf(match), 1);
        this.#items.set(match.productId, (this.#items.get(match.productId) ?? 0) + 1);
        events.push({ type: 'added', productId: match.productId, at });
      } else {
        const s = candidates[0]!;
        this.#sightings.splice(this.#sightings.indexOf(s), 1);
        const expected = this.#o.weightOf(s.productId)?.grams;
        events.push(this.#flag({ kind: 'weight-mismatch', at, deltaGrams: change.deltaGrams, productId: s.productId, ...(expected === undefined ? {} : { expectedGrams: expected }) }));
      }
    }
    return events;
  }

  #removal(grams: number, at: number): CartEvent[] {
    const inBasket = [...this.#items.entries()].filter(([, n]) => n > 0).map(([id]) => id);
    const matching = inBasket.filter((id) => this.#matches(id, grams));
    if (matching.length === 1) {
      const id = matching[0]!;
      this.#items.set(id, this.#items.get(id)! - 1);
      return [{ type: 'removed', productId: id, at }];
    }
    return [this.#flag({ kind: 'weight-mismatch', at, deltaGrams: -grams })];
  }

  #expire(at: number): CartEvent[] {
    const events: CartEvent[] = [];
    const window = this.#o.pairWindowMs;
    this.#sightings = this.#sightings.filter((s) => at - s.at <= window);
    for (const change of [...this.#unpaired]) {
      if (at - change.at > window) {
        this.#unpaired.splice(this.#unpaired.indexOf(change), 1);
        events.push(this.#flag({ kind: 'unrecognised-item', at, deltaGrams: change.deltaGrams }));
      }
    }
    return events;
  }

  #flag(flag: CartFlag): CartEvent {
    this.#flags.push(flag);
    return { type: 'flag', flag };
  }
}
