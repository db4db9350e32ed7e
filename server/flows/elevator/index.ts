/**
 * server/flows/elevator: lobby deliveries (DESIGN.md section 1, `elevator`).
 * The building gateway's routes (its credential): create a delivery, follow
 * it (long poll), and report the charge and the elevator's outcome; the
 * admin's routes: a site's lobby settings and the courier codes. Requests to
 * pay ask the unit's residents; the issuer makes and settles the card.
 */
import type { FastifyPluginAsync } from 'fastify';
import {
  DELIVERY_PROGRESS_STAGES,
  DELIVERY_STATES,
  ELEVATOR_PATHS,
  errorResponses,
  GATEWAY_PROGRESS_STAGES,
  REFUND_REASONS,
  type CreateDeliveryBody,
  type DeliveryProgressBody,
  type DeliveryProgressStage,
  type DeliveryState,
} from '../../../core/index.ts';
import { adminTokenCheck, requireGateway } from '../../auth/index.ts';
import { requireWalletSession, walletUserOf } from '../../wallet/index.ts';
import type { Db } from '../../db/index.ts';
import {
  addCourier,
  advance,
  captureDelivery,
  chargeFailed,
  confirmUnload,
  createDelivery,
  deliveredDelivery,
  getDelivery,
  ordererDeliveries,
  refundDelivery,
  setProgress,
  setSite,
  type ElevatorSite,
} from './store.ts';
import { Waiters } from './waiters.ts';

export { GUESS_LIMIT } from './store.ts';

export type ElevatorPluginOptions = { db: Db; adminToken: string };

const tags = ['elevator'];
const security = [{ gatewayCredential: [] }];
const idText = { type: 'string', pattern: '^[A-Za-z0-9_-]{8,64}$' } as const;
const byId = { type: 'object', required: ['id'], properties: { id: idText } } as const;
const reasonWord = { type: 'string', pattern: '^[a-z][a-z-]{1,40}$' } as const;
const MAX_WAIT_MS = 25_000;

export function elevatorPlugin(opts: ElevatorPluginOptions): FastifyPluginAsync {
  return async (app) => {
    const { db } = opts;
    const waiters = new Waiters(db);
    await waiters.start();
    app.addHook('preClose', () => waiters.stop());
    const gatewayOf = (authorization: string | undefined) => requireGateway(db, authorization);

    app.post(
      ELEVATOR_PATHS.deliveries,
      {
        schema: {
          summary: 'A courier at the lobby terminal asks for a delivery to a unit (the id is the idempotency key)',
          tags,
          security,
          body: {
            type: 'object',
            additionalProperties: false,
            required: ['id', 'courierCode', 'unit', 'amount', 'currency'],
            properties: {
              id: idText,
              courierCode: { type: 'string', minLength: 1, maxLength: 64 },
              unit: { type: 'string', minLength: 1, maxLength: 16 },
              amount: { type: 'integer', minimum: 1 },
              currency: { type: 'string', pattern: '^[A-Z]{3}$' },
            },
          },
          response: errorResponses(400, 401, 403, 409, 429),
        },
      },
      async (request, reply) => {
        const gateway = await gatewayOf(request.headers.authorization);
        const { view, created } = await createDelivery(db, gateway, request.body as CreateDeliveryBody);
        if (!created) void reply.header('idempotent-replayed', 'true');
        reply.statusCode = created ? 201 : 200;
        return { delivery: view };
      },
    );

    app.get(
      '/v1/elevator/deliveries/:id',
      {
        schema: {
          summary: 'A delivery; with after=<state> and waitMs, waits until it is no longer in that state',
          tags,
          security,
          params: byId,
          querystring: {
            type: 'object',
            additionalProperties: false,
            properties: {
              after: { type: 'string', enum: [...DELIVERY_STATES] },
              progress: { type: 'string', enum: [...DELIVERY_PROGRESS_STAGES] },
              waitMs: { type: 'integer', minimum: 0, maximum: MAX_WAIT_MS },
            },
          },
          response: errorResponses(401, 404),
        },
      },
      async (request) => {
        const gateway = await gatewayOf(request.headers.authorization);
        const { id } = request.params as { id: string };
        const { after, progress, waitMs = 0 } = request.query as { after?: DeliveryState; progress?: DeliveryProgressStage; waitMs?: number };
        const abort = new AbortController();
        request.raw.once('close', () => abort.abort());
        const look = async () => {
          const view = await advance(db, gateway, id);
          const unchanged = view.state === after && (progress === undefined || view.progress?.stage === progress);
          return after === undefined || !unchanged ? view : undefined;
        };
        const view = (await waiters.until(look, after === undefined ? 0 : waitMs, abort.signal)) ?? (await getDelivery(db, gateway, id));
        return { delivery: view };
      },
    );

    const action = (
      path: (id: string) => string,
      summary: string,
      run: (gateway: Awaited<ReturnType<typeof gatewayOf>>, id: string, body: { reason?: string }) => Promise<unknown>,
      reasons?: readonly string[],
    ) =>
      app.post(
        path('{id}').replace(encodeURIComponent('{id}'), ':id'),
        {
          schema: {
            summary,
            tags,
            security,
            params: byId,
            body: { type: 'object', additionalProperties: false, properties: { reason: reasons ? { type: 'string', enum: [...reasons] } : reasonWord } },
            response: errorResponses(401, 404, 409),
          },
        },
        async (request) => {
          const gateway = await gatewayOf(request.headers.authorization);
          return { delivery: await run(gateway, (request.params as { id: string }).id, (request.body ?? {}) as { reason?: string }) };
        },
      );
    action(ELEVATOR_PATHS.capture, 'The lobby terminal charged the card: capture the approval', (g, id) => captureDelivery(db, g, id));
    action(ELEVATOR_PATHS.chargeFailed, 'The lobby terminal could not charge the card: close it, release every hold', (g, id, b) => chargeFailed(db, g, id, b.reason ?? 'charge-failed'));
    action(ELEVATOR_PATHS.refund, 'The goods came back to the lobby: give the charge back', (g, id, b) => refundDelivery(db, g, id, b.reason ?? 'elevator-fault'), REFUND_REASONS);
    action(ELEVATOR_PATHS.delivered, "The goods were taken out at the orderer's floor: close the card for good", (g, id) => deliveredDelivery(db, g, id));

    app.post(
      '/v1/elevator/deliveries/:id/progress',
      {
        schema: {
          summary: 'The gateway reports where the goods are (charging, then the car: coming, loading, on the way, at the floor)',
          tags,
          security,
          params: byId,
          body: {
            type: 'object',
            additionalProperties: false,
            required: ['stage'],
            properties: { stage: { type: 'string', enum: [...GATEWAY_PROGRESS_STAGES] }, car: { type: 'integer', minimum: 1, maximum: 16 }, floor: { type: 'integer', minimum: -10, maximum: 200 } },
          },
          response: errorResponses(400, 401, 404, 409),
        },
      },
      async (request) => {
        const gateway = await gatewayOf(request.headers.authorization);
        return { delivery: await setProgress(db, gateway, (request.params as { id: string }).id, request.body as DeliveryProgressBody) };
      },
    );

    // The orderer's phone (wallet session, CSRF on the POST).
    const walletSession = requireWalletSession(db);
    app.get(
      ELEVATOR_PATHS.walletDeliveries,
      { preHandler: walletSession, schema: { summary: "The signed-in orderer's deliveries of the last day: progress and outcome", tags: ['wallet'], response: errorResponses(401) } },
      async (request) => ({ deliveries: await ordererDeliveries(db, walletUserOf(request).userId) }),
    );
    app.post(
      '/wallet/api/elevator/deliveries/:id/unloaded',
      {
        preHandler: walletSession,
        schema: { summary: 'The orderer took the goods out of the car at their floor', tags: ['wallet'], params: byId, response: errorResponses(401, 403, 404, 409) },
      },
      async (request) => ({ delivery: await confirmUnload(db, walletUserOf(request).userId, (request.params as { id: string }).id) }),
    );

    const admin = { preHandler: adminTokenCheck(opts.adminToken) };
    app.put(
      '/admin/elevator/sites/:siteId',
      {
        ...admin,
        schema: {
          summary: "A site's lobby deliveries: its building, its card terminal, card life and answer time",
          tags: ['admin'],
          security: [{ adminToken: [] }],
          params: { type: 'object', required: ['siteId'], properties: { siteId: { type: 'string', minLength: 1, maxLength: 128 } } },
          body: {
            type: 'object',
            additionalProperties: false,
            required: ['buildingId', 'terminalId', 'place'],
            properties: {
              buildingId: { type: 'string', minLength: 1, maxLength: 128 },
              terminalId: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' },
              place: { type: 'string', minLength: 1, maxLength: 200 },
              cardLifeSeconds: { type: 'integer', minimum: 30, maximum: 3600 },
              answerSeconds: { type: 'integer', minimum: 5, maximum: 900 },
            },
          },
        },
      },
      async (request) => {
        const body = request.body as Omit<ElevatorSite, 'siteId' | 'cardLifeSeconds' | 'answerSeconds'> & Partial<ElevatorSite>;
        const site: ElevatorSite = { ...body, siteId: (request.params as { siteId: string }).siteId, cardLifeSeconds: body.cardLifeSeconds ?? 300, answerSeconds: body.answerSeconds ?? 120 };
        await setSite(db, site);
        return { site };
      },
    );
    app.post(
      '/admin/elevator/couriers',
      {
        ...admin,
        schema: {
          summary: 'Give a delivery company a courier code (its merchant id and name)',
          tags: ['admin'],
          security: [{ adminToken: [] }],
          body: {
            type: 'object',
            additionalProperties: false,
            required: ['code', 'merchantId', 'merchantName'],
            properties: {
              code: { type: 'string', minLength: 4, maxLength: 64 },
              merchantId: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' },
              merchantName: { type: 'string', minLength: 1, maxLength: 120 },
            },
          },
        },
      },
      async (request, reply) => {
        const b = request.body as { code: string; merchantId: string; merchantName: string };
        await addCourier(db, b.code, b.merchantId, b.merchantName);
        return reply.status(201).send({ merchantId: b.merchantId, merchantName: b.merchantName });
      },
    );
  };
}
