/**
 * The phone's routes, for the wallet page (a signed-in user; the injected
 * `authenticateUser` preHandler sets `request.walletUser` and checks CSRF on POST):
 *
 *   GET  /wallet/api/requests[?after=seq]          my pending requests, the feed's seq, and the events since `after` (polling)
 *   GET  /wallet/api/requests/stream               SSE: `request` and `resolved` events, `id:` on each, resume with Last-Event-ID
 *   POST /wallet/api/requests/:id/approval-options the WebAuthn options whose challenge binds this request
 *   POST /wallet/api/requests/:id/approve {proof}  approve (the proof is checked against the binding read from the database)
 *   POST /wallet/api/requests/:id/decline          decline
 */
import type { FastifyInstance, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import { EdgePayError, paymentRequestRefusal, type PaymentRequestBinding } from '../../core/index.ts';
import type { Db } from '../db/index.ts';
import type { FeedHub } from './feed-hub.ts';
import { openFeedStream, resumePoint } from './feed-stream.ts';
import { feedHead, readEvents } from './feeds.ts';
import { userFeed } from './requester.ts';
import { afterQuery, byId, errors, phoneViewResponse } from './schemas.ts';
import { answerRequest, bindingOf, getForRecipient, pendingForUser, type VerifyApproval } from './store.ts';

const tags = ['wallet'];

/** The signed-in user, as the wallet's session check left it. */
function userOf(request: FastifyRequest): string {
  const user = (request as FastifyRequest & { walletUser?: { userId?: unknown } }).walletUser;
  if (!user || typeof user.userId !== 'string') throw new EdgePayError('AUTH_REQUIRED');
  return user.userId;
}

export function registerPhoneRoutes(
  app: FastifyInstance,
  deps: {
    db: Db;
    hub: FeedHub;
    authenticateUser: preHandlerAsyncHookHandler;
    verifyApproval: VerifyApproval;
    approvalOptions: (userId: string, binding: PaymentRequestBinding) => Promise<unknown>;
    keepaliveMs?: number;
  },
): void {
  const { db, hub } = deps;
  const preHandler = deps.authenticateUser;

  app.get('/wallet/api/requests', { preHandler, schema: { summary: 'My pending requests to pay (and, with `after`, the events since)', tags, querystring: afterQuery } }, async (request) => {
    const userId = userOf(request);
    const feed = userFeed(userId);
    const after = (request.query as { after?: number }).after;
    if (after === undefined) {
      // The seq first: an event committed after it comes in the next poll or the stream, never lost between the two reads.
      const seq = await feedHead(db, feed);
      return { requests: await pendingForUser(db, userId), seq };
    }
    // Polling: the next page of events; `seq` is where the next poll starts (the last event sent, so a full page goes on from there).
    const [requests, events] = await Promise.all([pendingForUser(db, userId), readEvents(db, feed, after, 200)]);
    return { requests, seq: events.at(-1)?.seq ?? after, events };
  });

  app.get(
    '/wallet/api/requests/stream',
    { preHandler, schema: { summary: 'Server-Sent Events of my requests to pay; resume with Last-Event-ID', tags, querystring: afterQuery } },
    async (request, reply) => {
      const userId = userOf(request);
      // The session is checked again at every keepalive, so a signed-out or revoked session stops receiving.
      const stillAllowed = async () => {
        try {
          await preHandler.call(app, request, reply);
          return userOf(request) === userId;
        } catch {
          return false;
        }
      };
      await openFeedStream(db, hub, reply, userFeed(userId), resumePoint(request), {
        stillAllowed,
        ...(deps.keepaliveMs ? { keepaliveMs: deps.keepaliveMs } : {}),
      });
    },
  );

  app.post('/wallet/api/requests/:id/approval-options', { preHandler, schema: { summary: 'WebAuthn request options whose challenge binds this request', tags, params: byId } }, async (request) => {
    const userId = userOf(request);
    const row = await getForRecipient(db, userId, (request.params as { id: string }).id);
    if (row.state !== 'pending') throw new EdgePayError(paymentRequestRefusal(row.state), { state: row.state });
    return deps.approvalOptions(userId, bindingOf(row));
  });

  app.post(
    '/wallet/api/requests/:id/approve',
    {
      preHandler,
      schema: {
        summary: 'Approve a request to pay with a proof bound to it',
        tags,
        params: byId,
        body: { type: 'object', required: ['proof'], additionalProperties: false, properties: { proof: {} } },
        response: { 200: phoneViewResponse, ...errors },
      },
    },
    async (request) => {
      const userId = userOf(request);
      const { proof } = request.body as { proof: unknown };
      return { request: await answerRequest(db, userId, (request.params as { id: string }).id, { kind: 'approve', proof, verify: deps.verifyApproval }) };
    },
  );

  app.post(
    '/wallet/api/requests/:id/decline',
    { preHandler, schema: { summary: 'Decline a request to pay', tags, params: byId, response: { 200: phoneViewResponse, ...errors } } },
    async (request) => {
      const userId = userOf(request);
      return { request: await answerRequest(db, userId, (request.params as { id: string }).id, { kind: 'decline' }) };
    },
  );
}
