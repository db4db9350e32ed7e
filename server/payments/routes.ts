/**
 * Payment routes. Every state-changing route takes an `Idempotency-Key`
 * header (8..200 characters): the same key and body get the first answer; the
 * same key with another body is refused; concurrent duplicates run once.
 *
 *   POST /payments/authorise          {payment}   an online card payment (gateway)
 *   POST /payments/{id}/refund        {amount}    (gateway of the payment's site)
 *   POST /payments/{id}/void                      (gateway of the payment's site)
 *   GET  /admin/audit?paymentId=&siteId=&afterSeq=&limit=   the audit log (admin token)
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { errorResponses, type PaymentDoc } from '../../core/index.ts';
import type { Db } from '../db/db.ts';
import { requireGateway } from '../auth/gateways.ts';
import { adminTokenCheck } from '../auth/admin-token.ts';
import type { PaymentAuthority } from './authority.ts';
import { readAudit } from './audit.ts';
import { requestHash, runIdempotent } from './idempotency.ts';

const idempotencyHeader = {
  type: 'object',
  required: ['idempotency-key'],
  properties: { 'idempotency-key': { type: 'string', minLength: 8, maxLength: 200 } },
} as const;
const paymentResponse = { type: 'object', properties: { payment: { type: 'object', additionalProperties: true } } } as const;
const errors = errorResponses(400, 401, 403, 404, 409);

export function registerPaymentRoutes(app: FastifyInstance, deps: { db: Db; authority: PaymentAuthority; adminToken: string }): void {
  const { db, authority } = deps;

  /** Runs `work` once per (gateway, route, key); replies with the stored answer. */
  async function idempotent(request: FastifyRequest, reply: FastifyReply, route: string, work: (gw: Awaited<ReturnType<typeof requireGateway>>) => Promise<PaymentDoc>) {
    const gateway = await requireGateway(db, request.headers.authorization);
    const key = request.headers['idempotency-key'] as string;
    const hash = requestHash(route + ' ' + JSON.stringify(request.params ?? {}), request.body ?? null);
    const answer = await runIdempotent(db, `${gateway.gatewayId}:${route}`, key, hash, async () => ({
      statusCode: 200,
      body: { payment: await work(gateway) },
    }));
    if (answer.replayed) void reply.header('idempotent-replayed', 'true');
    return reply.status(answer.statusCode).send(answer.body);
  }

  app.post(
    '/payments/authorise',
    {
      schema: {
        summary: 'Authorise and capture an online card payment (the payment as the gateway created it)',
        tags: ['payments'],
        security: [{ gatewayCredential: [] }],
        headers: idempotencyHeader,
        body: { type: 'object', required: ['payment'], additionalProperties: false, properties: { payment: { type: 'object', additionalProperties: true } } },
        response: { 200: paymentResponse, ...errors },
      },
    },
    (request, reply) =>
      idempotent(request, reply, 'authorise', (gw) =>
        authority.authoriseOnline(gw, (request.body as { payment: PaymentDoc }).payment, request.headers['idempotency-key'] as string),
      ),
  );

  const byId = { type: 'object', required: ['paymentId'], properties: { paymentId: { type: 'string', maxLength: 64 } } } as const;
  app.post(
    '/payments/:paymentId/refund',
    {
      schema: {
        summary: 'Refund a captured payment in part or whole',
        tags: ['payments'],
        security: [{ gatewayCredential: [] }],
        headers: idempotencyHeader,
        params: byId,
        body: { type: 'object', required: ['amount'], additionalProperties: false, properties: { amount: { type: 'integer', minimum: 1 } } },
        response: { 200: paymentResponse, ...errors },
      },
    },
    (request, reply) =>
      idempotent(request, reply, 'refund', (gw) =>
        authority.refund(gw, (request.params as { paymentId: string }).paymentId, (request.body as { amount: number }).amount, request.headers['idempotency-key'] as string),
      ),
  );

  app.post(
    '/payments/:paymentId/void',
    {
      schema: {
        summary: 'Void an authorised, not yet captured payment',
        tags: ['payments'],
        security: [{ gatewayCredential: [] }],
        headers: idempotencyHeader,
        params: byId,
        response: { 200: paymentResponse, ...errors },
      },
    },
    (request, reply) =>
      idempotent(request, reply, 'void', (gw) =>
        authority.void(gw, (request.params as { paymentId: string }).paymentId, request.headers['idempotency-key'] as string),
      ),
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
