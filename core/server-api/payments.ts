/**
 * The server's payments API: the HTTP contract between the central server
 * (server/payments/routes.ts) and its callers (the gateway's client in
 * edge-services/server-client; later merchants and the wallet). Pure types,
 * paths and header names; both sides import them from here.
 *
 * Every state-changing call carries an Idempotency-Key (8..200 characters):
 * the same key and body get the first answer (header `idempotent-replayed:
 * true`), the same key with another body is refused, concurrent duplicates
 * run once.
 *
 *   POST /payments/{id}/authorise            → {payment}  decide now a payment the server holds
 *                                                          (a gateway's: it arrived by replication)
 *   POST /payments/authorise     {payment}   → {payment}  record and decide a payment in one call
 *                                                          (callers without a replicated ledger)
 *   POST /payments/{id}/refund   {amount}    → {payment}
 *   POST /payments/{id}/void                 → {payment}
 *
 * Errors are `{code, message, details?}` with codes from core's registry.
 */
import type { PaymentDoc } from '../schemas/payments.ts';

export const IDEMPOTENCY_KEY_HEADER = 'idempotency-key';
export const IDEMPOTENT_REPLAYED_HEADER = 'idempotent-replayed';
export const IDEMPOTENCY_KEY_MIN_LENGTH = 8;
export const IDEMPOTENCY_KEY_MAX_LENGTH = 200;

/** Route patterns as the server registers them (Fastify's `:param` syntax). */
export const PAYMENT_ROUTES = {
  authorise: '/payments/authorise',
  authoriseHeld: '/payments/:paymentId/authorise',
  refund: '/payments/:paymentId/refund',
  void: '/payments/:paymentId/void',
} as const;

/** The concrete paths a client calls. */
export const paymentPaths = {
  authorise: (): string => PAYMENT_ROUTES.authorise,
  authoriseHeld: (paymentId: string): string => `/payments/${encodeURIComponent(paymentId)}/authorise`,
  refund: (paymentId: string): string => `/payments/${encodeURIComponent(paymentId)}/refund`,
  void: (paymentId: string): string => `/payments/${encodeURIComponent(paymentId)}/void`,
};

/**
 * The e-receipt a phone opens from the kiosk's QR code (an HTML page, no
 * sign-in). The path carries the payment's id only: random (UUIDv7, 74
 * random bits), and no personal data; the page shows the card's last 4 only.
 */
export const RECEIPT_ROUTE = '/receipts/:paymentId';
export const receiptPath = (paymentId: string): string => `/receipts/${encodeURIComponent(paymentId)}`;

export type PaymentIdParams = { paymentId: string };
export type AuthoriseRequestBody = { payment: PaymentDoc };
/**
 * Who asked for a refund or void and why, for the audit log (the console's
 * operator name and the reason they gave; both optional for older callers).
 */
export type MoneyBackNote = { reason?: string; operator?: string };
export type RefundRequestBody = { amount: number } & MoneyBackNote;
export type VoidRequestBody = MoneyBackNote;
/** The longest reason and operator name the server keeps. */
export const MONEY_BACK_REASON_MAX = 200;
export const MONEY_BACK_OPERATOR_MAX = 80;
export type PaymentResponseBody = { payment: PaymentDoc };
