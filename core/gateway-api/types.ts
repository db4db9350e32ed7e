/**
 * The gateway's local API as data: what the kiosk and the operator console
 * send and receive. One contract, two transports (HTTP + WebSocket for a
 * browser, the Electron preload bridge inside the app), so these are plain
 * JSON shapes: no classes, no Dates.
 */
import type { DeviceKind } from '../bus/index.ts';
import type { Basket, OfflineLimitName } from '../checkout/index.ts';
import type { Money } from '../money.ts';
import type { OfflineLimits, PaymentDoc, PaymentStatus, ProductNames } from '../schemas/index.ts';
import type { EdgePayErrorJSON, ErrorCode } from '../errors.ts';
import type { UnsentSummary } from '../payments/unsent.ts';

// Part of this contract; the rule that counts it is core/payments/unsent.ts.
export type { UnsentSummary };

/** What the kiosk screen shows, sent whole on every change (it is small). */
export type KioskState = {
  basket: Basket;
  total: Money;
  itemCount: number;
  online: boolean;
  /** True while the card terminal is working on a payment. */
  paying: boolean;
  unsent: UnsentSummary;
  /** The locale the site sells in (e.g. 'ko-KR'), for amounts. */
  siteLocale?: string;
  /** The site's IANA time zone, for times on screen. */
  siteTimeZone?: string;
};

/**
 * A kiosk camera frame: one look at what the customer put down (JPEG or PNG,
 * base64), sent when an item is placed, like one scan; not a video stream,
 * which would add the same item on every frame.
 */
export type CameraFrame = { data: string };

/** The operator enrols a product: 3 to 10 frames (base64 JPEG/PNG) showing it, from several sides. */
export type EnrolRequest = { productId: string; frames: string[] };

/** One enrolment as the console lists it (the vectors stay on the gateway). */
export type EnrolmentView = { id: string; productId: string; views: number; createdAt: string; createdBy: string };

/** What one camera frame did: confident products went into the basket; the rest asks for a scan. */
export type CameraFrameResult = {
  state: KioskState;
  added: { productId: string; confidence: number; source: 'visual' | 'barcode' }[];
  /** Something was seen but not confidently enough (below the site's threshold): the screen asks the customer to scan it. */
  askScan: boolean;
  /** Objects that match no enrolled product (not forced onto the nearest one). */
  unknown: number;
};

/**
 * How a payment attempt ended, as the kiosk checkout returns it and the
 * customer sees it (one type for both: the API only strips the card token).
 * `stored` means accepted offline (forwarded later); `refused` means the
 * offline limits (which one: `limit`) said no before the card was touched.
 */
export type PayOutcome =
  | { state: 'approved'; payment: PaymentDoc; receiptUrl?: string }
  | { state: 'declined'; reason: string; payment?: PaymentDoc }
  | { state: 'stored'; payment: PaymentDoc; receiptUrl?: string }
  | { state: 'refused'; code: 'OFFLINE_LIMIT_EXCEEDED' | 'CHECKOUT_NO_SITE'; limit?: OfflineLimitName }
  | { state: 'failed'; code: ErrorCode; message: string; payment?: PaymentDoc };

/**
 * What the kiosk camera saw last, for the kiosk screen: the frame (a data
 * URL, as sent), each object's box in its pixels with what it was taken for,
 * and whether the customer is asked to scan something.
 */
export type CameraView = {
  at: string;
  frame: string;
  width: number;
  height: number;
  objects: { box: { x: number; y: number; w: number; h: number }; outcome: 'product' | 'ask' | 'unknown'; productId?: string; name?: string; names?: ProductNames; confidence: number }[];
  /** Ids of the products this frame put into the basket. */
  added: string[];
  askScan: boolean;
};

/** The number of unsent payments at a moment (the console's backlog chart). */
export type BacklogSample = { at: string; count: number };

/** What a receipt print answered. */
export type PrintResult = { printed: boolean; error?: 'paper-out' | 'bad-command' | 'cover-open' };

/** The gateway's sync with the server, as GatewaySync (sync/replication) reports it and the console shows it. */
export type SyncStatus = {
  online: boolean;
  /** Unsent payments (core/payments/unsent.ts): count and sums per currency. */
  pending: UnsentSummary;
  lastError?: { at: string; message: string; code?: ErrorCode };
  lastSuccessAt?: string;
  /** While offline: when the next attempt to reach the server is due. */
  nextAttemptAt?: string;
};

export type DriverStateView = 'starting' | 'running' | 'restarting' | 'failed' | 'stopped' | string;

/** One row per enrolled device: bus presence beside the supervisor's view. */
export type DeviceView = {
  deviceId: string;
  kind: DeviceKind;
  lastSeen?: number;
  driver?: { state: DriverStateView; restarts: number; pid?: number; error?: EdgePayErrorJSON };
  /**
   * What the console shows: `online` when heard from within the last 30 s (the
   * gateway pings every device every 10 s), `silent` when not, whatever its
   * process says; `starting`, `failed`, `stopped` from its driver.
   */
  status?: 'online' | 'silent' | 'starting' | 'failed' | 'stopped';
};

export type PaymentFilter = {
  status?: PaymentStatus;
  offline?: boolean;
  /** ISO UTC bounds on createdAt, inclusive. */
  from?: string;
  to?: string;
  /** At most this many, newest first (default 100, at most 1000). */
  limit?: number;
};

export type SiteView = { siteId: string; name?: string; locale?: string; timezone?: string; currency?: string; offlineLimits?: OfflineLimits };

/** The console's first screen in one answer. */
export type ConsoleOverview = {
  site: SiteView;
  sync: SyncStatus | null;
  unsent: UnsentSummary;
  network: NetworkState;
  devices: DeviceView[];
  declinedAfterForward: number;
};

/** The demo's "pull the cable" switch. */
export type NetworkState = { enabled: boolean };

export type OperatorSession = { token: string; expiresAt: string };

/** Live events, on the WebSocket and over IPC. Console events need a signed-in operator. */
export type GatewayEvent =
  | { type: 'kiosk'; state: KioskState }
  | { type: 'payment'; phase: 'waiting' }
  | { type: 'payment'; phase: 'done'; outcome: PayOutcome }
  | { type: 'sync'; status: SyncStatus | null; network: NetworkState }
  | { type: 'devices'; devices: DeviceView[] }
  | { type: 'payments-changed' }
  | { type: 'camera'; view: CameraView };

/** Events a kiosk (not signed in) may receive. */
export const KIOSK_EVENT_TYPES: readonly GatewayEvent['type'][] = ['kiosk', 'payment', 'camera'];

/** Messages a WebSocket client sends. */
export type ClientMessage = { type: 'auth'; token: string } | { type: 'ping' };
/** Messages the gateway sends on the WebSocket besides events. */
export type ServerMessage = { type: 'event'; event: GatewayEvent } | { type: 'auth'; ok: boolean } | { type: 'pong' } | { type: 'error'; error: EdgePayErrorJSON };
