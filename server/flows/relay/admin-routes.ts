/**
 * The operator's relay routes (admin token): the app registry, relay terminals
 * and their pairing, POS agents, and the latest relays (what the console shows).
 *
 *   PUT  /admin/relay/apps/:appId          GET /admin/relay/apps
 *   PUT  /admin/relay/terminals/:terminalId GET /admin/relay/terminals
 *   POST /admin/relay/pos-agents {siteId}   -> {agentId, credential} (shown once)
 *   GET  /admin/relay/relays?limit=
 */
import type { FastifyInstance } from 'fastify';
import type { relay } from '../../../core/index.ts';
import { adminTokenCheck } from '../../auth/index.ts';
import type { Db } from '../../db/index.ts';
import { createPosAgent, listApps, listTerminals, putApp, putTerminal } from './registry.ts';
import type { RelayService } from './relay-service.ts';
import { appBody, appId, terminalBody, terminalId } from './schemas.ts';

const tags = ['admin'];
const security: Record<string, string[]>[] = [{ adminToken: [] }];

export function registerRelayAdminRoutes(app: FastifyInstance, deps: { db: Db; adminToken: string; service: RelayService }): void {
  const admin = adminTokenCheck(deps.adminToken);
  const { db } = deps;
  app.put('/admin/relay/apps/:appId', { preHandler: admin, schema: { tags, security, params: { type: 'object', properties: { appId }, required: ['appId'] }, body: appBody } }, async (request) => {
    const body = request.body as Omit<relay.RelayApp, 'appId'>;
    return { app: await putApp(db, { appId: (request.params as { appId: string }).appId, ...body }) };
  });
  app.get('/admin/relay/apps', { preHandler: admin, schema: { tags, security } }, async () => ({ apps: await listApps(db) }));
  app.put(
    '/admin/relay/terminals/:terminalId',
    { preHandler: admin, schema: { tags, security, params: { type: 'object', properties: { terminalId }, required: ['terminalId'] }, body: terminalBody } },
    async (request) => {
      const body = request.body as { siteId: string; gatewayId: string; label: string; posAgentId?: string | null };
      return { terminal: await putTerminal(db, { terminalId: (request.params as { terminalId: string }).terminalId, ...body }) };
    },
  );
  app.get('/admin/relay/terminals', { preHandler: admin, schema: { tags, security } }, async () => ({ terminals: await listTerminals(db) }));
  app.post(
    '/admin/relay/pos-agents',
    {
      preHandler: admin,
      schema: { tags, security, body: { type: 'object', additionalProperties: false, required: ['siteId'], properties: { siteId: { type: 'string', minLength: 1, maxLength: 128 } } } },
    },
    async (request, reply) => reply.status(201).send(await createPosAgent(db, (request.body as { siteId: string }).siteId)),
  );
  app.get(
    '/admin/relay/relays',
    { preHandler: admin, schema: { tags, security, querystring: { type: 'object', additionalProperties: false, properties: { limit: { type: 'integer', minimum: 1, maximum: 1000 } } } } },
    async (request) => {
      const limit = (request.query as { limit?: number }).limit ?? 50;
      const { rows } = await db.query<any>('SELECT * FROM relay_transactions ORDER BY created_at DESC LIMIT $1', [limit]);
      return { relays: rows.map((r) => deps.service.view(r)) };
    },
  );
}
