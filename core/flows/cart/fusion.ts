/**
 * The smart cart's fusion rules: what the camera saw, what the barcode reader
 * read and how the load cell's weight changed, made into one basket. Pure and
 * clocked by the caller (`at`, ms), so the gateway, the scripted trip and the
 * tests run the very same rules.
 *
 * An item goes in only when evidence and weight agree:
 * - evidence: a confident camera sighting of a product, or a barcode read
 *   (confidence 1), within `pairWindowMs` of
 * - a stable weight increase that matches that product's weight within its
 *   tolerance (two pieces of evidence whose weights sum to it: both go in).
 * A stable decrease that matches a product in the basket that the camera saw
 * (or the reader read) going out removes one.
 *
 * When they do not agree (weight without a confident item, a known item of
 * the wrong weight, a removal nobody saw), nothing changes in the basket and
 * the cart asks the shopper to scan the item: a scan whose product's weight
 * matches the unexplained change settles it; taking the unknown thing out
 * again settles it too. A second mismatch while one is open calls staff to the
 * cart (a scan that explains part of it puts that item in and leaves the rest
 * open: something else went in with it; after a known item of the wrong weight
 * only that item's own scan can). Products flagged `age-restricted` or `high-value` call staff for a
 * check before checkout. Only staff close a staff call (who and why logged).
 *
 * Time: every call carries the event's own time (the cart's timestamp of the
 * reading, the frame's capture time), not when it reached the gateway. A
 * camera frame is slower than the scale (recognition takes a few hundred ms),
 * so its answer often comes after the weight change it explains: `frameTaken`
 * says a frame of that time is being recognised, and until its answer comes
 * (`onCamera` with the same time) no weight change within the window of it is
 * judged, neither by a tick nor by other evidence. Removals wait for evidence
 * like additions do. So the outcome depends on the events' times, never on
 * the order or moment they arrive in.
 */

import type { ProductCheckFlag } from '../../schemas/products.ts';

/** The catalogue's check flags (products' `cart.flags`). */
export type CartProductFlag = ProductCheckFlag;

/** What the cart needs to know of a product: price, barcode, weight and flags (the site's catalogue). */
export type CartProduct = {
  id: string;
  name: string;
  barcode?: string;
  /** Minor units of the catalogue's currency. */
  unitAmount: number;
  grams: number;
  toleranceGrams: number;
  flags?: readonly CartProductFlag[];
};

export type CameraObject = { outcome: 'product' | 'ask' | 'unknown'; productId?: string; confidence: number };

export type StaffCallReason = 'second-mismatch' | 'age-restricted' | 'high-value';
export type StaffCall = { id: string; reason: StaffCallReason; productId?: string; at: number };

/** An unexplained weight change waiting for the shopper's scan. */
export type OpenMismatch = { deltaGrams: number; at: number; kind: MismatchKind; productId?: string };
export type MismatchKind = 'weight-without-item' | 'wrong-weight' | 'unseen-removal';

export type FusionEvent =
  | { type: 'added'; productId: string; by: 'camera' | 'barcode' | 'scan-after-mismatch' | 'staff' }
  | { type: 'removed'; productId: string; by: 'camera' | 'barcode' | 'scan-after-mismatch' | 'staff' }
  | { type: 'ask-scan'; mismatch: OpenMismatch }
  | { type: 'camera-unsure'; guess?: string }
  | { type: 'mismatch-settled'; how: 'scan' | 'taken-out' }
  | { type: 'staff-call'; call: StaffCall }
  | { type: 'staff-resolved'; callId: string; by: string; why: string };

export type FusionOptions = {
  products: ReadonlyMap<string, CartProduct>;
  /** The site's recognition threshold (default 0.5). */
  minConfidence?: number;
  /** Changes smaller than this are scale noise (default 5 g). */
  noiseGrams?: number;
  /** How far apart evidence and its weight change may be (default 4 s). */
  pairWindowMs?: number;
};

/** What survives a restart (kept in the gateway's ledger): the basket, the open mismatch and staff calls. */
export type FusionSnapshot = {
  items: Record<string, number>;
  stableGrams?: number;
  mismatch?: OpenMismatch;
  staffCalls: StaffCall[];
  /** Products already checked by staff (a second one of them needs no new check). */
  checked: string[];
  nextCallNo: number;
};

type Evidence = { productId: string; at: number; by: 'camera' | 'barcode' };

export class CartFusion {
  readonly #products: ReadonlyMap<string, CartProduct>;
  readonly #minConfidence: number;
  readonly #noise: number;
  readonly #window: number;
  #items = new Map<string, number>();
  #stableGrams: number | undefined;
  #evidence: Evidence[] = [];
  #unpaired: { deltaGrams: number; at: number }[] = [];
  /** Capture times of frames still being recognised (transient: not in the snapshot). */
  #pendingFrames: number[] = [];
  #mismatch: OpenMismatch | undefined;
  #staffCalls: StaffCall[] = [];
  #checked = new Set<string>();
  #nextCallNo = 1;

  constructor(options: FusionOptions, snapshot?: FusionSnapshot) {
    this.#products = options.products;
    this.#minConfidence = options.minConfidence ?? 0.5;
    this.#noise = options.noiseGrams ?? 5;
    this.#window = options.pairWindowMs ?? 4_000;
    if (snapshot) {
      this.#items = new Map(Object.entries(snapshot.items));
      this.#stableGrams = snapshot.stableGrams;
      this.#mismatch = snapshot.mismatch;
      this.#staffCalls = [...snapshot.staffCalls];
      this.#checked = new Set(snapshot.checked);
      this.#nextCallNo = snapshot.nextCallNo;
    }
  }

  snapshot(): FusionSnapshot {
    return {
      items: this.items(),
      ...(this.#stableGrams === undefined ? {} : { stableGrams: this.#stableGrams }),
      ...(this.#mismatch ? { mismatch: this.#mismatch } : {}),
      staffCalls: [...this.#staffCalls],
      checked: [...this.#checked].sort(),
      nextCallNo: this.#nextCallNo,
    };
  }

  /** Quantities per product id (only those above zero). */
  items(): Record<string, number> {
    return Object.fromEntries([...this.#items.entries()].filter(([, n]) => n > 0).sort(([a], [b]) => (a < b ? -1 : 1)));
  }

  openMismatch(): OpenMismatch | undefined {
    return this.#mismatch;
  }

  staffCalls(): readonly StaffCall[] {
    return this.#staffCalls;
  }

  /** Whether checkout may start: no open mismatch, no staff call waiting. */
  readyForCheckout(): boolean {
    return this.#mismatch === undefined && this.#staffCalls.length === 0 && this.#unpaired.length === 0;
  }

  /** A frame taken at `at` went to recognition: weight changes near it wait for its answer. */
  frameTaken(at: number): void {
    this.#pendingFrames.push(at);
  }

  /** What the camera made of one frame taken at `at` (its answer, also when recognition failed: no objects). */
  onCamera(objects: readonly CameraObject[], at: number): FusionEvent[] {
    const pending = this.#pendingFrames.indexOf(at);
    if (pending >= 0) this.#pendingFrames.splice(pending, 1);
    const events = this.#expire(at);
    for (const o of objects) {
      if (o.outcome === 'product' && o.productId && this.#products.has(o.productId) && o.confidence >= this.#minConfidence) {
        this.#see(o.productId, at, 'camera');
      } else if (o.outcome === 'ask' || (o.outcome === 'product' && o.confidence < this.#minConfidence)) {
        events.push({ type: 'camera-unsure', ...(o.productId ? { guess: o.productId } : {}) });
      }
    }
    events.push(...this.#pair(at));
    return events;
  }

  /** A barcode read by the cart's reader. Unknown codes are ignored (nothing to add). */
  onBarcode(productId: string | undefined, at: number): FusionEvent[] {
    const events = this.#expire(at);
    if (!productId || !this.#products.has(productId)) return events;
    const m = this.#mismatch;
    if (m) {
      // The scan the cart asked for: it settles the open change if that product's weight explains it.
      const product = this.#products.get(productId)!;
      const fits = Math.abs(Math.abs(m.deltaGrams) - product.grams) <= product.toleranceGrams;
      if (fits && m.deltaGrams > 0) {
        this.#mismatch = undefined;
        events.push({ type: 'mismatch-settled', how: 'scan' }, ...this.#add(productId, 'scan-after-mismatch', at));
        return events;
      }
      if (fits && m.deltaGrams < 0 && (this.#items.get(productId) ?? 0) > 0) {
        this.#mismatch = undefined;
        this.#items.set(productId, this.#items.get(productId)! - 1);
        events.push({ type: 'mismatch-settled', how: 'scan' }, { type: 'removed', productId, by: 'scan-after-mismatch' });
        return events;
      }
      // After a known item of the wrong weight, only that item's scan explains part (it was seen, with
      // something under it); another product's scan is a second disagreement, whatever its weight.
      const mayExplainPart = m.kind === 'weight-without-item' || m.productId === productId;
      if (mayExplainPart && m.deltaGrams > 0 && product.grams + product.toleranceGrams < m.deltaGrams) {
        // It explains part of it (the item, with something else on top): the item goes in, the rest stays open.
        this.#mismatch = { ...m, deltaGrams: m.deltaGrams - product.grams, kind: 'weight-without-item' };
        events.push(...this.#add(productId, 'scan-after-mismatch', at), { type: 'ask-scan', mismatch: this.#mismatch });
        return events;
      }
      // A scan that does not explain it is the second mismatch.
      this.#mismatch = undefined;
      events.push(this.#call('second-mismatch', at, productId));
      return events;
    }
    this.#see(productId, at, 'barcode');
    events.push(...this.#pair(at));
    return events;
  }

  /** The scale's zero (after `cart.tare` at the start of a trip): later readings are changes from it. */
  setBaseline(grams: number): void {
    this.#stableGrams = grams;
  }

  /** A load-cell reading; only stable ones count. */
  onWeight(reading: { grams: number; stable: boolean }, at: number): FusionEvent[] {
    if (!reading.stable) return [];
    const events = this.#expire(at);
    if (this.#stableGrams === undefined) {
      this.#stableGrams = reading.grams;
      return events;
    }
    const delta = reading.grams - this.#stableGrams;
    if (Math.abs(delta) < this.#noise) return events;
    this.#stableGrams = reading.grams;
    const m = this.#mismatch;
    if (m && m.deltaGrams > 0 && delta < 0 && Math.abs(m.deltaGrams + delta) <= Math.max(this.#noise, 10)) {
      // The unexplained thing was taken out again.
      this.#mismatch = undefined;
      events.push({ type: 'mismatch-settled', how: 'taken-out' });
      return events;
    }
    this.#unpaired.push({ deltaGrams: delta, at });
    events.push(...this.#pair(at));
    return events;
  }

  /** On a timer (each few hundred ms): weight changes nobody explained within the window become mismatches. */
  tick(at: number): FusionEvent[] {
    return this.#expire(at);
  }

  /**
   * Staff at the cart close a call: `add`/`remove` a product they checked, or
   * `dismiss` (checked, nothing to change). Logged by the caller with who and why.
   */
  staffResolve(callId: string, by: string, why: string, change?: { action: 'add' | 'remove'; productId: string }): FusionEvent[] {
    const call = this.#staffCalls.find((c) => c.id === callId);
    if (!call) return [];
    this.#staffCalls = this.#staffCalls.filter((c) => c !== call);
    if (call.productId && call.reason !== 'second-mismatch') this.#checked.add(call.productId);
    const events: FusionEvent[] = [{ type: 'staff-resolved', callId, by, why }];
    if (change?.action === 'add' && this.#products.has(change.productId)) {
      this.#checked.add(change.productId);
      this.#items.set(change.productId, (this.#items.get(change.productId) ?? 0) + 1);
      events.push({ type: 'added', productId: change.productId, by: 'staff' });
    } else if (change?.action === 'remove' && (this.#items.get(change.productId) ?? 0) > 0) {
      this.#items.set(change.productId, this.#items.get(change.productId)! - 1);
      events.push({ type: 'removed', productId: change.productId, by: 'staff' });
    }
    // Staff looked at the cart: whatever weight was unexplained is now the cart's weight.
    this.#mismatch = undefined;
    this.#unpaired = [];
    return events;
  }

  #see(productId: string, at: number, by: Evidence['by']): void {
    const existing = this.#evidence.find((e) => e.productId === productId && e.by === by);
    // The camera sees an item in several frames: refresh rather than count it twice.
    if (existing && by === 'camera') existing.at = Math.max(existing.at, at);
    else this.#evidence.push({ productId, at, by });
  }

  #fits(productId: string, grams: number): boolean {
    const p = this.#products.get(productId);
    return p !== undefined && Math.abs(grams - p.grams) <= p.toleranceGrams;
  }

  #add(productId: string, by: Extract<FusionEvent, { type: 'added' }>['by'], at: number): FusionEvent[] {
    this.#items.set(productId, (this.#items.get(productId) ?? 0) + 1);
    const events: FusionEvent[] = [{ type: 'added', productId, by }];
    const flags = this.#products.get(productId)?.flags ?? [];
    if (!this.#checked.has(productId) && !this.#staffCalls.some((c) => c.productId === productId && c.reason !== 'second-mismatch')) {
      const reason = flags.includes('age-restricted') ? 'age-restricted' : flags.includes('high-value') ? 'high-value' : undefined;
      if (reason) events.push(this.#call(reason, at, productId));
    }
    return events;
  }

  #pair(at: number): FusionEvent[] {
    const events: FusionEvent[] = [];
    for (const change of [...this.#unpaired].sort((a, b) => a.at - b.at)) {
      if (change.deltaGrams < 0) {
        events.push(...this.#removal(change));
        continue;
      }
      const near = this.#evidence.filter((e) => Math.abs(e.at - change.at) <= this.#window);
      if (near.length === 0) continue; // the camera may still report it
      const waiting = this.#framePendingNear(change.at);
      // Barcode evidence first (certain), then the camera's.
      near.sort((a, b) => (a.by === b.by ? a.at - b.at : a.by === 'barcode' ? -1 : 1));
      const one = near.find((e) => this.#fits(e.productId, change.deltaGrams));
      let used: Evidence[] | undefined = one ? [one] : undefined;
      if (!used) {
        for (let i = 0; i < near.length && !used; i++) {
          for (let j = i + 1; j < near.length && !used; j++) {
            const a = this.#products.get(near[i]!.productId)!;
            const b = this.#products.get(near[j]!.productId)!;
            if (Math.abs(change.deltaGrams - a.grams - b.grams) <= a.toleranceGrams + b.toleranceGrams) used = [near[i]!, near[j]!];
          }
        }
      }
      if (!used && waiting) continue; // a frame near it is still being recognised: it may be the one that fits
      this.#unpaired.splice(this.#unpaired.indexOf(change), 1);
      if (used) {
        for (const e of used) {
          this.#evidence.splice(this.#evidence.indexOf(e), 1);
          events.push(...this.#add(e.productId, e.by, at));
        }
      } else {
        const e = near[0]!;
        this.#evidence.splice(this.#evidence.indexOf(e), 1);
        events.push(...this.#mismatchFound({ deltaGrams: change.deltaGrams, at, kind: 'wrong-weight', productId: e.productId }));
      }
    }
    return events;
  }

  /** A weight decrease: out goes a basket item that fits it and was seen (or read) going out; it waits for that evidence within the window. */
  #removal(change: { deltaGrams: number; at: number }): FusionEvent[] {
    const grams = -change.deltaGrams;
    const inBasket = [...this.#items.entries()].filter(([, n]) => n > 0).map(([id]) => id);
    const near = this.#evidence.filter((e) => Math.abs(e.at - change.at) <= this.#window);
    const e = near.find((x) => inBasket.includes(x.productId) && this.#fits(x.productId, grams));
    if (e) {
      this.#unpaired.splice(this.#unpaired.indexOf(change), 1);
      this.#evidence.splice(this.#evidence.indexOf(e), 1);
      this.#items.set(e.productId, this.#items.get(e.productId)! - 1);
      return [{ type: 'removed', productId: e.productId, by: e.by }];
    }
    // Evidence of something that is not in the basket or does not fit: the weight and the evidence disagree.
    if (near.length > 0 && !this.#framePendingNear(change.at)) {
      this.#unpaired.splice(this.#unpaired.indexOf(change), 1);
      const seen = near[0]!;
      this.#evidence.splice(this.#evidence.indexOf(seen), 1);
      return this.#mismatchFound({ deltaGrams: change.deltaGrams, at: change.at, kind: 'unseen-removal', productId: seen.productId });
    }
    return [];
  }

  #framePendingNear(at: number): boolean {
    return this.#pendingFrames.some((f) => Math.abs(f - at) <= this.#window);
  }

  #mismatchFound(m: OpenMismatch): FusionEvent[] {
    if (this.#mismatch) {
      // A second mismatch while one is open: staff come to the cart.
      this.#mismatch = undefined;
      return [this.#call('second-mismatch', m.at, m.productId)];
    }
    this.#mismatch = m;
    return [{ type: 'ask-scan', mismatch: m }];
  }

  #call(reason: StaffCallReason, at: number, productId?: string): FusionEvent {
    const call: StaffCall = { id: `call-${this.#nextCallNo++}`, reason, at, ...(productId ? { productId } : {}) };
    this.#staffCalls.push(call);
    return { type: 'staff-call', call };
  }

  #expire(at: number): FusionEvent[] {
    const events: FusionEvent[] = [];
    this.#evidence = this.#evidence.filter((e) => at - e.at <= this.#window);
    // A frame whose answer never came (a recognition worker that hung) stops holding changes after three windows.
    this.#pendingFrames = this.#pendingFrames.filter((f) => at - f <= 3 * this.#window);
    for (const change of [...this.#unpaired].sort((a, b) => a.at - b.at)) {
      if (at - change.at > this.#window && !this.#framePendingNear(change.at)) {
        this.#unpaired.splice(this.#unpaired.indexOf(change), 1);
        const kind: MismatchKind = change.deltaGrams < 0 ? 'unseen-removal' : 'weight-without-item';
        events.push(...this.#mismatchFound({ deltaGrams: change.deltaGrams, at, kind }));
      }
    }
    return events;
  }
}
