/**
 * Operator routes, behind the admin token (EDGEPAY_ADMIN_TOKEN): enrol and
 * revoke gateways, write the server-owned collections (site settings,
 * catalogue), set a site's approval policy. Credentials are returned once, at enrolment, and never logged.
 */
import type { FastifyInstance } from 'fastify';
import { EdgePayError, errorResponseSchema as errorResponse, type ReplicatedDocument } from '../../core/index.ts';
import type { Db } from '../db/index.ts';
import { enrolGateway, revokeGateway } from '../auth/index.ts';
import { adminTokenCheck } from '../auth/index.ts';
import type { ServerCollection } from '../replication/index.ts';
import { writeAsServer } from '../replication/index.ts';
import { enrolMerchant } from '../payment-requests/index.ts';
import { setSiteApprovalPolicy, siteApprovalPolicy } from '../wallet/index.ts';
import { registerSiteEditRoutes } from './site-edits.ts';

export function registerAdminRoutes(app: FastifyInstance, deps: { db: Db; adminToken: string; collections: Map<string, ServerCollection> }): void {
  const { db, adminToken, collections } = deps;
  const requireAdmin = adminTokenCheck(adminToken);
  const security = [{ adminToken: [] }];
  // A store's console edits its catalogue and limits through its gateway (the server writes them).
  registerSiteEditRoutes(app, { db, collections });

  app.post(
    '/admin/gateways',
    {
      preHandler: requireAdmin,
      schema: {
        summary: 'Enrol a gateway for a site; returns its credential once',
        tags: ['admin'],
        security,
        body: {
          type: 'object',
          required: ['siteId', 'name'],
          additionalProperties: false,
          properties: { siteId: { type: 'string', minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9._-]+$' }, name: { type: 'string', minLength: 1, maxLength: 100 } },
        },
        response: {
          201: { type: 'object', properties: { gatewayId: { type: 'string' }, siteId: { type: 'string' }, name: { type: 'string' }, credential: { type: 'string' } } },
          400: errorResponse,
          401: errorResponse,
        },
      },
    },
    async (request, reply) => {
      const { siteId, name } = request.body as { siteId: string; name: string };
      const gw = await enrolGateway(db, siteId, name);
      request.log.info({ gatewayId: gw.gatewayId, siteId }, 'gateway enrolled');
      return reply.status(201).send(gw);
    },
  );

  app.post(
    '/admin/gateways/:gatewayId/revoke',
    {
      preHandler: requireAdmin,
      schema: {
        summary: 'Revoke a gateway credential; its requests and live streams stop at once',
        tags: ['admin'],
        security,
        params: { type: 'object', properties: { gatewayId: { type: 'string', maxLength: 80 } }, required: ['gatewayId'] },
        response: { 200: { type: 'object', properties: { revoked: { type: 'boolean' } } }, 401: errorResponse, 404: errorResponse },
      },
    },
    async (request) => {
      const { gatewayId } = request.params as { gatewayId: string };
      if (!(await revokeGateway(db, gatewayId))) throw new EdgePayError('NOT_FOUND');
      request.log.info({ gatewayId }, 'gateway revoked');
      return { revoked: true };
    },
  );

  app.post(
    '/admin/merchants',
    {
      preHandler: requireAdmin,
      schema: {
        summary: 'Register a merchant that asks for payment through the API; returns its credential once',
        tags: ['admin'],
        security,
        body: { type: 'object', required: ['name'], additionalProperties: false, properties: { name: { type: 'string', minLength: 1, maxLength: 200 } } },
        response: {
          201: { type: 'object', properties: { merchantId: { type: 'string' }, name: { type: 'string' }, credential: { type: 'string' } } },
          400: errorResponse,
          401: errorResponse,
        },
      },
    },
    async (request, reply) => {
      const merchant = await enrolMerchant(db, (request.body as { name: string }).name);
      request.log.info({ merchantId: merchant.merchantId }, 'merchant registered');
      return reply.status(201).send(merchant);
    },
  );

  // A site's approval policy: whether approvals of requests to pay made by the
  // site or its gateways must use a passkey (the payment password is refused).
  const siteParams = {
    type: 'object',
    required: ['siteId'],
    properties: { siteId: { type: 'string', minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9._-]+$' } },
  };
  const policyResponse = {
    type: 'object',
    properties: { siteId: { type: 'string' }, requirePasskey: { type: 'boolean' }, updatedAt: { type: ['string', 'null'], format: 'date-time' } },
  };
  app.put(
    '/admin/sites/:siteId/approval-policy',
    {
      preHandler: requireAdmin,
      schema: {
        summary: "Set a site's approval policy: requirePasskey refuses password approvals of its requests to pay",
        tags: ['admin'],
        security,
        params: siteParams,
        body: { type: 'object', required: ['requirePasskey'], additionalProperties: false, properties: { requirePasskey: { type: 'boolean' } } },
        response: { 200: policyResponse, 400: errorResponse, 401: errorResponse },
      },
    },
    async (request) => {
      const { siteId } = request.params as { siteId: string };
      const policy = await setSiteApprovalPolicy(db, siteId, (request.body as { requirePasskey: boolean }).requirePasskey);
      request.log.info({ siteId, requirePasskey: policy.requirePasskey }, 'site approval policy set');
      return policy;
    },
  );

  app.get(
    '/admin/sites/:siteId/approval-policy',
    {
      preHandler: requireAdmin,
      schema: {
        summary: "A site's approval policy (a site never set requires no passkey; updatedAt null)",
        tags: ['admin'],
        security,
        params: siteParams,
        response: { 200: policyResponse, 400: errorResponse, 401: errorResponse },
      },
    },
    async (request) => siteApprovalPolicy(db, (request.params as { siteId: string }).siteId),
  );

  app.put(
    '/admin/sites/:siteId/:collection',
    {
      preHandler: requireAdmin,
      schema: {
        summary: 'Write server-owned documents (site settings, catalogue) of one site',
        tags: ['admin'],
        security,
        params: {
          type: 'object',
          required: ['siteId', 'collection'],
          properties: { siteId: { type: 'string', maxLength: 64 }, collection: { type: 'string', enum: ['sites', 'products'] } },
        },
        body: { type: 'array', maxItems: 5000, items: { type: 'object', additionalProperties: true } },
        response: { 200: { type: 'object', properties: { written: { type: 'integer' } } }, 400: errorResponse, 401: errorResponse, 403: errorResponse },
      },
    },
    async (request) => {
      const { siteId, collection: name } = request.params as { siteId: string; collection: string };
      const collection = collections.get(name);
      if (!collection) throw new EdgePayError('UNKNOWN_COLLECTION', { collection: name });
      const docs = (request.body as Record<string, unknown>[]).map((d) => ({ _deleted: false, ...d }) as ReplicatedDocument);
      await writeAsServer(db, collection, siteId, docs);
      return { written: docs.length };
    },
  );
}
