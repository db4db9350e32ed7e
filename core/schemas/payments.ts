/**
 * The `payments` collection: one document per payment, replicated between the
 * gateway's RxDB and the central server.
 *
 * Identity and idempotency: `id` is a UUIDv7 the gateway makes when the
 * payment is started, and it *is* the idempotency key (DESIGN.md section 3:
 * "a client-made id that is also the idempotency key"). There is no separate
 * `idempotencyKey` field because two keys for one intent could disagree; with
 * one, a retried push of the same payment can only ever hit the same document.
 *
 * Ownership (who writes which field) is in payment-ownership.ts. Refunds and
 * voids are *requested* from the server's payment authority over HTTP
 * (`POST /payments/{id}/refund` and `/void`, with an Idempotency-Key; see
 * server/payments/routes.ts), never by a gateway editing a payment; the server
 * reflects their outcome here in `status`, `statusHistory` and `refundedAmount`.
 */
import type { RxJsonSchema } from 'rxdb';
import type { CurrencyCode } from '../currencies.ts';
import {
  currencySchema,
  isoTimestampSchema,
  minorUnitsSchema,
  referenceIdSchema,
  uuidV7Schema,
} from './fragments.ts';

export const paymentFlows = ['kiosk', 'elevator', 'cart', 'two-channel', 'relay', 'credit'] as const;
export type PaymentFlow = (typeof paymentFlows)[number];

export const paymentMethods = ['card-terminal', 'wallet', 'virtual-card', 'pay-later', 'payment-code', 'otp'] as const;
export type PaymentMethod = (typeof paymentMethods)[number];

/**
 * `created` (made online) and `stored` (made offline, held for store and
 * forward) are the only statuses a gateway sets, and only at creation. Every
 * later status is the server's decision.
 */
export const paymentStatuses = [
  'created',
  'stored',
  'forwarded',
  'pending-approval',
  'authorised',
  'captured',
  'voided',
  'refunded',
  'partially-refunded',
  'declined',
  'expired',
] as const;
export type PaymentStatus = (typeof paymentStatuses)[number];

export const initialPaymentStatuses = ['created', 'stored'] as const satisfies readonly PaymentStatus[];

export type PaymentLineItem = {
  productId?: string;
  sku?: string;
  barcode?: string;
  name: string;
  /** Whole units, > 0. */
  quantity: number;
  /** Minor units; negative for a discount line. */
  unitAmount: number;
  /** unitAmount × quantity, stored so that receipts and sums need no arithmetic. */
  lineAmount: number;
};

/** What may be shown of a card: BIN (first 6–8 digits) and last 4. Never a PAN (DESIGN.md section 4). */
export type CardDisplay = { bin: string; last4: string; brand?: string };

export type PaymentStatusEntry = {
  status: PaymentStatus;
  at: string;
  by: 'gateway' | 'server';
  reason?: string;
};

export type PaymentDoc = {
  id: string;
  siteId: string;
  gatewayId: string;
  flow: PaymentFlow;
  /** Minor units of `currency`, > 0. */
  amount: number;
  currency: CurrencyCode;
  method: PaymentMethod;
  lineItems: PaymentLineItem[];
  cardDisplay?: CardDisplay;
  /** The processor's token for the card or wallet; never card data itself. */
  token?: string;
  /** ISO UTC, gateway clock. */
  createdAt: string;
  /** True when the gateway accepted the payment while offline (store and forward). */
  offline: boolean;
  status: PaymentStatus;
  statusHistory: PaymentStatusEntry[];
  declineReason?: string;
  approvalCode?: string;
  /** ISO UTC, server clock: when the server last changed this payment. */
  serverUpdatedAt?: string;
  /** Minor units refunded so far (server-owned; absent until a refund). */
  refundedAmount?: number;
};

const text = (maxLength: number) => ({ type: 'string', minLength: 1, maxLength }) as const;

export const paymentSchema: RxJsonSchema<PaymentDoc> = {
  title: 'EdgePay payment',
  description: 'One payment made at a gateway; the server decides its outcome.',
  version: 0,
  primaryKey: 'id',
  type: 'object',
  properties: {
    // `final`: RxDB itself then refuses local updates of gateway fields.
    id: uuidV7Schema(),
    siteId: { ...referenceIdSchema(), final: true },
    gatewayId: { ...referenceIdSchema(), final: true },
    flow: { type: 'string', enum: [...paymentFlows], maxLength: 16, final: true },
    // A payment moves money; a zero or negative one is a bug (a refund is requested from the server, see above).
    amount: { ...minorUnitsSchema(1), final: true },
    currency: { ...currencySchema(), final: true },
    method: { type: 'string', enum: [...paymentMethods], maxLength: 16, final: true },
    lineItems: {
      type: 'array',
      maxItems: 500,
      final: true,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['name', 'quantity', 'unitAmount', 'lineAmount'],
        properties: {
          productId: referenceIdSchema(),
          sku: text(64),
          barcode: text(64),
          name: text(200),
          quantity: { type: 'integer', minimum: 1, maximum: 1_000_000 },
          unitAmount: minorUnitsSchema(-Number.MAX_SAFE_INTEGER),
          lineAmount: minorUnitsSchema(-Number.MAX_SAFE_INTEGER),
        },
      },
    },
    cardDisplay: {
      type: 'object',
      // No extra keys: nothing else about a card can sneak in here.
      additionalProperties: false,
      required: ['bin', 'last4'],
      properties: {
        bin: { type: 'string', pattern: '^[0-9]{6,8}$' },
        last4: { type: 'string', pattern: '^[0-9]{4}$' },
        brand: text(32),
      },
    },
    token: {
      type: 'string',
      minLength: 1,
      maxLength: 256,
      // Defence in depth: a token that is 12–19 bare digits looks like a PAN
      // and is refused, so a misbehaving adapter cannot store one as a "token".
      pattern: '^(?![0-9]{12,19}$)[\\x21-\\x7e]+$',
    },
    createdAt: { ...isoTimestampSchema(), final: true },
    offline: { type: 'boolean', final: true },
    status: { type: 'string', enum: [...paymentStatuses], maxLength: 20 },
    statusHistory: {
      type: 'array',
      minItems: 1,
      maxItems: 100,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['status', 'at', 'by'],
        properties: {
          status: { type: 'string', enum: [...paymentStatuses] },
          at: isoTimestampSchema(),
          by: { type: 'string', enum: ['gateway', 'server'] },
          reason: text(200),
        },
      },
    },
    declineReason: text(200),
    approvalCode: text(32),
    serverUpdatedAt: isoTimestampSchema(),
    refundedAmount: minorUnitsSchema(0),
  },
  required: [
    'id',
    'siteId',
    'gatewayId',
    'flow',
    'amount',
    'currency',
    'method',
    'lineItems',
    'createdAt',
    'offline',
    'status',
    'statusHistory',
  ],
  // siteId+createdAt: a site's payments by time (console, server per-site views).
  // status+createdAt: unsent (`stored`) payments and declined-after-forwarding lists.
  // gatewayId+createdAt: one gateway's payments (its own ledger, reconciliation).
  indexes: [
    ['siteId', 'createdAt'],
    ['status', 'createdAt'],
    ['gatewayId', 'createdAt'],
  ],
  additionalProperties: false,
};
