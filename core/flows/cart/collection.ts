/**
 * The `cart-sessions` collection: one smart cart's trip, from the shopper
 * taking the cart to leaving through the gate. The store gateway writes it
 * (its ledger keeps the basket across a gateway restart) and pushes it; the
 * server reads it to show the basket on the paired phone and to ask for the
 * payment (a checkout call names the session, never carries the basket: the
 * one path of money requests). Nothing comes down: the server's answers
 * (pairing, payment, exit pass) reach the gateway as answers to its calls.
 *
 * Not in core's shared registry: RxDB's open-source build allows 16
 * collections per process, so only gateways that run carts open it
 * (`cartCollections()`); the server replicates it always.
 *
 * No personal data: the pairing travels as a SHA-256 of the cart screen's
 * code, never who paired.
 */
import type { RxJsonSchema } from 'rxdb';
import { defineCollection, edgePayCollections, type CollectionRegistry } from '../../collections/index.ts';
import { refuse, WRITE_OK, type WriteCheck, type GatewayIdentity } from '../../collections/ownership.ts';
import { currencySchema, isoTimestampSchema, minorUnitsSchema, referenceIdSchema, uuidV7Schema } from '../../schemas/fragments.ts';

export const CART_SESSIONS_COLLECTION = 'cart-sessions' as const;

export const CART_SESSION_STATES = ['shopping', 'checkout', 'paid', 'released', 'held', 'kiosk'] as const;
export type CartSessionState = (typeof CART_SESSION_STATES)[number];

/** What the cart's screen and the phone tell the shopper to do now. */
export const CART_PROMPTS = ['none', 'scan', 'staff', 'pay-at-kiosk', 'approve-on-phone', 'declined', 'expired', 'go-to-gate'] as const;
export type CartPrompt = (typeof CART_PROMPTS)[number];

export type CartLine = { productId: string; name: string; quantity: number; unitAmount: number; amount: number };
export type CartStaffCallView = { id: string; reason: string; productId?: string; at: string };
/** A staff member's decision at the cart: who, why, what changed (the log of overrides). */
export type CartOverride = { callId: string; by: string; why: string; action: 'add' | 'remove' | 'dismiss' | 'release'; productId?: string; at: string };

export type CartSessionDoc = {
  id: string;
  siteId: string;
  gatewayId: string;
  cartId: string;
  state: CartSessionState;
  prompt: CartPrompt;
  /** SHA-256 (hex) of the pairing code the cart's screen shows as a QR code. */
  pairingHash: string;
  items: CartLine[];
  /** Minor units of `currency`. */
  total: number;
  currency: string;
  staffCalls: CartStaffCallView[];
  overrides: CartOverride[];
  /** When a phone paired (the server said so). */
  pairedAt?: string;
  /** The fusion's state that must survive a restart (core/flows/cart/fusion.ts FusionSnapshot), as JSON. */
  fusion: string;
  /** Set when checkout starts; the server's idempotency key for the request to pay. */
  checkoutId?: string;
  paymentId?: string;
  paidAt?: string;
  /** The total that was paid (items added later hold the cart at the gate). */
  paidTotal?: number;
  exitPassId?: string;
  exitPassExpiresAt?: string;
  heldReason?: string;
  /** Bumped on every change (the phone's and the screen's live views). */
  version: number;
  createdAt: string;
  updatedAt: string;
};

const text = (max: number) => ({ type: 'string', minLength: 1, maxLength: max }) as const;

export const cartSessionSchema: RxJsonSchema<CartSessionDoc> = {
  title: 'EdgePay cart session',
  description: "A smart cart's trip: basket, prompts, staff calls and checkout, written by the store gateway.",
  version: 0,
  primaryKey: 'id',
  type: 'object',
  additionalProperties: false,
  properties: {
    id: uuidV7Schema(),
    siteId: referenceIdSchema(),
    gatewayId: referenceIdSchema(),
    cartId: referenceIdSchema(),
    state: { type: 'string', enum: [...CART_SESSION_STATES] },
    prompt: { type: 'string', enum: [...CART_PROMPTS] },
    pairingHash: { type: 'string', minLength: 64, maxLength: 64, pattern: '^[0-9a-f]{64}$' },
    items: {
      type: 'array',
      maxItems: 100,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['productId', 'name', 'quantity', 'unitAmount', 'amount'],
        properties: {
          productId: referenceIdSchema(),
          name: text(200),
          quantity: { type: 'integer', minimum: 1, maximum: 99 },
          unitAmount: minorUnitsSchema(0),
          amount: minorUnitsSchema(0),
        },
      },
    },
    total: minorUnitsSchema(0),
    currency: currencySchema(),
    staffCalls: {
      type: 'array',
      maxItems: 50,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['id', 'reason', 'at'],
        properties: { id: text(32), reason: text(32), productId: referenceIdSchema(), at: isoTimestampSchema() },
      },
    },
    overrides: {
      type: 'array',
      maxItems: 100,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['callId', 'by', 'why', 'action', 'at'],
        properties: {
          callId: text(32),
          by: text(64),
          why: text(200),
          action: { type: 'string', enum: ['add', 'remove', 'dismiss', 'release'] },
          productId: referenceIdSchema(),
          at: isoTimestampSchema(),
        },
      },
    },
    pairedAt: isoTimestampSchema(),
    fusion: { type: 'string', maxLength: 20_000 },
    checkoutId: uuidV7Schema(),
    paymentId: uuidV7Schema(),
    paidAt: isoTimestampSchema(),
    paidTotal: minorUnitsSchema(0),
    exitPassId: uuidV7Schema(),
    exitPassExpiresAt: isoTimestampSchema(),
    heldReason: text(64),
    version: { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER },
    createdAt: isoTimestampSchema(),
    updatedAt: isoTimestampSchema(),
  },
  required: ['id', 'siteId', 'gatewayId', 'cartId', 'state', 'prompt', 'pairingHash', 'items', 'total', 'currency', 'staffCalls', 'overrides', 'fusion', 'version', 'createdAt', 'updatedAt'],
};

/** A gateway writes its own site's sessions, as itself; it may change them (the basket grows), never delete one or move it. */
export function checkGatewayCartSessionWrite(previous: CartSessionDoc | undefined, next: CartSessionDoc, writer: GatewayIdentity): WriteCheck {
  if (next.siteId !== writer.siteId) return refuse('AUTH_FORBIDDEN', 'siteId');
  if (next.gatewayId !== writer.gatewayId) return refuse('AUTH_FORBIDDEN', 'gatewayId');
  if ((next as { _deleted?: boolean })._deleted === true) return refuse('COLLECTION_READ_ONLY', '_deleted');
  if (previous) {
    for (const field of ['siteId', 'gatewayId', 'cartId', 'createdAt', 'pairingHash'] as const) {
      if (previous[field] !== next[field]) return refuse('COLLECTION_READ_ONLY', field);
    }
  }
  return WRITE_OK;
}

declare module '../../collections/registry.ts' {
  interface CollectionDocs {
    'cart-sessions': CartSessionDoc;
  }
}

/** Up only: the gateway writes, the server holds it (for the phone and the checkout). */
export const cartSessionsCollection = defineCollection({
  name: CART_SESSIONS_COLLECTION,
  schema: cartSessionSchema,
  siteField: 'siteId',
  checkGatewayWrite: checkGatewayCartSessionWrite,
  sync: { push: true, pull: false },
});

/** The ledger and sync collections of a gateway that runs carts: core's registry plus `cart-sessions`. */
export function cartCollections(base: CollectionRegistry = edgePayCollections): CollectionRegistry {
  return base.with(cartSessionsCollection);
}
