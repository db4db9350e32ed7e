/**
 * The replication routes (DESIGN.md section 3, RxDB Server's route shape):
 *   GET  /sync/:collection/:version/pull?id=&lwt=&limit=
 *   POST /sync/:collection/:version/push
 *   GET  /sync/:collection/:version/pullStream   (Server-Sent Events)
 * Every request carries `Authorization: Bearer <gateway credential>`.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { DEFAULT_PULL_LIMIT, EdgePayError, errorResponses, MAX_PULL_LIMIT, MAX_PUSH_ROWS, PUSH_COMMIT_HEADER, SYNC_ROUTES, type GatewayIdentity, type PushRow } from '../../core/index.ts';
import type { Db } from '../db/index.ts';
import { authenticateGateway } from '../auth/index.ts';
import type { ServerMetrics } from '../http/index.ts';
import type { ChangeHub } from './change-hub.ts';
import type { ServerCollection } from './collections.ts';
import { pull, push, PushRefused } from './documents.ts';
import { openPullStream } from './pull-stream.ts';

// The protocol's paths, limits and header names are core's (core/sync-protocol), shared with the gateway's client.

const documentSchema = { type: 'object', additionalProperties: true, properties: { _deleted: { type: 'boolean' } } } as const;
const checkpointSchema = {
  type: ['object', 'null'],
  properties: { id: { type: 'string' }, lwt: { type: 'number' } },
} as const;
const params = {
  type: 'object',
  required: ['collection', 'version'],
  properties: { collection: { type: 'string', maxLength: 64 }, version: { type: 'integer', minimum: 0 } },
} as const;
const security = [{ gatewayCredential: [] }];
const errors = errorResponses(400, 401, 403, 404, 426);

export function registerReplicationRoutes(app: FastifyInstance, deps: { db: Db; hub: ChangeHub; collections: Map<string, ServerCollection>; metrics: ServerMetrics }): void {
  const { db, hub, collections, metrics } = deps;

  async function resolve(request: FastifyRequest): Promise<{ gateway: GatewayIdentity; collection: ServerCollection }> {
    const { collection: name, version } = request.params as { collection: string; version: number };
    const header = request.headers.authorization;
    const gateway = await authenticateGateway(db, header?.startsWith('Bearer ') ? header.slice(7) : undefined);
    if (!gateway) throw new EdgePayError('AUTH_REQUIRED');
    const collection = collections.get(name);
    if (!collection) throw new EdgePayError('UNKNOWN_COLLECTION', { collection: name });
    if (version < collection.schemaVersion) throw new EdgePayError('SCHEMA_VERSION_OUTDATED', { collection: name, version });
    if (version > collection.schemaVersion) throw new EdgePayError('SCHEMA_VERSION_UNKNOWN', { collection: name, version });
    return { gateway, collection };
  }

  app.get(
    SYNC_ROUTES.pull,
    {
      schema: {
        summary: "Documents of the gateway's site changed after a checkpoint",
        tags: ['sync'],
        security,
        params,
        querystring: {
          type: 'object',
          properties: {
            id: { type: 'string', maxLength: 200 },
            lwt: { type: 'number', minimum: 0 },
            limit: { type: 'integer', minimum: 1, maximum: MAX_PULL_LIMIT, default: DEFAULT_PULL_LIMIT },
          },
        },
        response: {
          200: { type: 'object', properties: { documents: { type: 'array', items: documentSchema }, checkpoint: checkpointSchema } },
          ...errors,
        },
      },
    },
    async (request) => {
      const { gateway, collection } = await resolve(request);
      const q = request.query as { id?: string; lwt?: number; limit: number };
      const checkpoint = q.lwt === undefined ? null : { id: q.id ?? '', lwt: q.lwt };
      const result = await pull(db, collection, gateway.siteId, checkpoint, q.limit);
      metrics.pulledDocuments.inc({ collection: collection.name }, result.documents.length);
      return result;
    },
  );

  app.post(
    SYNC_ROUTES.push,
    {
      // Each pushed document is checked on its own (documents.ts), so one bad row never blocks the rest (server/http/input-guard.ts).
      config: { checksDocumentsPerRow: true },
      schema: {
        summary: "Write documents; answers the conflicting rows with the server's state",
        tags: ['sync'],
        security,
        params,
        body: {
          type: 'array',
          maxItems: MAX_PUSH_ROWS,
          items: {
            type: 'object',
            required: ['newDocumentState'],
            additionalProperties: false,
            properties: { assumedMasterState: { anyOf: [documentSchema, { type: 'null' }] }, newDocumentState: documentSchema },
          },
        },
        response: { 200: { type: 'array', items: documentSchema }, ...errors },
      },
    },
    async (request, reply) => {
      const { gateway, collection } = await resolve(request);
      const rows = request.body as PushRow[];
      try {
        const { conflicts, firstLwt } = await push(db, collection, gateway, rows);
        // The lwt of the push's first write: the gateway tells by it a live event or pull page read before the push's commit.
        if (firstLwt !== undefined) void reply.header(PUSH_COMMIT_HEADER, String(firstLwt));
        metrics.pushedDocuments.inc({ collection: collection.name, outcome: 'written' }, rows.length - conflicts.length);
        metrics.pushedDocuments.inc({ collection: collection.name, outcome: 'conflict' }, conflicts.length);
        return conflicts;
      } catch (err) {
        if (err instanceof PushRefused) {
          metrics.refusedPushes.inc({ collection: collection.name, code: err.code });
          request.log.warn({ gatewayId: gateway.gatewayId, code: err.code, details: err.details }, 'push refused');
        }
        throw err;
      }
    },
  );

  app.get(
    SYNC_ROUTES.pullStream,
    {
      schema: {
        summary: 'Live changes as Server-Sent Events: each event a pull response or "RESYNC"',
        tags: ['sync'],
        security,
        params,
        response: { 200: { description: 'text/event-stream', type: 'string' }, ...errors },
      },
    },
    async (request, reply) => {
      const { gateway, collection } = await resolve(request);
      metrics.liveStreams.inc();
      await openPullStream(db, hub, collection, gateway, reply, () => metrics.liveStreams.dec());
    },
  );
}
