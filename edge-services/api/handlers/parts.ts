/**
 * What the gateway API's handlers run over (the real parts, wired by the
 * composition root) and the reads several contexts share: site, unsent sums,
 * sync, devices, network.
 */
import {
  summariseUnsent,
  type DeviceView,
  type EnrolmentDoc,
  type FrameRecognition,
  type LobbyEntry,
  type LobbyState,
  type NetworkState,
  type PaymentDoc,
  type PayOutcome,
  type SiteDoc,
  type SiteView,
  type SyncStatus,
  type UnsentSummary,
} from '../../../core/index.ts';
import type { GatewaySync, LedgerDatabase } from '../../../sync/index.ts';
import type { KioskCheckout } from '../../checkout/index.ts';
import type { NetworkSwitch } from '../network-link.ts';

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

export type GatewayServiceParts = {
  kiosk: KioskCheckout;
  db: LedgerDatabase;
  siteId: string;
  /** The sync's status, and the documents the server refused (absent: none to show). */
  sync?: Pick<GatewaySync, 'status'> & Partial<Pick<GatewaySync, 'refusedDocuments'>>;
  /** Device rows (deviceStatus(bus, supervisors) bound to the running parts). */
  devices?: () => DeviceView[];
  /** Scanner reads go into the kiosk basket. */
  bus?: ScannerEvents;
  network?: NetworkSwitch;
  /** Product recognition (SiteRecognition): kiosk camera frames and the operator's enrolments; without it those answer RECOGNITION_UNAVAILABLE. */
  recognition?: RecognitionPart;
  operatorPin: string;
  /** The lobby terminal (the elevator flow), on a building gateway that runs it. */
  lobby?: LobbyPart;
  /** How often sync and device status are compared for changes (ms). */
  pollMs?: number;
};

/** Reads shared by the kiosk, the console and the event sources. */
export class GatewayReads {
  constructor(private readonly parts: GatewayServiceParts) {}

  networkState(): NetworkState {
    return { enabled: this.parts.network?.enabled ?? true };
  }

  deviceRows(): DeviceView[] {
    return this.parts.devices?.() ?? [];
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
    return { siteId: site.id, name: site.name, locale: site.locale, currency: site.currency, offlineLimits: site.offlineLimits };
  }

  async unsentSummary(): Promise<UnsentSummary> {
    // The one "unsent" rule (core/payments/unsent.ts), as the sync status counts it.
    return summariseUnsent(await this.parts.kiosk.unsent());
  }
}

/** The token is the processor's, not the operator's or the screen's business: no answer carries it. */
export function stripToken(p: PaymentDoc): PaymentDoc {
  const { token: _token, ...rest } = p;
  return rest;
}

export function outcomeWithoutToken(o: PayOutcome): PayOutcome {
  return 'payment' in o && o.payment ? { ...o, payment: stripToken(o.payment) } : o;
}
