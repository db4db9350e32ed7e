/**
 * Requests to pay on the wire: what a requester (gateway, merchant) sends and
 * reads under /v1/payment-requests, and what the wallet page reads under
 * /wallet/api/requests. Plain JSON shapes: amounts are integer minor units
 * with an ISO 4217 currency (core/money.ts), times are ISO 8601 UTC strings.
 */
import type { PaymentRequestFinalState, PaymentRequestState } from './state-machine.ts';

/** Default and bounds of a request's lifetime, in seconds. */
export const PAYMENT_REQUEST_DEFAULT_TTL_SECONDS = 120;
export const PAYMENT_REQUEST_MIN_TTL_SECONDS = 1;
export const PAYMENT_REQUEST_MAX_TTL_SECONDS = 900;
export const PAYMENT_REQUEST_MAX_ITEMS = 100;

/** Whom a request asks: one user, or everyone registered at a unit of a building (resolved at creation). */
export type PaymentRequestTarget = { userId: string } | { buildingId: string; unit: string };

export type PaymentRequestItem = {
  name: string;
  quantity: number;
  /** Line total in minor units of the request's currency. */
  amount: number;
};

export type PaymentRequestPayee = { id: string; name: string };

/** Who asks. `site` is the server itself on behalf of a site (the flows); gateways and merchants come over HTTP. */
export type PaymentRequesterKind = 'site' | 'gateway' | 'merchant';
export type PaymentRequester = { kind: PaymentRequesterKind; id: string; siteId?: string };

/** POST /v1/payment-requests (header Idempotency-Key). */
export type CreatePaymentRequestBody = {
  to: PaymentRequestTarget;
  amount: number;
  currency: string;
  payee: PaymentRequestPayee;
  items?: PaymentRequestItem[];
  /** Where: shown on the phone ("Lobby, Building A"). */
  place?: string;
  note?: string;
  /** Lifetime in seconds (default 120, 1..900). */
  ttlSeconds?: number;
};

/** What the requester sees. Never who lives at the unit or who answered: the courier must not learn it. */
export type PaymentRequestView = {
  id: string;
  state: PaymentRequestState;
  amount: number;
  currency: string;
  payee: PaymentRequestPayee;
  items: PaymentRequestItem[];
  place: string | null;
  note: string | null;
  createdAt: string;
  expiresAt: string;
  answeredAt: string | null;
  /** For an approval: how the user proved it (passkey, payment password, or a two-channel dongle's one-time code). */
  approvalMethod: 'passkey' | 'password' | 'dongle' | null;
};

/** What a recipient's phone sees. */
export type PhonePaymentRequestView = PaymentRequestView & {
  /** True when this user gave the answer (false: another resident of the unit did). */
  answeredByYou: boolean;
};

/** Answer bodies of the requester routes. */
export type PaymentRequestResponse = { request: PaymentRequestView };

/** The binding an approval proves (dynamic linking): read from the server's row, never from the client. */
export type PaymentRequestBinding = { requestId: string; amount: number; currency: string; payeeId: string };

/** POST /wallet/api/requests/:id/approve. `proof` is the wallet's ApprovalProof (passkey assertion or payment password). */
export type ApprovePaymentRequestBody = { proof: unknown };

/**
 * Events of a live stream (SSE `event:` name = `type`, `id:` = `seq`, `data:` = the JSON).
 * `seq` grows by one per event of one feed (a user's phone feed, a requester's
 * feed) in commit order, so resuming after `seq` misses nothing.
 */
export type PaymentRequestStreamEvent =
  /** The stream is open; events after `seq` follow. */
  | { type: 'ready'; seq: number }
  /** A new request: on a phone feed (as PhonePaymentRequestView) and on its requester's feed. */
  | { type: 'request'; seq: number; request: PaymentRequestView | PhonePaymentRequestView }
  /** Phone feed: a request left `pending` (answered here or by another phone, expired, cancelled). */
  | { type: 'resolved'; seq: number; request: PhonePaymentRequestView }
  /** Requester feed: a request of this requester reached its final state (the outcome to act on, once). */
  | { type: 'outcome'; seq: number; request: PaymentRequestView };

export type PaymentRequestStreamEventType = PaymentRequestStreamEvent['type'];

/** GET /wallet/api/requests[?after=seq]: the pending requests, and with `after` the events since (polling, the last resort). */
export type PhoneRequestsResponse = {
  requests: PhonePaymentRequestView[];
  /** The feed's newest seq: resume the stream or the next poll from here. */
  seq: number;
  events?: PaymentRequestStreamEvent[];
};

/** GET /v1/payment-requests/events?after=seq: a requester's outcomes since `after` (for a requester that was away). */
export type RequesterEventsResponse = { seq: number; events: PaymentRequestStreamEvent[] };

export type { PaymentRequestFinalState };

/** Paths, in one place for the server, the wallet page and tests. */
export const PAYMENT_REQUEST_PATHS = {
  create: '/v1/payment-requests',
  one: (id: string) => `/v1/payment-requests/${encodeURIComponent(id)}`,
  cancel: (id: string) => `/v1/payment-requests/${encodeURIComponent(id)}/cancel`,
  requesterStream: '/v1/payment-requests/stream',
  requesterEvents: '/v1/payment-requests/events',
  phoneList: '/wallet/api/requests',
  phoneStream: '/wallet/api/requests/stream',
  phoneApprovalOptions: (id: string) => `/wallet/api/requests/${encodeURIComponent(id)}/approval-options`,
  phoneApprove: (id: string) => `/wallet/api/requests/${encodeURIComponent(id)}/approve`,
  phoneDecline: (id: string) => `/wallet/api/requests/${encodeURIComponent(id)}/decline`,
} as const;

/**
 * The exact bytes an approval signs over besides the wallet's nonce: keys in
 * a fixed order, so the phone and the server derive the same challenge.
 */
export function canonicalPaymentRequestBinding(b: PaymentRequestBinding): string {
  return JSON.stringify({ requestId: b.requestId, amount: b.amount, currency: b.currency, payeeId: b.payeeId });
}
