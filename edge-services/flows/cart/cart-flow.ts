/**
 * The store gateway's side of the smart cart flow: one session per cart
 * device, from a fresh basket to the exit gate.
 *
 * - The cart's camera frames go to recognition (the gateway's worker), its
 *   barcode reads and weight to core's fusion rules (core/flows/cart); every
 *   change of the basket, prompt or staff calls is written to the session
 *   document in the ledger (so a restart loses nothing) and pushed to the
 *   server, which shows it on the paired phone.
 * - Pairing: the cart's screen shows a QR code with a wallet address holding
 *   the session id and a code (an HMAC of the session id under this gateway's
 *   secret, so it survives restarts); only its SHA-256 is in the document.
 * - Checkout: the session goes to `checkout` with a new checkoutId (pushed),
 *   then one call asks the server to send the request to pay to the paired
 *   phone. The outcome comes back on the session's status long-poll: paid
 *   (with the exit pass), declined or expired.
 * - The gate: a cart standing at it is let out only when paid, with nothing
 *   added since, no staff call open, a valid exit pass never used before and
 *   no random spot check drawn; otherwise the gate holds it and the console is told.
 * - Offline: while the server is unreachable the basket keeps growing; at
 *   checkout the cart tells the shopper to pay at a kiosk, which takes the
 *   basket (card terminal, online or stored offline within the site's
 *   limits); the gateway then issues the exit pass itself.
 */
import { createHash, createHmac } from 'node:crypto';
import { cartFlow, EdgePayError, isEdgePayError, uuidV7, type Envelope, type FrameRecognition, type ProductDoc, type SiteDoc } from '../../../core/index.ts';
import { ServerUnreachable, type SyncEndpoint } from '../../../sync/index.ts';
import { sessionStatus, startCheckout } from './server-calls.ts';

type SessionDoc = cartFlow.CartSessionDoc;

/** The weight, tolerance and flags of a product: the catalogue's `cart` facts (ProductDoc.cart), or, for products without them, the configuration's. */
export type CartCatalogueEntry = { grams: number; toleranceGrams: number; flags?: cartFlow.CartProductFlag[] };

export type CartFlowEvent =
  | { type: 'cart-changed'; cartId: string; view: cartFlow.CartView }
  | { type: 'staff-call'; cartId: string; call: cartFlow.StaffCall }
  | { type: 'staff-override'; cartId: string; override: cartFlow.CartOverride }
  | { type: 'gate-held'; cartId: string; reason: string }
  | { type: 'gate-opened'; cartId: string; passId: string }
  | { type: 'error'; cartId: string; message: string };

/** The parts of the gateway the flow drives. */
export type CartFlowDeps = {
  /** The ledger's `cart-sessions`, `products` and `sites` collections (RxDB). */
  sessions: any;
  products: any;
  /** The site's settings (its `cart.spotCheckRate`); without it, `spotCheckRate` below. */
  sites?: any;
  bus: { onEvent(listener: (e: Envelope) => void): () => void; command(deviceId: string, type: string, params: object, opts?: object): Promise<any> };
  siteId: string;
  gatewayId: string;
  currency: string;
  /** The cart devices of this store. */
  carts: readonly string[];
  gateId?: string;
  server?: { endpoint: SyncEndpoint };
  /** Recognition of camera frames (SiteRecognition); without it only on-board detections and barcodes count. */
  recogniser?: { recognise(frame: Uint8Array, frameId?: number): Promise<FrameRecognition> };
  /** Weights for products whose catalogue entry has no `cart` facts (the catalogue's win). */
  catalogue?: Readonly<Record<string, CartCatalogueEntry>>;
  /** Where the shopper's wallet lives (the QR code's address). */
  walletOrigin: string;
  /** The secret the pairing codes are derived from (the gateway's credential does). */
  pairingSecret: string;
  /** Share of paid carts the gate holds for a random check (0..1, default 0) when the site sets none (sites.cart.spotCheckRate). */
  spotCheckRate?: number;
  random?: () => number;
  minConfidence?: number;
  pairWindowMs?: number;
  /** How long the shopper has to answer on the phone (seconds, default 120). */
  requestTtlSeconds?: number;
  /** A kiosk that takes a cart's basket when the server is unreachable. */
  kiosk?: {
    clear(): void;
    addRecognised(productId: string): Promise<unknown>;
    pay(): Promise<{ state: string; payment?: { id: string } }>;
  };
  now?: () => number;
  onEvent?: (e: CartFlowEvent) => void;
};

type Session = {
  doc: SessionDoc;
  fusion: cartFlow.CartFusion;
  code: string;
  statusVersion: number;
  poll?: AbortController;
  atGate: boolean;
};

const EXIT_PASS_TTL_MS = 15 * 60_000;

export class CartFlow {
  readonly #d: CartFlowDeps;
  readonly #sessions = new Map<string, Session>();
  readonly #queues = new Map<string, Promise<unknown>>();
  readonly #usedPasses = new Set<string>();
  #products = new Map<string, cartFlow.CartProduct>();
  #byBarcode = new Map<string, string>();
  #offBus: (() => void) | undefined;
  #productSub: { unsubscribe(): void } | undefined;
  #tick: NodeJS.Timeout | undefined;
  #stopped = false;
  #online = true;

  constructor(deps: CartFlowDeps) {
    this.#d = deps;
  }

  get #now(): number {
    return this.#d.now?.() ?? Date.now();
  }

  async start(): Promise<void> {
    await this.#loadProducts();
    this.#productSub = this.#d.products.find({ selector: { siteId: this.#d.siteId } }).$.subscribe(() => void this.#loadProducts());
    const released = await this.#d.sessions.find({ selector: { siteId: this.#d.siteId, state: 'released' } }).exec();
    for (const r of released) if (r.exitPassId) this.#usedPasses.add(r.exitPassId);
    for (const cartId of this.#d.carts) {
      const open = (await this.#d.sessions.find({ selector: { siteId: this.#d.siteId, cartId }, sort: [{ createdAt: 'desc' }], limit: 1 }).exec())[0];
      if (open && open.state !== 'released') await this.#inTurn(cartId, () => this.#resume(open.toJSON() as SessionDoc));
      else await this.#inTurn(cartId, () => this.#newSession(cartId));
    }
    this.#offBus = this.#d.bus.onEvent((e) => this.#onBus(e));
    this.#tick = setInterval(() => {
      for (const [cartId, s] of this.#sessions) {
        void this.#inTurn(cartId, async () => {
          const events = s.fusion.tick(this.#now);
          if (events.length) await this.#apply(cartId, events);
        });
      }
    }, 250);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#tick);
    this.#offBus?.();
    this.#productSub?.unsubscribe();
    for (const s of this.#sessions.values()) s.poll?.abort();
    await Promise.allSettled([...this.#queues.values()]);
  }

  // ---- what the screens and the console ask ----

  view(cartId: string): cartFlow.CartView {
    const s = this.#session(cartId);
    const d = s.doc;
    const mismatch = s.fusion.openMismatch();
    return {
      cartId,
      sessionId: d.id,
      state: d.state,
      prompt: d.prompt,
      items: d.items,
      total: d.total,
      currency: d.currency,
      paired: d.pairedAt !== undefined,
      ...(d.pairedAt === undefined && d.state === 'shopping' ? { pairingUrl: cartFlow.cartPairingUrl(this.#d.walletOrigin, d.id, s.code) } : {}),
      staffCalls: d.staffCalls,
      ...(mismatch ? { mismatch: { kind: mismatch.kind, deltaGrams: mismatch.deltaGrams } } : {}),
      ...(d.heldReason ? { heldReason: d.heldReason } : {}),
      ...(d.paidTotal !== undefined ? { paidTotal: d.paidTotal } : {}),
      online: this.#online && this.#d.server !== undefined,
      version: d.version,
    };
  }

  views(): cartFlow.CartView[] {
    return [...this.#sessions.keys()].sort().map((id) => this.view(id));
  }

  /** The shopper pressed "pay" on the cart: the paired phone is asked (or, offline, the shopper is sent to a kiosk). */
  checkout(cartId: string): Promise<cartFlow.CartView> {
    return this.#inTurn(cartId, async () => {
      const s = this.#session(cartId);
      if (s.doc.state !== 'shopping') throw new EdgePayError('CART_NOT_READY', { reason: 'state ' + s.doc.state });
      if (!s.fusion.readyForCheckout()) throw new EdgePayError('CART_NOT_READY', { reason: s.doc.staffCalls.length ? 'staff call open' : 'scan needed' });
      if (s.doc.items.length === 0) throw new EdgePayError('CART_NOT_READY', { reason: 'empty basket' });
      const server = this.#d.server;
      if (!server) {
        await this.#save(s, { prompt: 'pay-at-kiosk' });
        throw new EdgePayError('CART_SERVER_UNREACHABLE');
      }
      if (!s.doc.pairedAt) throw new EdgePayError('CART_NOT_PAIRED');
      await this.#save(s, { state: 'checkout', checkoutId: uuidV7(), prompt: 'approve-on-phone' });
      try {
        const status = await startCheckout(server.endpoint, s.doc.id, {
          checkoutId: s.doc.checkoutId!,
          total: s.doc.total,
          currency: s.doc.currency,
          ...(this.#d.requestTtlSeconds ? { ttlSeconds: this.#d.requestTtlSeconds } : {}),
        });
        this.#online = true;
        await this.#applyStatus(cartId, status);
      } catch (err) {
        const unreachable = err instanceof ServerUnreachable;
        if (unreachable) this.#online = false;
        await this.#save(s, { state: 'shopping', prompt: unreachable ? 'pay-at-kiosk' : 'none' });
        if (unreachable) throw new EdgePayError('CART_SERVER_UNREACHABLE');
        throw err;
      }
      this.#watch(cartId);
      return this.view(cartId);
    });
  }

  /**
   * The kiosk takes the cart's basket (the server unreachable, or the shopper
   * prefers it): paid at the kiosk by card (online, or stored offline within
   * the site's limits), the gateway issues the exit pass itself.
   */
  payAtKiosk(cartId: string): Promise<{ view: cartFlow.CartView; outcome: string }> {
    return this.#inTurn(cartId, async () => {
      const s = this.#session(cartId);
      const kiosk = this.#d.kiosk;
      if (!kiosk) throw new EdgePayError('CART_NOT_READY', { reason: 'no kiosk' });
      if (s.doc.state !== 'shopping' || !s.fusion.readyForCheckout() || s.doc.items.length === 0) {
        throw new EdgePayError('CART_NOT_READY', { reason: s.doc.items.length === 0 ? 'empty basket' : 'scan or staff needed' });
      }
      kiosk.clear();
      for (const line of s.doc.items) for (let i = 0; i < line.quantity; i++) await kiosk.addRecognised(line.productId);
      await this.#save(s, { state: 'kiosk', prompt: 'pay-at-kiosk' });
      const outcome = await kiosk.pay();
      if ((outcome.state === 'approved' || outcome.state === 'stored') && outcome.payment) {
        const now = new Date(this.#now);
        await this.#save(s, {
          state: 'paid',
          prompt: 'go-to-gate',
          paymentId: outcome.payment.id,
          paidAt: now.toISOString(),
          paidTotal: s.doc.total,
          exitPassId: uuidV7(),
          exitPassExpiresAt: new Date(now.getTime() + EXIT_PASS_TTL_MS).toISOString(),
        });
        if (s.atGate) await this.#atGate(cartId);
      } else {
        kiosk.clear();
        await this.#save(s, { state: 'shopping', prompt: 'declined' });
      }
      return { view: this.view(cartId), outcome: outcome.state };
    });
  }

  /** Staff at the cart close a call: logged with who and why. */
  staffResolve(cartId: string, decision: cartFlow.CartStaffDecision): Promise<cartFlow.CartView> {
    return this.#inTurn(cartId, async () => {
      const s = this.#session(cartId);
      if (!s.doc.staffCalls.some((c) => c.id === decision.callId)) throw new EdgePayError('CART_STAFF_CALL_UNKNOWN');
      const change = decision.action === 'dismiss' || !decision.productId ? undefined : { action: decision.action, productId: decision.productId };
      const events = s.fusion.staffResolve(decision.callId, decision.by, decision.why, change);
      const override: cartFlow.CartOverride = {
        callId: decision.callId,
        by: decision.by,
        why: decision.why,
        action: decision.action,
        ...(decision.productId ? { productId: decision.productId } : {}),
        at: new Date(this.#now).toISOString(),
      };
      s.doc = { ...s.doc, overrides: [...s.doc.overrides, override].slice(-100) };
      this.#d.onEvent?.({ type: 'staff-override', cartId, override });
      await this.#apply(cartId, events);
      if (s.doc.state === 'held' || (s.atGate && s.doc.heldReason === 'staff-call')) await this.#atGate(cartId);
      return this.view(cartId);
    });
  }

  /** Staff checked a cart held at the gate (a spot check, or items added after payment that were paid otherwise) and let it out. */
  staffRelease(cartId: string, by: string, why: string): Promise<cartFlow.CartView> {
    return this.#inTurn(cartId, async () => {
      const s = this.#session(cartId);
      if (s.doc.state !== 'held' || s.doc.paidTotal === undefined || s.doc.paidTotal !== s.doc.total) throw new EdgePayError('CART_NOT_READY', { reason: 'not a paid cart held at the gate' });
      const override: cartFlow.CartOverride = { callId: 'gate', by, why, action: 'release', at: new Date(this.#now).toISOString() };
      s.doc = { ...s.doc, overrides: [...s.doc.overrides, override].slice(-100) };
      this.#d.onEvent?.({ type: 'staff-override', cartId, override });
      await this.#open(cartId, s);
      return this.view(cartId);
    });
  }

  // ---- the bus ----

  #onBus(e: Envelope): void {
    if (this.#stopped) return;
    const p = e.payload as Record<string, any>;
    if (e.type === 'gate.cart-arrived') {
      const cartId = String(p['cartId']);
      if (this.#sessions.has(cartId)) void this.#inTurn(cartId, () => this.#atGate(cartId, true));
      else void this.#d.bus.command(this.#d.gateId ?? e.deviceId, 'gate.hold', { cartId, reason: 'unpaid' }).catch(() => undefined);
      return;
    }
    const cartId = e.deviceId;
    if (!this.#sessions.has(cartId)) return;
    // The event's own time (the cart's clock; the bus already refused one outside its freshness window),
    // not its arrival: the fusion pairs a frame, a read and a weight change by when they happened.
    // Never later than now, so a cart whose clock runs ahead cannot hold a change open past its window.
    const at = Math.min(e.ts, this.#now);
    switch (e.type) {
      case 'cart.weight':
        void this.#feed(cartId, (f) => f.onWeight(p as { grams: number; stable: boolean }, at));
        break;
      case 'cart.barcode':
        void this.#feed(cartId, (f) => f.onBarcode(this.#byBarcode.get(String(p['code'])), at));
        break;
      case 'cart.detections': {
        const objects = (p['detections'] as { label: string; confidence: number }[]).map((d) => ({
          outcome: this.#products.has(d.label) ? ('product' as const) : ('unknown' as const),
          ...(this.#products.has(d.label) ? { productId: d.label } : {}),
          confidence: d.confidence,
        }));
        void this.#feed(cartId, (f) => f.onCamera(objects, at));
        break;
      }
      case 'cart.frame': {
        const recogniser = this.#d.recogniser;
        if (!recogniser || p['encoding'] !== 'jpeg') return;
        const bytes = new Uint8Array(Buffer.from(String(p['data']), 'base64'));
        // Weight changes near this frame wait for its answer (which comes a few hundred ms later, stamped with the frame's time).
        this.#sessions.get(cartId)!.fusion.frameTaken(at);
        recogniser.recognise(bytes, Number(p['frameId'])).then(
          (result) => this.#feed(cartId, (f) => f.onCamera(result.objects, at)),
          (err) => {
            this.#d.onEvent?.({ type: 'error', cartId, message: 'recognition: ' + ((err as Error).message ?? String(err)) });
            // No answer: the frame saw nothing, and what waited for it is judged now.
            void this.#feed(cartId, (f) => f.onCamera([], at));
          },
        );
        break;
      }
    }
  }

  #feed(cartId: string, fn: (f: cartFlow.CartFusion) => cartFlow.FusionEvent[]): Promise<void> {
    return this.#inTurn(cartId, async () => {
      const s = this.#sessions.get(cartId);
      if (!s) return;
      const events = fn(s.fusion);
      if (events.length) await this.#apply(cartId, events);
    });
  }

  // ---- sessions ----

  #session(cartId: string): Session {
    const s = this.#sessions.get(cartId);
    if (!s) throw new EdgePayError('CART_UNKNOWN');
    return s;
  }

  #codeFor(sessionId: string): string {
    return createHmac('sha256', this.#d.pairingSecret)
      .update('cart-pairing:' + sessionId)
      .digest('base64url')
      .slice(0, 32);
  }

  #fusionOptions(): cartFlow.FusionOptions {
    return {
      products: this.#products,
      ...(this.#d.minConfidence === undefined ? {} : { minConfidence: this.#d.minConfidence }),
      ...(this.#d.pairWindowMs === undefined ? {} : { pairWindowMs: this.#d.pairWindowMs }),
    };
  }

  async #resume(doc: SessionDoc): Promise<void> {
    let snapshot: cartFlow.FusionSnapshot | undefined;
    try {
      snapshot = JSON.parse(doc.fusion) as cartFlow.FusionSnapshot;
    } catch {
      snapshot = undefined;
    }
    const fusion = new cartFlow.CartFusion(this.#fusionOptions(), snapshot);
    // Only changes count: the scale is zeroed where it stands now (what changed while the gateway was down is not seen).
    await this.#tare(doc.cartId, fusion);
    const s: Session = { doc, fusion, code: this.#codeFor(doc.id), statusVersion: 0, atGate: false };
    this.#sessions.set(doc.cartId, s);
    this.#watch(doc.cartId);
  }

  async #newSession(cartId: string): Promise<void> {
    const id = uuidV7();
    const code = this.#codeFor(id);
    const now = new Date(this.#now).toISOString();
    const fusion = new cartFlow.CartFusion(this.#fusionOptions());
    // The trip starts with an empty cart: its scale's zero is the baseline.
    await this.#tare(cartId, fusion);
    const doc: SessionDoc = {
      id,
      siteId: this.#d.siteId,
      gatewayId: this.#d.gatewayId,
      cartId,
      state: 'shopping',
      prompt: 'none',
      pairingHash: createHash('sha256').update(code).digest('hex'),
      items: [],
      total: 0,
      currency: this.#d.currency,
      staffCalls: [],
      overrides: [],
      fusion: JSON.stringify(fusion.snapshot()),
      version: 1,
      createdAt: now,
      updatedAt: now,
    };
    await this.#d.sessions.insert(doc);
    const s: Session = { doc, fusion, code, statusVersion: 0, atGate: false };
    this.#sessions.set(cartId, s);
    this.#emitChanged(cartId);
    this.#watch(cartId);
  }

  /** Zeroes the cart's scale and takes that as the baseline (no answer: the first settled reading is). */
  async #tare(cartId: string, fusion: cartFlow.CartFusion): Promise<void> {
    try {
      const tared = (await this.#d.bus.command(cartId, 'cart.tare', {}, { timeoutMs: 1_000, retries: 1 })) as { grams: number };
      fusion.setBaseline(tared.grams);
    } catch {
      // the cart is not on the bus yet
    }
  }

  /** Writes the session with `patch`, the fusion's state and a new version (the ledger commit, then the push). */
  async #save(s: Session, patch: Partial<SessionDoc>): Promise<void> {
    const items = this.#lines(s.fusion.items());
    const next: SessionDoc = {
      ...s.doc,
      ...patch,
      items,
      total: items.reduce((t, l) => t + l.amount, 0),
      staffCalls: s.fusion.staffCalls().map((c) => ({ id: c.id, reason: c.reason, ...(c.productId ? { productId: c.productId } : {}), at: new Date(c.at).toISOString() })),
      fusion: JSON.stringify(s.fusion.snapshot()),
      version: s.doc.version + 1,
      updatedAt: new Date(this.#now).toISOString(),
    };
    for (const k of Object.keys(next) as (keyof SessionDoc)[]) if (next[k] === undefined) delete next[k];
    await this.#d.sessions.upsert(next);
    s.doc = next;
    this.#emitChanged(s.doc.cartId);
  }

  #lines(items: Record<string, number>): cartFlow.CartLine[] {
    return Object.entries(items).map(([productId, quantity]) => {
      const p = this.#products.get(productId);
      const unitAmount = p?.unitAmount ?? 0;
      return { productId, name: p?.name ?? productId, quantity, unitAmount, amount: unitAmount * quantity };
    });
  }

  async #apply(cartId: string, events: cartFlow.FusionEvent[]): Promise<void> {
    const s = this.#session(cartId);
    let prompt = s.doc.prompt;
    for (const e of events) {
      if (e.type === 'ask-scan') prompt = 'scan';
      else if (e.type === 'staff-call') {
        prompt = 'staff';
        this.#d.onEvent?.({ type: 'staff-call', cartId, call: e.call });
      } else if (e.type === 'mismatch-settled' || e.type === 'added' || e.type === 'removed' || e.type === 'staff-resolved') {
        if (prompt === 'scan' || prompt === 'staff' || prompt === 'declined' || prompt === 'expired' || prompt === 'pay-at-kiosk') prompt = 'none';
      }
    }
    if (s.fusion.staffCalls().length > 0) prompt = 'staff';
    else if (s.fusion.openMismatch()) prompt = 'scan';
    else if (s.doc.state === 'paid') prompt = 'go-to-gate';
    await this.#save(s, { prompt });
  }

  #emitChanged(cartId: string): void {
    if (this.#d.onEvent && this.#sessions.has(cartId)) this.#d.onEvent({ type: 'cart-changed', cartId, view: this.view(cartId) });
  }

  async #loadProducts(): Promise<void> {
    const docs = (await this.#d.products.find({ selector: { siteId: this.#d.siteId, active: true } }).exec()).map((d: any) => d.toJSON() as ProductDoc);
    const products = new Map<string, cartFlow.CartProduct>();
    const byBarcode = new Map<string, string>();
    for (const p of docs) {
      const w = p.cart ?? this.#d.catalogue?.[p.id];
      if (!w) continue; // a product the cart cannot weigh is not sold from a cart
      products.set(p.id, {
        id: p.id,
        name: p.name,
        ...(p.barcode ? { barcode: p.barcode } : {}),
        unitAmount: p.price.amount,
        grams: w.grams,
        toleranceGrams: w.toleranceGrams,
        ...(w.flags ? { flags: w.flags } : {}),
      });
      if (p.barcode) byBarcode.set(p.barcode, p.id);
    }
    // The fusions hold this map: fill it in place.
    this.#products.clear();
    for (const [k, v] of products) (this.#products as Map<string, cartFlow.CartProduct>).set(k, v);
    this.#byBarcode = byBarcode;
  }

  /** One change at a time per cart (bus events, screens, the server's answers). */
  #inTurn<T>(cartId: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.#queues.get(cartId) ?? Promise.resolve();
    const run = prev.then(fn, fn);
    const settled = run.catch(() => undefined);
    this.#queues.set(cartId, settled);
    return run;
  }

  // ---- the server's answers ----

  /** Follows a session's pairing and checkout on the server (long poll) while it can still change. */
  #watch(cartId: string): void {
    const server = this.#d.server;
    const s = this.#sessions.get(cartId);
    if (!server || !s || s.poll || this.#stopped) return;
    const ctl = new AbortController();
    s.poll = ctl;
    const loop = async () => {
      let backoff = 250;
      while (!ctl.signal.aborted && !this.#stopped && this.#sessions.get(cartId) === s) {
        if (s.doc.state === 'released' || s.doc.state === 'paid' || s.doc.state === 'held' || s.doc.state === 'kiosk') break;
        try {
          const status = await sessionStatus(server.endpoint, s.doc.id, { after: s.statusVersion, waitS: 20, signal: ctl.signal });
          this.#online = true;
          backoff = 250;
          if (status.version > s.statusVersion) await this.#inTurn(cartId, () => this.#applyStatus(cartId, status));
        } catch (err) {
          if (ctl.signal.aborted) break;
          if (err instanceof ServerUnreachable) this.#online = false;
          else if (!isEdgePayError(err)) this.#d.onEvent?.({ type: 'error', cartId, message: (err as Error).message });
          await new Promise((r) => setTimeout(r, backoff));
          backoff = Math.min(backoff * 2, 5_000);
        }
      }
      if (s.poll === ctl) s.poll = undefined;
    };
    void loop();
  }

  async #applyStatus(cartId: string, status: cartFlow.CartSessionStatus): Promise<void> {
    const s = this.#sessions.get(cartId);
    if (!s || status.sessionId !== s.doc.id || status.version <= s.statusVersion) return;
    s.statusVersion = status.version;
    const patch: Partial<SessionDoc> = {};
    if (status.paired && !s.doc.pairedAt) patch.pairedAt = new Date(this.#now).toISOString();
    const c = status.checkout;
    if (c && s.doc.state === 'checkout') {
      if (c.state === 'paid' && c.exitPass) {
        Object.assign(patch, {
          state: 'paid',
          prompt: 'go-to-gate',
          ...(c.paymentId ? { paymentId: c.paymentId } : {}),
          paidAt: new Date(this.#now).toISOString(),
          paidTotal: c.amount,
          exitPassId: c.exitPass.id,
          exitPassExpiresAt: c.exitPass.expiresAt,
        } satisfies Partial<SessionDoc>);
      } else if (c.state === 'declined' || c.state === 'expired' || c.state === 'failed') {
        Object.assign(patch, { state: 'shopping', prompt: c.state === 'expired' ? 'expired' : 'declined' } satisfies Partial<SessionDoc>);
      }
    }
    if (Object.keys(patch).length > 0) await this.#save(s, patch);
    if (s.doc.state === 'paid' && s.atGate) await this.#atGate(cartId);
  }

  // ---- the gate ----

  async #atGate(cartId: string, arrived = false): Promise<void> {
    const s = this.#session(cartId);
    if (arrived) s.atGate = true;
    if (!s.atGate) return;
    const d = s.doc;
    let hold: string | undefined;
    if (d.state !== 'paid' && !(d.state === 'held' && d.paidTotal !== undefined)) hold = 'unpaid';
    else if (d.total !== d.paidTotal) hold = 'items-after-payment';
    else if (s.fusion.staffCalls().length > 0) hold = 'staff-call';
    else {
      const pass = this.#passOf(d);
      const refused = cartFlow.checkExitPass(pass, { siteId: this.#d.siteId, cartId, now: this.#now, used: this.#usedPasses });
      if (refused) hold = 'pass-refused';
      else if (arrived && d.state === 'paid' && (this.#d.random ?? Math.random)() < (await this.#spotCheckRate())) hold = 'spot-check';
    }
    if (hold) {
      await this.#save(s, { state: d.paidTotal !== undefined ? 'held' : d.state, heldReason: hold, prompt: 'staff' });
      this.#d.onEvent?.({ type: 'gate-held', cartId, reason: hold });
      await this.#d.bus.command(this.#d.gateId ?? 'gate-1', 'gate.hold', { cartId, reason: hold }).catch(() => undefined);
      return;
    }
    await this.#open(cartId, s);
  }

  /** The site's rate (its setting, replicated from the server), else the configuration's. */
  async #spotCheckRate(): Promise<number> {
    const site = this.#d.sites ? ((await this.#d.sites.findOne(this.#d.siteId).exec())?.toJSON() as SiteDoc | undefined) : undefined;
    return site?.cart?.spotCheckRate ?? this.#d.spotCheckRate ?? 0;
  }

  #passOf(d: SessionDoc): cartFlow.ExitPass | undefined {
    if (!d.exitPassId || !d.exitPassExpiresAt || d.paidTotal === undefined) return undefined;
    return { id: d.exitPassId, siteId: d.siteId, cartId: d.cartId, sessionId: d.id, amount: d.paidTotal, currency: d.currency, expiresAt: d.exitPassExpiresAt };
  }

  async #open(cartId: string, s: Session): Promise<void> {
    const pass = this.#passOf(s.doc);
    if (!pass) return;
    const answer = (await this.#d.bus.command(this.#d.gateId ?? 'gate-1', 'gate.open', { cartId, passId: pass.id, siteId: pass.siteId, expiresAt: pass.expiresAt })) as { opened: string };
    if (answer.opened !== 'yes') {
      await this.#save(s, { state: 'held', heldReason: 'pass-refused', prompt: 'staff' });
      this.#d.onEvent?.({ type: 'gate-held', cartId, reason: 'pass-refused:' + answer.opened });
      return;
    }
    this.#usedPasses.add(pass.id);
    s.atGate = false;
    s.poll?.abort();
    const { heldReason: _h, ...rest } = s.doc;
    s.doc = rest as SessionDoc;
    await this.#save(s, { state: 'released', prompt: 'none' });
    this.#d.onEvent?.({ type: 'gate-opened', cartId, passId: pass.id });
    // The cart comes back for the next shopper with a fresh basket.
    await this.#newSession(cartId);
  }
}
