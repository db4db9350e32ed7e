/**
 * Payment routes; the contract (paths, bodies, headers) is core's
 * (core/server-api). Every state-changing route takes an `Idempotency-Key`
 * header (8..200 characters): the same key and body get the first answer; the
 * same key with another body is refused; concurrent duplicates run once.
 *
 *   POST /payments/{id}/authorise                 decide now a payment that arrived by replication (its gateway)
 *   POST /payments/authorise          {payment}   record and decide in one call (callers without a ledger)
 *   POST /payments/{id}/refund        {amount, reason?, operator?}   (gateway of the payment's site; reason and operator into the audit log)
 *   POST /payments/{id}/void          {reason?, operator?}           (gateway of the payment's site)
 *   GET  /receipts/{id}                           the e-receipt page (receipt-page.ts)
 *   GET  /admin/audit?paymentId=&siteId=&afterSeq=&limit=   the audit log (admin token)
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  EdgePayError,
  errorResponses,
  IDEMPOTENCY_KEY_HEADER,
  IDEMPOTENCY_KEY_MAX_LENGTH,
  IDEMPOTENCY_KEY_MIN_LENGTH,
  IDEMPOTENT_REPLAYED_HEADER,
  PAYMENT_ROUTES,
  type AuthoriseRequestBody,
  type PaymentDoc,
  type PaymentIdParams,
  type MoneyBackNote,
  type RefundRequestBody,
  MONEY_BACK_OPERATOR_MAX,
  MONEY_BACK_REASON_MAX,
} from '../../core/index.ts';
import type { Db } from '../db/index.ts';
import { requireGateway } from '../auth/index.ts';
import { adminTokenCheck } from '../auth/index.ts';
import type { PaymentAuthority } from './authority.ts';
import { readAudit } from './audit.ts';
import { requestHash, runIdempotent } from './idempotency.ts';
import { registerReceiptPage } from './receipt-page.ts';

const idempotencyHeader = {
  type: 'object',
  required: [IDEMPOTENCY_KEY_HEADER],
  properties: { [IDEMPOTENCY_KEY_HEADER]: { type: 'string', minLength: IDEMPOTENCY_KEY_MIN_LENGTH, maxLength: IDEMPOTENCY_KEY_MAX_LENGTH } },
} as const;
const paymentResponse = { type: 'object', properties: { payment: { type: 'object', additionalProperties: true } } } as const;
const errors = errorResponses(400, 401, 403, 404, 409);

export function registerPaymentRoutes(app: FastifyInstance, deps: { db: Db; authority: PaymentAuthority; adminToken: string }): void {
  const { db, authority } = deps;
  registerReceiptPage(app, { db });

  /** Runs `work` once per (gateway, route, key); replies with the stored answer. */
  async function idempotent(request: FastifyRequest, reply: FastifyReply, route: string, work: (gw: Awaited<ReturnType<typeof requireGateway>>) => Promise<PaymentDoc>) {
    const gateway = await requireGateway(db, request.headers.authorization);
    const key = request.headers[IDEMPOTENCY_KEY_HEADER] as string;
    const hash = requestHash(route + ' ' + JSON.stringify(request.params ?? {}), request.body ?? null);
    const answer = await runIdempotent(db, `${gateway.gatewayId}:${route}`, key, hash, async () => ({
      statusCode: 200,
      body: { payment: await work(gateway) },
    }));
    if (answer.replayed) void reply.header(IDEMPOTENT_REPLAYED_HEADER, 'true');
    return reply.status(answer.statusCode).send(answer.body);
  }

  // Who asked and why: into the audit log (free text, so the card-data guard reads it like every body).
  const noteProperties = {
    reason: { type: 'string', minLength: 1, maxLength: MONEY_BACK_REASON_MAX },
    operator: { type: 'string', minLength: 1, maxLength: MONEY_BACK_OPERATOR_MAX },
  } as const;
  const noteOf = (body: unknown): MoneyBackNote | undefined => {
    if (body === undefined || body === null) return undefined;
    if (typeof body !== 'object' || Array.isArray(body)) throw new EdgePayError('REQUEST_INVALID', { reason: 'the body must be a JSON object' });
    const b = body as Record<string, unknown>;
    for (const [k, v] of Object.entries(b)) {
      if (k === 'amount') continue;
      const max = k === 'reason' ? MONEY_BACK_REASON_MAX : k === 'operator' ? MONEY_BACK_OPERATOR_MAX : 0;
      if (!max) throw new EdgePayError('REQUEST_INVALID', { reason: 'unknown field' });
      if (typeof v !== 'string' || v.length < 1 || v.length > max) throw new EdgePayError('REQUEST_INVALID', { reason: `${k} must be 1 to ${max} characters` });
    }
    const { reason, operator } = b as MoneyBackNote;
    return reason || operator ? { ...(reason ? { reason } : {}), ...(operator ? { operator } : {}) } : undefined;
  };
  const byId = { type: 'object', required: ['paymentId'], properties: { paymentId: { type: 'string', maxLength: 64 } } } as const;
  const keyOf = (request: FastifyRequest) => request.headers[IDEMPOTENCY_KEY_HEADER] as string;
  const idOf = (request: FastifyRequest) => (request.params as PaymentIdParams).paymentId;

  app.post(
    PAYMENT_ROUTES.authoriseHeld,
    {
      schema: {
        summary: 'Decide now a payment this gateway replicated (status created): authorise, and capture if its method does',
        tags: ['payments'],
        security: [{ gatewayCredential: [] }],
        headers: idempotencyHeader,
        params: byId,
        response: { 200: paymentResponse, ...errors, ...errorResponses(503) },
      },
    },
    (request, reply) => idempotent(request, reply, 'authorise-held', (gw) => authority.authoriseHeld(gw, idOf(request), keyOf(request))),
  );

  app.post(
    PAYMENT_ROUTES.authorise,
    {
      schema: {
        summary: 'Record and decide a payment in one call, for callers without a replicated ledger (gateways replicate theirs and call /payments/{id}/authorise)',
        tags: ['payments'],
        security: [{ gatewayCredential: [] }],
        headers: idempotencyHeader,
        body: { type: 'object', required: ['payment'], additionalProperties: false, properties: { payment: { type: 'object', additionalProperties: true } } },
        response: { 200: paymentResponse, ...errors },
      },
    },
    (request, reply) => idempotent(request, reply, 'authorise', (gw) => authority.authoriseOnline(gw, (request.body as AuthoriseRequestBody).payment, keyOf(request))),
  );

  app.post(
    PAYMENT_ROUTES.refund,
    {
      schema: {
        summary: 'Refund a captured payment in part or whole',
        tags: ['payments'],
        security: [{ gatewayCredential: [] }],
        headers: idempotencyHeader,
        params: byId,
        body: { type: 'object', required: ['amount'], additionalProperties: false, properties: { amount: { type: 'integer', minimum: 1 }, ...noteProperties } },
        response: { 200: paymentResponse, ...errors },
      },
    },
    (request, reply) => idempotent(request, reply, 'refund', (gw) => authority.refund(gw, idOf(request), (request.body as RefundRequestBody).amount, keyOf(request), noteOf(request.body))),
  );

  app.post(
    PAYMENT_ROUTES.void,
    {
      schema: {
        summary: 'Void an authorised, not yet captured payment',
        tags: ['payments'],
        security: [{ gatewayCredential: [] }],
        headers: idempotencyHeader,
        params: byId,
        // No body schema: a void without a body (older gateways) must still pass; noteOf checks what comes.
        response: { 200: paymentResponse, ...errors },
      },
    },
    (request, reply) => idempotent(request, reply, 'void', (gw) => authority.void(gw, idOf(request), keyOf(request), noteOf(request.body))),
  );

  app.get(
    '/admin/audit',
    {
      preHandler: adminTokenCheck(deps.adminToken),
      schema: {
        summary: 'The append-only audit log of money events',
        tags: ['admin'],
        security: [{ adminToken: [] }],
        querystring: {
          type: 'object',
          properties: {
            paymentId: { type: 'string', maxLength: 64 },
            siteId: { type: 'string', maxLength: 64 },
            afterSeq: { type: 'integer', minimum: 0 },
            limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
          },
        },
        response: { 200: { type: 'object', properties: { entries: { type: 'array', items: { type: 'object', additionalProperties: true } } } }, ...errorResponses(401) },
      },
    },
    async (request) => {
      const q = request.query as { paymentId?: string; siteId?: string; afterSeq?: number; limit: number };
      return { entries: await readAudit(db, q) };
    },
  );
}
