/** JSON schemas of the routes (Fastify validates; core's money rules are checked in store.ts). */
import { PAYMENT_REQUEST_MAX_ITEMS, PAYMENT_REQUEST_MAX_TTL_SECONDS, PAYMENT_REQUEST_MIN_TTL_SECONDS } from '../../core/index.ts';

export const errorResponse = {
  type: 'object',
  properties: { code: { type: 'string' }, message: { type: 'string' }, details: { type: 'object', additionalProperties: true } },
} as const;

export const errors = { 400: errorResponse, 401: errorResponse, 403: errorResponse, 404: errorResponse, 409: errorResponse, 422: errorResponse };

const text = (max: number) => ({ type: 'string', minLength: 1, maxLength: max }) as const;

const view = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    state: { type: 'string' },
    amount: { type: 'integer' },
    currency: { type: 'string' },
    payee: { type: 'object', properties: { id: { type: 'string' }, name: { type: 'string' } } },
    items: { type: 'array', items: { type: 'object', properties: { name: { type: 'string' }, quantity: { type: 'integer' }, amount: { type: 'integer' } } } },
    place: { type: ['string', 'null'] },
    note: { type: ['string', 'null'] },
    createdAt: { type: 'string' },
    expiresAt: { type: 'string' },
    answeredAt: { type: ['string', 'null'] },
    approvalMethod: { type: ['string', 'null'] },
  },
} as const;

export const requesterViewResponse = { type: 'object', properties: { request: view } } as const;
export const phoneViewResponse = {
  type: 'object',
  properties: { request: { ...view, properties: { ...view.properties, answeredByYou: { type: 'boolean' } } } },
} as const;

export const createBody = {
  type: 'object',
  required: ['to', 'amount', 'currency', 'payee'],
  additionalProperties: false,
  properties: {
    // One of {userId} or {buildingId, unit}; which one is checked in store.ts
    // (oneOf with Fastify's removeAdditional would strip fields while trying branches).
    to: {
      type: 'object',
      additionalProperties: false,
      properties: { userId: text(100), buildingId: text(100), unit: text(50) },
    },
    amount: { type: 'integer', minimum: 1 },
    currency: { type: 'string', pattern: '^[A-Z]{3}$' },
    payee: { type: 'object', required: ['id', 'name'], additionalProperties: false, properties: { id: text(100), name: text(200) } },
    items: {
      type: 'array',
      maxItems: PAYMENT_REQUEST_MAX_ITEMS,
      items: {
        type: 'object',
        required: ['name', 'quantity', 'amount'],
        additionalProperties: false,
        properties: { name: text(200), quantity: { type: 'integer', minimum: 1, maximum: 1_000_000 }, amount: { type: 'integer', minimum: 0 } },
      },
    },
    place: text(200),
    note: { type: 'string', maxLength: 500 },
    ttlSeconds: { type: 'integer', minimum: PAYMENT_REQUEST_MIN_TTL_SECONDS, maximum: PAYMENT_REQUEST_MAX_TTL_SECONDS },
  },
} as const;

export const byId = { type: 'object', required: ['id'], properties: { id: { type: 'string', maxLength: 64 } } } as const;
export const afterQuery = { type: 'object', properties: { after: { type: 'integer', minimum: 0 } } } as const;
export const idempotencyHeader = {
  type: 'object',
  required: ['idempotency-key'],
  properties: { 'idempotency-key': { type: 'string', minLength: 8, maxLength: 200 } },
} as const;
