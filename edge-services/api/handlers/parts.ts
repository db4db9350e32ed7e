/**
 * What the gateway API's handlers run over (the real parts, wired by the
 * composition root) and the reads several contexts share: site, unsent sums,
 * sync, devices, network.
 */
import type {
  cartFlow,
  BacklogSample,
  DeviceView,
  EnrolmentDoc,
  FrameRecognition,
  LobbyEntry,
  LobbyState,
  NetworkState,
  PaymentDoc,
  PayOutcome,
  PrintResult,
  SiteDoc,
  SiteView,
  SyncStatus,
  UnsentSummary,
} from '../../../core/index.ts';
import { UnsentPayments, type GatewaySync, type LedgerDatabase, type SyncEndpoint } from '../../../sync/index.ts';
import type { KioskCheckout } from '../../checkout/index.ts';
import type { NetworkSwitch } from '../network-link.ts';
import type { KioskPayLater } from '../../flows/credit/index.ts';

/** Recognition as far as the API needs it (SiteRecognition has these). */
export type RecognitionPart = {
  recognise(frame: Uint8Array): Promise<FrameRecognition>;
  enrol(productId: string, frames: Uint8Array[]): Promise<EnrolmentDoc>;
  forget(productId: string): Promise<number>;
  list(): Promise<EnrolmentDoc[]>;
};

/** The lobby desk as far as the API needs it (edge-services/flows/elevator's LobbyDesk). */
export type LobbyPart = {
  view(): LobbyState;
  request(entry: LobbyEntry): LobbyState;
  confirmLoad(): LobbyState;
  reset(): LobbyState;
};

/** The bus as far as the API needs it: scanner events. */
export type ScannerEvents = { onEvent(listener: (envelope: { type: string; payload: unknown }) => void): () => void };

/** The smart cart flow as far as the API needs it (edge-services/flows/cart's CartFlow has these). */
export type CartPart = {
  view(cartId: string): cartFlow.CartView;
  views(): cartFlow.CartView[];
  checkout(cartId: string): Promise<cartFlow.CartView>;
  payAtKiosk(cartId: string): Promise<{ view: cartFlow.CartView; outcome: string }>;
  staffResolve(cartId: string, decision: cartFlow.CartStaffDecision): Promise<cartFlow.CartView>;
  staffRelease(cartId: string, by: string, why: string): Promise<cartFlow.CartView>;
};

export type GatewayServiceParts = {
  kiosk: KioskCheckout;
  db: LedgerDatabase;
  siteId: string;
  /** The sync's status, and the documents the server refused (absent: none to show). */
  sync?: Pick<GatewaySync, 'status'> & Partial<Pick<GatewaySync, 'refusedDocuments' | 'syncNow'>>;
  /** The central server and this gateway's credential: refunds, voids, catalogue and limit edits. */
  server?: SyncEndpoint;
  /** Ask every device on the bus for a sign of life (device.ping), so "last seen" is a heartbeat. */
  pingDevices?: () => Promise<void>;
  /** Device rows (deviceStatus(bus, supervisors) bound to the running parts). */
  devices?: () => DeviceView[];
  /** Scanner reads go into the kiosk basket. */
  bus?: ScannerEvents;
  network?: NetworkSwitch;
  /** Product recognition (SiteRecognition): kiosk camera frames and the operator's enrolments; without it those answer RECOGNITION_UNAVAILABLE. */
  recognition?: RecognitionPart;
  /** Smart carts (the `cart` flow), where this gateway runs them. */
  cart?: CartPart;
  operatorPin: string;
  /** Pay later at the kiosk (edge-services/flows/credit); without it payLater answers CREDIT_KIOSK_UNAVAILABLE. */
  payLater?: KioskPayLater;
  /** The receipt printer (ESC/POS on the bus); absent: printing answers PRINTER_UNAVAILABLE. */
  printer?: ReceiptPrinter;
  /**
   * Where customers' phones open e-receipts: the central server's public
   * address (its `/receipts/{id}` page); absent: no QR code.
   */
  receiptBaseUrl?: string;
  /** The lobby terminal (the elevator flow), on a building gateway that runs it. */
  lobby?: LobbyPart;
  /** How often sync and device status are compared for changes (ms). */
  pollMs?: number;
};

/** Prints one job of ESC/POS bytes (a reference makes a repeat print once). */
export type ReceiptPrinter = { print(reference: string, bytes: Uint8Array): Promise<PrintResult> };

/** A device not heard from for this long (it answers a ping every DEVICE_PING_MS) is shown as silent. */
export const DEVICE_SILENT_MS = 30_000;
export const DEVICE_PING_MS = 10_000;
/** The backlog is sampled this often, and this many samples kept (12 hours). */
export const BACKLOG_SAMPLE_MS = 5_000;
const BACKLOG_SAMPLES = 8_640;

/** Reads shared by the kiosk, the console and the event sources. */
export class GatewayReads {
  private readonly backlogSamples: BacklogSample[] = [];

  constructor(private readonly parts: GatewayServiceParts) {}

  /** Unsent payments over time, oldest first. */
  backlog(): BacklogSample[] {
    return [...this.backlogSamples];
  }

  sampleBacklog(count: number, at = new Date()): void {
    const last = this.backlogSamples.at(-1);
    if (last && at.getTime() - Date.parse(last.at) < BACKLOG_SAMPLE_MS) return;
    this.backlogSamples.push({ at: at.toISOString(), count });
    if (this.backlogSamples.length > BACKLOG_SAMPLES) this.backlogSamples.splice(0, this.backlogSamples.length - BACKLOG_SAMPLES);
  }

  networkState(): NetworkState {
    return { enabled: this.parts.network?.enabled ?? true };
  }

  /** Each device with a status from its heartbeat (the last message the bus had from it) and its driver's state. */
  deviceRows(now = Date.now()): DeviceView[] {
    return (this.parts.devices?.() ?? []).map((d) => ({ ...d, status: deviceStatusOf(d, now) }));
  }

  async syncView(): Promise<SyncStatus | null> {
    return (await this.parts.sync?.status()) ?? null;
  }

  async siteDoc(): Promise<SiteDoc | undefined> {
    const doc = await this.parts.db.sites.findOne(this.parts.siteId).exec();
    return doc ? (doc.toJSON() as SiteDoc) : undefined;
  }

  async siteView(): Promise<SiteView> {
    const site = await this.siteDoc();
    if (!site) return { siteId: this.parts.siteId };
    return { siteId: site.id, name: site.name, locale: site.locale, timezone: site.timezone, currency: site.currency, offlineLimits: site.offlineLimits };
  }

  async unsentSummary(): Promise<UnsentSummary> {
    // The one "unsent" rule (core/payments/unsent.ts), kept by the ledger's tracker as the sync status counts it.
    return UnsentPayments.of(this.parts.db.payments).summary();
  }

  /** How many offline payments were declined after forwarding (the tracker's count, no documents read). */
  declinedAfterForwardCount(): Promise<number> {
    return UnsentPayments.of(this.parts.db.payments).declinedAfterForwardCount();
  }
}

export function deviceStatusOf(d: DeviceView, now: number): NonNullable<DeviceView['status']> {
  const state = d.driver?.state;
  if (state === 'failed') return 'failed';
  if (state === 'stopped') return 'stopped';
  if (state === 'starting' || state === 'restarting') return 'starting';
  if (d.lastSeen === undefined) return 'silent';
  return now - d.lastSeen > DEVICE_SILENT_MS ? 'silent' : 'online';
}

/** The token is the processor's, not the operator's or the screen's business: no answer carries it. */
export function stripToken(p: PaymentDoc): PaymentDoc {
  const { token: _token, ...rest } = p;
  return rest;
}

export function outcomeWithoutToken(o: PayOutcome): PayOutcome {
  return 'payment' in o && o.payment ? { ...o, payment: stripToken(o.payment) } : o;
}
