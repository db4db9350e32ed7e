/**
 * The `payment-requests` collection: a site's requests to pay as its gateways
 * see them, so that a gateway that was offline when a request was answered
 * learns the outcome when it is back, through the sync it already has.
 *
 * The server writes each document in the same transaction as the request's
 * state change (server/payment-requests/replicated.ts); gateways only read
 * them (pull, never push: a gateway's write is refused as for products).
 * Only requests made by a gateway of the site, or by the server for the site,
 * replicate to it; a merchant's requests have no site and never do.
 *
 * Nothing personal about the payer travels: no user id, name or phone, no
 * note (free text the requester wrote). What the gateway needs to act on an
 * outcome is here: the state, what was asked (amount, payee, items, place),
 * when, who asked and which method approved.
 */
import type { RxJsonSchema } from 'rxdb';
import { checkReadOnlyWrite, type OwnershipMap, type WriteCheck } from '../collections/ownership.ts';
import { defineCollection, edgePayCollections } from '../collections/index.ts';
import { currencySchema, isoTimestampSchema, minorUnitsSchema, referenceIdSchema } from '../schemas/fragments.ts';
import { PAYMENT_REQUEST_MAX_ITEMS, type PaymentRequestItem, type PaymentRequestPayee } from './types.ts';
import { PAYMENT_REQUEST_STATES, type PaymentRequestState } from './state-machine.ts';

export const PAYMENT_REQUESTS_COLLECTION = 'payment-requests' as const;

export type PaymentRequestDoc = {
  /** The server's id of the request (as in /v1/payment-requests/:id). */
  id: string;
  siteId: string;
  /** `gateway`: `requesterId` is the gateway that asked; `site`: the server asked for the site. */
  requesterKind: 'gateway' | 'site';
  requesterId: string;
  state: PaymentRequestState;
  /** Minor units of `currency`. */
  amount: number;
  currency: string;
  payee: PaymentRequestPayee;
  items: PaymentRequestItem[];
  place?: string;
  /** ISO UTC, server clock. */
  createdAt: string;
  expiresAt: string;
  /** When a person answered (approved or declined); absent otherwise. */
  answeredAt?: string;
  /** For an approval: how the person proved it. */
  approvalMethod?: 'passkey' | 'password';
  /** The server's time of this state. */
  updatedAt: string;
};

const text = (max: number) => ({ type: 'string', minLength: 1, maxLength: max }) as const;

export const paymentRequestSchema: RxJsonSchema<PaymentRequestDoc> = {
  title: 'EdgePay request to pay',
  description: "A site's request to pay and its state, written by the server; no personal data of the payer.",
  version: 0,
  primaryKey: 'id',
  type: 'object',
  properties: {
    id: { type: 'string', minLength: 1, maxLength: 64 },
    siteId: referenceIdSchema(),
    requesterKind: { type: 'string', enum: ['gateway', 'site'] },
    requesterId: text(100),
    state: { type: 'string', enum: [...PAYMENT_REQUEST_STATES] },
    amount: minorUnitsSchema(1),
    currency: currencySchema(),
    payee: {
      type: 'object',
      additionalProperties: false,
      required: ['id', 'name'],
      properties: { id: text(100), name: text(200) },
    },
    items: {
      type: 'array',
      maxItems: PAYMENT_REQUEST_MAX_ITEMS,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['name', 'quantity', 'amount'],
        properties: { name: text(200), quantity: { type: 'integer', minimum: 1, maximum: 1_000_000 }, amount: minorUnitsSchema(0) },
      },
    },
    place: text(200),
    createdAt: isoTimestampSchema(),
    expiresAt: isoTimestampSchema(),
    answeredAt: isoTimestampSchema(),
    approvalMethod: { type: 'string', enum: ['passkey', 'password'] },
    updatedAt: isoTimestampSchema(),
  },
  required: ['id', 'siteId', 'requesterKind', 'requesterId', 'state', 'amount', 'currency', 'payee', 'items', 'createdAt', 'expiresAt', 'updatedAt'],
  additionalProperties: false,
};

export const paymentRequestFieldOwnership: OwnershipMap<PaymentRequestDoc> = Object.freeze({
  id: 'server',
  siteId: 'server',
  requesterKind: 'server',
  requesterId: 'server',
  state: 'server',
  amount: 'server',
  currency: 'server',
  payee: 'server',
  items: 'server',
  place: 'server',
  createdAt: 'server',
  expiresAt: 'server',
  answeredAt: 'server',
  approvalMethod: 'server',
  updatedAt: 'server',
});

/** Gateways never write requests to pay through replication (they would approve their own): any change is refused. */
export function checkGatewayPaymentRequestWrite(previous: PaymentRequestDoc | undefined, next: PaymentRequestDoc): WriteCheck {
  return checkReadOnlyWrite(paymentRequestFieldOwnership, previous, next);
}

declare module '../collections/registry.ts' {
  interface CollectionDocs {
    'payment-requests': PaymentRequestDoc;
  }
}

/** Requests to pay travel down only: the server writes them, each gateway of the site reads them. */
export const paymentRequestsCollection = edgePayCollections.register(
  defineCollection({
    name: PAYMENT_REQUESTS_COLLECTION,
    schema: paymentRequestSchema,
    siteField: 'siteId',
    checkGatewayWrite: checkGatewayPaymentRequestWrite,
    sync: { push: false, pull: true },
  }),
);
