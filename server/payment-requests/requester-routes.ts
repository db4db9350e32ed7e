/**
 * The requester's routes (a gateway with its enrolment credential, or a
 * merchant with its own):
 *
 *   POST /v1/payment-requests              create (Idempotency-Key: same key + body = same answer)
 *   GET  /v1/payment-requests/:id          read (state decided at read time: past the deadline = expired)
 *   POST /v1/payment-requests/:id/cancel   withdraw while pending
 *   GET  /v1/payment-requests/stream       SSE of the requester's feed: `request` and `outcome` events (resume: Last-Event-ID)
 *   GET  /v1/payment-requests/events?after=   the same events, polled (a requester back from being away)
 */
import type { FastifyInstance } from 'fastify';
import type { CreatePaymentRequestBody } from '../../core/index.ts';
import type { Db } from '../db/index.ts';
import { requestHash, runIdempotent } from '../payments/index.ts';
import type { FeedHub } from './feed-hub.ts';
import { openFeedStream, resumePoint } from './feed-stream.ts';
import { readEvents } from './feeds.ts';
import { requesterFeed, requireRequester } from './requester.ts';
import { afterQuery, byId, createBody, errors, idempotencyHeader, requesterViewResponse } from './schemas.ts';
import { cancelRequest, createPaymentRequest, getForRequester, type UsersAtUnit } from './store.ts';

// The app declares the bearer scheme `gatewayCredential`; a merchant's `mc_…` credential goes in the
// same header. (An undeclared scheme here would break /openapi.json.)
const security: Record<string, string[]>[] = [{ gatewayCredential: [] }];
const tags = ['payment-requests'];

export function registerRequesterRoutes(app: FastifyInstance, deps: { db: Db; hub: FeedHub; usersAtUnit: UsersAtUnit; onCreated: (ttlSeconds: number) => void; keepaliveMs?: number }): void {
  const { db, hub } = deps;

  app.post(
    '/v1/payment-requests',
    {
      schema: {
        summary: 'Ask a user (or everyone at a unit) to approve a payment before a deadline',
        tags,
        security,
        headers: idempotencyHeader,
        body: createBody,
        response: { 201: requesterViewResponse, ...errors },
      },
    },
    async (request, reply) => {
      const requester = await requireRequester(db, request.headers.authorization);
      const body = request.body as CreatePaymentRequestBody;
      const key = request.headers['idempotency-key'] as string;
      const answer = await runIdempotent(db, `payment-requests:${requester.kind}:${requester.id}`, key, requestHash('create', body), async () => {
        const created = await createPaymentRequest(db, requester, body, deps.usersAtUnit);
        deps.onCreated(body.ttlSeconds ?? 120);
        return { statusCode: 201, body: { request: created } };
      });
      if (answer.replayed) void reply.header('idempotent-replayed', 'true');
      return reply.status(answer.statusCode).send(answer.body);
    },
  );

  app.get(
    '/v1/payment-requests/stream',
    {
      schema: {
        summary: "Server-Sent Events: the requester's requests and their outcomes; `id:` on every event, resume with Last-Event-ID",
        tags,
        security,
        querystring: afterQuery,
      },
    },
    async (request, reply) => {
      const requester = await requireRequester(db, request.headers.authorization);
      await openFeedStream(db, hub, reply, requesterFeed(requester), resumePoint(request), {
        ...(requester.gatewayId ? { gatewayId: requester.gatewayId } : {}),
        ...(deps.keepaliveMs ? { keepaliveMs: deps.keepaliveMs } : {}),
      });
    },
  );

  app.get(
    '/v1/payment-requests/events',
    {
      schema: { summary: "The requester's events after a seq (polling)", tags, security, querystring: afterQuery },
    },
    async (request) => {
      const requester = await requireRequester(db, request.headers.authorization);
      const feed = requesterFeed(requester);
      const after = (request.query as { after?: number }).after ?? 0;
      // A page of at most 200; `seq` is where the next poll starts.
      const events = await readEvents(db, feed, after, 200);
      return { seq: events.at(-1)?.seq ?? after, events };
    },
  );

  app.get('/v1/payment-requests/:id', { schema: { summary: 'A request to pay and its state', tags, security, params: byId, response: { 200: requesterViewResponse, ...errors } } }, async (request) => {
    const requester = await requireRequester(db, request.headers.authorization);
    return { request: await getForRequester(db, requester, (request.params as { id: string }).id) };
  });

  app.post(
    '/v1/payment-requests/:id/cancel',
    {
      schema: { summary: 'Withdraw a pending request to pay', tags, security, params: byId, response: { 200: requesterViewResponse, ...errors } },
    },
    async (request) => {
      const requester = await requireRequester(db, request.headers.authorization);
      return { request: await cancelRequest(db, requester, (request.params as { id: string }).id) };
    },
  );
}
