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
 * Ownership (who writes which field) is in payment-ownership.ts. A gateway
 * never edits a payment after creating it: refunds and voids are requested by
 * HTTP calls naming the payment (core/server-api), and the server reflects
 * their outcome here in `status` and `refundedAmount`.
 *
 * Payment methods: `method` names one of the server's payment method
 * declarations (server/payments/methods), which decides how the payment is
 * authorised. What a method needs to carry goes in its own section of
 * `details` (e.g. `details: { voucher: { code: 'V-1' } }`), checked by that
 * method; the card terminal keeps its v0 fields `cardDisplay` and `token`,
 * which the UIs, the card-data checks and stored documents already use.
 *
 * Version 1 (from 0) added the optional `details` and `processorReference`
 * and opened `method` from a fixed list to a name pattern: a version-0
 * document is a valid version-1 document (migratePaymentToV1).
 */
import type { RxJsonSchema } from 'rxdb';
import type { CurrencyCode } from '../currencies.ts';
import { currencySchema, isoTimestampSchema, minorUnitsSchema, referenceIdSchema, uuidV7Schema } from './fragments.ts';

export const paymentFlows = ['kiosk', 'elevator', 'cart', 'two-channel', 'relay', 'credit'] as const;
export type PaymentFlow = (typeof paymentFlows)[number];

/** The payment methods the flows use; the server accepts those it has a declaration for. */
export const paymentMethods = ['card-terminal', 'wallet', 'virtual-card', 'pay-later', 'payment-code', 'otp'] as const;
export type PaymentMethod = (typeof paymentMethods)[number];
/** What a method name looks like on the wire (the schema's pattern): lower-case words joined by '-'. */
export const PAYMENT_METHOD_NAME_PATTERN = '^[a-z][a-z0-9]*(-[a-z0-9]+)*$';

/**
 * A method's own section of `details`: flat text values only (RxDB's ajv runs
 * in strict mode, which refuses union types; and flat text keeps every value
 * in sight of the card-data checks). Money stays in `amount`.
 */
export type PaymentDetailsSection = { [field: string]: string };
/** At most one section, named by the method's declaration. */
export type PaymentDetails = { [section: string]: PaymentDetailsSection };

/**
 * `created` (made online) and `stored` (made offline, held for store and
 * forward) are the only statuses a gateway sets, and only at creation. Every
 * later status is the server's decision.
 */
export const paymentStatuses = ['created', 'stored', 'forwarded', 'pending-approval', 'authorised', 'captured', 'voided', 'refunded', 'partially-refunded', 'declined', 'expired'] as const;
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
  /** The method's own section (see the file's comment); written by the gateway at creation. */
  details?: PaymentDetails;
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
  /**
   * The processor's own reference of the authorisation (server-owned, written
   * when authorised): what capture, void and refund name at the processor.
   */
  processorReference?: string;
};

/** Version 0 → 1: only optional fields were added, so a version-0 payment is kept as it is. Pure (replicas must agree). */
export function migratePaymentToV1(doc: PaymentDoc): PaymentDoc {
  return doc;
}

const text = (maxLength: number) => ({ type: 'string', minLength: 1, maxLength }) as const;
/** Names of `details` sections and of their fields: short identifiers, never a number that could be card data. */
const fieldNames = { propertyNames: { pattern: '^[a-z][a-zA-Z0-9]{0,31}$' } };

export const paymentSchema: RxJsonSchema<PaymentDoc> = {
  title: 'EdgePay payment',
  description: 'One payment made at a gateway; the server decides its outcome.',
  version: 1,
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
    method: { type: 'string', pattern: PAYMENT_METHOD_NAME_PATTERN, minLength: 2, maxLength: 32, final: true },
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
    details: {
      type: 'object',
      final: true,
      maxProperties: 1,
      // (propertyNames is JSON Schema that ajv applies; RxDB's type does not list it.)
      ...(fieldNames as object),
      additionalProperties: {
        type: 'object',
        maxProperties: 32,
        ...(fieldNames as object),
        additionalProperties: { type: 'string', maxLength: 256 },
      },
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
    processorReference: text(128),
  },
  required: ['id', 'siteId', 'gatewayId', 'flow', 'amount', 'currency', 'method', 'lineItems', 'createdAt', 'offline', 'status', 'statusHistory'],
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
