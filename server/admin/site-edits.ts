/**
 * A gateway edits its own site's catalogue and offline limits for its
 * console's operator (core/server-api/site.ts). The server is the owner: it
 * builds the document (id, siteId, updatedAt its own), the collection's schema
 * judges it, and replication brings it down to every gateway of the site.
 * Each edit is logged with the gateway that asked.
 */
import type { FastifyInstance } from 'fastify';
import { EdgePayError, errorResponses, SITE_EDIT_ROUTES, type OfflineLimits, type ProductDoc, type ProductEdit, type ReplicatedDocument, type SiteDoc } from '../../core/index.ts';
import { requireGateway } from '../auth/index.ts';
import type { Db } from '../db/index.ts';
import type { ServerCollection } from '../replication/index.ts';
import { writeAsServer } from '../replication/index.ts';

const money = {
  type: 'object',
  required: ['amount', 'currency'],
  additionalProperties: false,
  properties: { amount: { type: 'integer', minimum: 0 }, currency: { type: 'string', pattern: '^[A-Z]{3}$' } },
} as const;

export function registerSiteEditRoutes(app: FastifyInstance, deps: { db: Db; collections: Map<string, ServerCollection> }): void {
  const { db, collections } = deps;
  const collection = (name: string) => {
    const c = collections.get(name);
    if (!c) throw new EdgePayError('UNKNOWN_COLLECTION', { collection: name });
    return c;
  };

  app.put(
    SITE_EDIT_ROUTES.product,
    {
      schema: {
        summary: "Create or change a product of the calling gateway's site (the console's catalogue editor)",
        tags: ['site'],
        security: [{ gatewayCredential: [] }],
        params: { type: 'object', required: ['productId'], properties: { productId: { type: 'string', minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9._-]+$' } } },
        body: {
          type: 'object',
          required: ['sku', 'barcode', 'name', 'price', 'active'],
          additionalProperties: false,
          properties: {
            sku: { type: 'string', minLength: 1, maxLength: 64 },
            barcode: { type: 'string', maxLength: 64 },
            name: { type: 'string', minLength: 1, maxLength: 200 },
            names: { type: 'object', additionalProperties: false, properties: { ko: { type: 'string', minLength: 1, maxLength: 200 }, en: { type: 'string', minLength: 1, maxLength: 200 } } },
            picture: { type: 'string', maxLength: 24_576 },
            price: money,
            active: { type: 'boolean' },
          },
        },
        response: { 200: { type: 'object', properties: { product: { type: 'object', additionalProperties: true } } }, ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => {
      const gateway = await requireGateway(db, request.headers.authorization);
      const { productId } = request.params as { productId: string };
      const edit = request.body as ProductEdit;
      // The console edits what a shop keeper sees; the smart carts' weight facts (set by the admin) stay as they were.
      const previous = (await db.query<{ data: ProductDoc }>("SELECT data FROM documents WHERE collection = 'products' AND site_id = $1 AND id = $2", [gateway.siteId, productId])).rows[0]?.data;
      const product: ProductDoc = { ...edit, ...(previous?.cart ? { cart: previous.cart } : {}), id: productId, siteId: gateway.siteId, updatedAt: new Date().toISOString() };
      await writeAsServer(db, collection('products'), gateway.siteId, [{ _deleted: false, ...product } as unknown as ReplicatedDocument]);
      request.log.info({ siteId: gateway.siteId, gatewayId: gateway.gatewayId, productId }, 'product edited from the console');
      return { product };
    },
  );

  app.put(
    SITE_EDIT_ROUTES.offlineLimits,
    {
      schema: {
        summary: "Set the offline (store-and-forward) limits of the calling gateway's site",
        tags: ['site'],
        security: [{ gatewayCredential: [] }],
        body: {
          type: 'object',
          required: ['perPayment', 'totalStored', 'maxAgeMinutes'],
          additionalProperties: false,
          properties: {
            perPayment: { type: 'array', maxItems: 32, items: money },
            totalStored: { type: 'array', maxItems: 32, items: money },
            maxAgeMinutes: { type: 'integer', minimum: 0, maximum: 43_200 },
          },
        },
        response: { 200: { type: 'object', properties: { site: { type: 'object', additionalProperties: true } } }, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const gateway = await requireGateway(db, request.headers.authorization);
      const { rows } = await db.query<{ data: SiteDoc }>("SELECT data FROM documents WHERE collection = 'sites' AND id = $1 AND site_id = $1", [gateway.siteId]);
      const current = rows[0]?.data;
      if (!current) throw new EdgePayError('NOT_FOUND');
      const site: SiteDoc = { ...current, offlineLimits: request.body as OfflineLimits, updatedAt: new Date().toISOString() };
      await writeAsServer(db, collection('sites'), gateway.siteId, [{ _deleted: false, ...site } as unknown as ReplicatedDocument]);
      request.log.info({ siteId: gateway.siteId, gatewayId: gateway.gatewayId }, 'offline limits set from the console');
      return { site };
    },
  );
}
