/**
 * The gateway's API implemented in process, over the real parts: the kiosk
 * checkout, the ledger, the sync, the device bus and its supervisors, and the
 * network switch. Both transports (HTTP + WebSocket here, Electron IPC in
 * main/) call this one object, so they cannot behave differently.
 *
 * It also turns what happens into live events: basket and payment changes as
 * they are made, scanner reads from the bus into the basket, and the sync and
 * device status (polled, sent only when they change).
 */
import {
  basketTotal,
  EdgePayError,
  itemCount,
  summariseUnsent,
  type CameraFrame,
  type CameraFrameResult,
  type EnrolmentDoc,
  type EnrolmentView,
  type EnrolRequest,
  type ConsoleApi,
  type FrameRecognition,
  type DeviceView,
  type GatewayEvent,
  type KioskApi,
  type KioskState,
  type NetworkState,
  type PaymentDoc,
  type PaymentFilter,
  type PayOutcome,
  type SiteDoc,
  type SiteView,
  type SyncStatus,
  type UnsentSummary,
  type ConsoleOverview,
} from '../../core/index.ts';
import type { GatewaySync, LedgerDatabase } from '../../sync/index.ts';
import type { KioskCheckout, CheckoutResult } from '../checkout/index.ts';
import type { NetworkSwitch } from './network-link.ts';
import { OperatorSessions } from './operator-sessions.ts';

/** Recognition as far as the API needs it (SiteRecognition has these). */
export type RecognitionPart = {
  recognise(frame: Uint8Array): Promise<FrameRecognition>;
  enrol(productId: string, frames: Uint8Array[]): Promise<EnrolmentDoc>;
  forget(productId: string): Promise<number>;
  list(): Promise<EnrolmentDoc[]>;
};

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
/** A base64 JPEG/PNG from a request, as bytes; REQUEST_INVALID otherwise. */
function frameFromBase64(data: unknown): Uint8Array {
  if (typeof data !== 'string' || data.length === 0 || !BASE64.test(data)) {
    throw new EdgePayError('REQUEST_INVALID', { reason: 'a frame must be a base64 JPEG or PNG' });
  }
  return new Uint8Array(Buffer.from(data, 'base64'));
}

const enrolmentView = (d: EnrolmentDoc): EnrolmentView => ({ id: d.id, productId: d.productId, views: d.embeddings.length, createdAt: d.createdAt, createdBy: d.createdBy });

/** The bus as far as the API needs it: scanner events. */
export type ScannerEvents = { onEvent(listener: (envelope: { type: string; payload: unknown }) => void): () => void };

export type GatewayServiceParts = {
  kiosk: KioskCheckout;
  db: LedgerDatabase;
  siteId: string;
  sync?: Pick<GatewaySync, 'status'>;
  /** Device rows (deviceStatus(bus, supervisors) bound to the running parts). */
  devices?: () => DeviceView[];
  /** Scanner reads go into the kiosk basket. */
  bus?: ScannerEvents;
  network?: NetworkSwitch;
  /** Product recognition (SiteRecognition): kiosk camera frames and the operator's enrolments; without it those answer RECOGNITION_UNAVAILABLE. */
  recognition?: RecognitionPart;
  operatorPin: string;
  /** How often sync and device status are compared for changes (ms). */
  pollMs?: number;
};

type Listener = (event: GatewayEvent) => void;

export class GatewayService implements KioskApi, ConsoleApi {
  readonly sessions: OperatorSessions;
  private readonly listeners = new Set<Listener>();
  private paying = false;
  private readonly stops: (() => void)[] = [];
  private lastSync = '';
  private lastDevices = '';
  private lastUnsent = '';
  private siteLocale: string | undefined;
  /** Scans run one at a time, in arrival order (a fast scanner must not reorder the basket). */
  private scanQueue: Promise<unknown> = Promise.resolve();

  constructor(private readonly parts: GatewayServiceParts) {
    this.sessions = new OperatorSessions({ pin: parts.operatorPin });
  }

  /** Starts the event sources; call once. */
  start(): void {
    if (this.parts.bus) {
      this.stops.push(
        this.parts.bus.onEvent((env) => {
          if (env.type !== 'scanner.scan') return;
          const p = env.payload as { code: string; complete?: boolean };
          // A code cut short by an unplug could name another product: never add it.
          if (p.complete === false) return;
          void this.scan(p.code).catch(() => undefined);
        }),
      );
    }
    const sub = this.parts.db.payments.$.subscribe(() => {
      this.emit({ type: 'payments-changed' });
      void this.refreshUnsent();
    });
    this.stops.push(() => sub.unsubscribe());
    const timer = setInterval(() => void this.poll(), this.parts.pollMs ?? 500);
    timer.unref();
    this.stops.push(() => clearInterval(timer));
  }

  stop(): void {
    for (const s of this.stops.splice(0)) s();
    this.listeners.clear();
  }

  onEvent(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(event: GatewayEvent): void {
    for (const l of this.listeners) {
      try {
        l(event);
      } catch {
        // A broken listener (a closed socket) must not stop the others.
      }
    }
  }

  // ---- kiosk ----

  async kioskState(): Promise<KioskState> {
    const { kiosk } = this.parts;
    if (this.siteLocale === undefined) this.siteLocale = (await this.siteDoc())?.locale;
    return {
      basket: kiosk.basket,
      total: basketTotal(kiosk.basket),
      itemCount: itemCount(kiosk.basket),
      online: kiosk.online,
      paying: this.paying,
      unsent: await this.unsentSummary(),
      ...(this.siteLocale ? { siteLocale: this.siteLocale } : {}),
    };
  }

  scan(barcode: string): Promise<KioskState> {
    if (typeof barcode !== 'string' || barcode.length === 0 || barcode.length > 64) {
      return Promise.reject(new EdgePayError('REQUEST_INVALID', { reason: 'barcode must be 1 to 64 characters' }));
    }
    const run = this.scanQueue.then(async () => {
      this.notWhilePaying();
      await this.parts.kiosk.scan(barcode);
      return this.changed();
    });
    this.scanQueue = run.catch(() => undefined);
    return run;
  }

  async cameraFrame(frame: CameraFrame): Promise<CameraFrameResult> {
    const bytes = frameFromBase64(frame?.data);
    const recognition = this.recognitionPart();
    this.notWhilePaying();
    const result = await recognition.recognise(bytes);
    // Into the basket in the same queue as scans, so a scan and a frame never interleave.
    const run = this.scanQueue.then(async () => {
      this.notWhilePaying();
      const added: CameraFrameResult['added'] = [];
      let unknown = 0;
      for (const o of result.objects) {
        if (o.outcome === 'unknown') unknown++;
        if (o.outcome !== 'product' || !o.productId) continue;
        if (await this.parts.kiosk.addRecognised(o.productId)) added.push({ productId: o.productId, confidence: o.confidence, source: o.source === 'barcode' ? 'barcode' : 'visual' });
        else unknown++;
      }
      return { state: await this.changed(), added, askScan: result.objects.some((o) => o.outcome === 'ask'), unknown };
    });
    this.scanQueue = run.catch(() => undefined);
    return run;
  }

  private recognitionPart(): RecognitionPart {
    if (!this.parts.recognition) throw new EdgePayError('RECOGNITION_UNAVAILABLE', { reason: 'this gateway runs no recognition' });
    return this.parts.recognition;
  }

  async setQuantity(productId: string, quantity: number): Promise<KioskState> {
    if (typeof productId !== 'string' || !Number.isInteger(quantity)) throw new EdgePayError('REQUEST_INVALID', { reason: 'productId and a whole quantity are required' });
    this.notWhilePaying();
    this.parts.kiosk.setQuantity(productId, quantity);
    return this.changed();
  }

  async remove(productId: string): Promise<KioskState> {
    if (typeof productId !== 'string') throw new EdgePayError('REQUEST_INVALID', { reason: 'productId is required' });
    this.notWhilePaying();
    this.parts.kiosk.remove(productId);
    return this.changed();
  }

  async clear(): Promise<KioskState> {
    this.notWhilePaying();
    this.parts.kiosk.clear();
    return this.changed();
  }

  async pay(): Promise<PayOutcome> {
    if (this.paying) throw new EdgePayError('CHECKOUT_BUSY');
    if (basketTotal(this.parts.kiosk.basket).amount === 0) throw new EdgePayError('CHECKOUT_EMPTY');
    this.paying = true;
    this.emit({ type: 'payment', phase: 'waiting' });
    void this.changed();
    let outcome: PayOutcome;
    try {
      outcome = toOutcome(await this.parts.kiosk.pay());
    } catch (err) {
      const e = err instanceof EdgePayError ? err : new EdgePayError('INTERNAL');
      outcome = { state: 'failed', code: e.code, message: e.message };
    } finally {
      this.paying = false;
    }
    this.emit({ type: 'payment', phase: 'done', outcome });
    await this.changed();
    return outcome;
  }

  private notWhilePaying(): void {
    // The basket is what the card is being charged for: it must not move under it.
    if (this.paying) throw new EdgePayError('CHECKOUT_BUSY');
  }

  private async changed(): Promise<KioskState> {
    const state = await this.kioskState();
    this.emit({ type: 'kiosk', state });
    return state;
  }

  private async refreshUnsent(): Promise<void> {
    const key = JSON.stringify(await this.unsentSummary());
    if (key !== this.lastUnsent) {
      this.lastUnsent = key;
      await this.changed();
    }
  }

  // ---- console ----

  async signIn(pin: string): Promise<{ token: string; expiresAt: string }> {
    return this.sessions.signIn(pin);
  }

  async signOut(token: string): Promise<void> {
    this.sessions.signOut(token);
  }

  async overview(token: string): Promise<ConsoleOverview> {
    this.sessions.check(token);
    return {
      site: await this.siteView(),
      sync: await this.syncView(),
      unsent: await this.unsentSummary(),
      network: this.networkState(),
      devices: this.deviceRows(),
      declinedAfterForward: (await this.parts.kiosk.declinedAfterForward()).length,
    };
  }

  async syncStatus(token: string): Promise<SyncStatus | null> {
    this.sessions.check(token);
    return this.syncView();
  }

  async devices(token: string): Promise<DeviceView[]> {
    this.sessions.check(token);
    return this.deviceRows();
  }

  async payments(token: string, filter: PaymentFilter): Promise<PaymentDoc[]> {
    this.sessions.check(token);
    const selector: Record<string, unknown> = {};
    if (filter.status) selector.status = filter.status;
    if (filter.offline !== undefined) selector.offline = filter.offline;
    if (filter.from || filter.to) {
      selector.createdAt = { ...(filter.from ? { $gte: filter.from } : {}), ...(filter.to ? { $lte: filter.to } : {}) };
    }
    const docs = await this.parts.db.payments
      .find({ selector: selector as never, sort: [{ createdAt: 'desc' }], limit: Math.min(filter.limit ?? 100, 1000) })
      .exec();
    return docs.map((d) => stripToken(d.toJSON() as PaymentDoc));
  }

  async payment(token: string, id: string): Promise<PaymentDoc> {
    this.sessions.check(token);
    const doc = typeof id === 'string' ? await this.parts.db.payments.findOne(id).exec() : null;
    if (!doc) throw new EdgePayError('PAYMENT_NOT_FOUND', { paymentId: String(id).slice(0, 64) });
    return stripToken(doc.toJSON() as PaymentDoc);
  }

  async declinedAfterForward(token: string): Promise<PaymentDoc[]> {
    this.sessions.check(token);
    return (await this.parts.kiosk.declinedAfterForward()).map(stripToken);
  }

  async site(token: string): Promise<SiteView> {
    this.sessions.check(token);
    return this.siteView();
  }

  // ---- recognition (console) ----

  async enrolments(token: string): Promise<EnrolmentView[]> {
    this.sessions.check(token);
    return (await this.recognitionPart().list()).map(enrolmentView).sort((a, b) => a.productId.localeCompare(b.productId) || a.createdAt.localeCompare(b.createdAt));
  }

  async enrolProduct(token: string, request: EnrolRequest): Promise<EnrolmentView> {
    this.sessions.check(token);
    const recognition = this.recognitionPart();
    const { productId, frames } = request ?? ({} as EnrolRequest);
    if (typeof productId !== 'string' || !Array.isArray(frames)) throw new EdgePayError('REQUEST_INVALID', { reason: 'productId and frames are required' });
    const bytes = frames.map(frameFromBase64);
    // Only what this site sells: an enrolment for a product nobody can buy would only confuse the kiosk.
    const product = await this.parts.db.products.findOne({ selector: { id: productId, siteId: this.parts.siteId, active: true } }).exec();
    if (!product) throw new EdgePayError('REQUEST_INVALID', { reason: `no active product ${productId} at this site` });
    return enrolmentView(await recognition.enrol(productId, bytes));
  }

  async forgetProduct(token: string, productId: string): Promise<{ removed: number }> {
    this.sessions.check(token);
    if (typeof productId !== 'string' || productId.length === 0) throw new EdgePayError('REQUEST_INVALID', { reason: 'productId is required' });
    return { removed: await this.recognitionPart().forget(productId) };
  }

  async unsent(token: string): Promise<UnsentSummary> {
    this.sessions.check(token);
    return this.unsentSummary();
  }

  async network(token: string): Promise<NetworkState> {
    this.sessions.check(token);
    return this.networkState();
  }

  async setNetwork(token: string, enabled: boolean): Promise<NetworkState> {
    this.sessions.check(token);
    if (typeof enabled !== 'boolean') throw new EdgePayError('REQUEST_INVALID', { reason: 'enabled must be true or false' });
    if (!this.parts.network) throw new EdgePayError('GATEWAY_API_UNAVAILABLE', { reason: 'this gateway has no network switch' });
    await this.parts.network.setEnabled(enabled);
    await this.poll();
    return this.networkState();
  }

  // ---- helpers ----

  private networkState(): NetworkState {
    return { enabled: this.parts.network?.enabled ?? true };
  }

  private deviceRows(): DeviceView[] {
    return this.parts.devices?.() ?? [];
  }

  private async syncView(): Promise<SyncStatus | null> {
    return (await this.parts.sync?.status()) ?? null;
  }

  private async siteDoc(): Promise<SiteDoc | undefined> {
    const doc = await this.parts.db.sites.findOne(this.parts.siteId).exec();
    return doc ? (doc.toJSON() as SiteDoc) : undefined;
  }

  private async siteView(): Promise<SiteView> {
    const site = await this.siteDoc();
    if (!site) return { siteId: this.parts.siteId };
    return { siteId: site.id, name: site.name, locale: site.locale, currency: site.currency, offlineLimits: site.offlineLimits };
  }

  private async unsentSummary(): Promise<UnsentSummary> {
    return summariseUnsent(await this.parts.kiosk.unsent());
  }

  /** Sends sync and device events when something changed since the last look. */
  private async poll(): Promise<void> {
    try {
      const status = await this.syncView();
      const network = this.networkState();
      // lastSuccessAt moves on every call: comparing it would send an event each poll.
      const key = JSON.stringify([status && { ...status, lastSuccessAt: undefined, nextAttemptAt: undefined }, network]);
      if (key !== this.lastSync) {
        this.lastSync = key;
        this.emit({ type: 'sync', status, network });
        // The kiosk's offline banner follows the sync's view of the network.
        void this.changed();
      }
      const devices = this.deviceRows();
      const dkey = JSON.stringify(devices.map((d) => [d.deviceId, d.driver?.state, d.driver?.restarts, d.lastSeen !== undefined]));
      if (dkey !== this.lastDevices) {
        this.lastDevices = dkey;
        this.emit({ type: 'devices', devices });
      }
    } catch {
      // Closing down: the ledger may be gone under a last poll.
    }
  }
}

/** The token is the processor's, not the operator's business; the console never needs it. */
function stripToken(p: PaymentDoc): PaymentDoc {
  const { token: _token, ...rest } = p;
  return rest;
}

function toOutcome(r: CheckoutResult): PayOutcome {
  switch (r.state) {
    case 'approved':
    case 'stored':
      return { state: r.state, payment: stripToken(r.payment) };
    case 'declined':
      return { state: 'declined', reason: r.reason, ...(r.payment ? { payment: stripToken(r.payment) } : {}) };
    case 'refused': {
      const limit = r.decision && !r.decision.ok ? r.decision.limit : undefined;
      return { state: 'refused', code: r.code, ...(limit ? { limit } : {}) };
    }
    case 'failed':
      return { state: 'failed', code: r.code, message: r.message };
  }
}
