/**
 * The live pull stream (`GET /sync/{collection}/{version}/pullStream`), as
 * Server-Sent Events. Each event's data is a `PullResponse` or "RESYNC".
 *
 * No gap between pull and stream: the stream notes the newest checkpoint when
 * it opens, then sends "RESYNC" so the client pulls from its own checkpoint;
 * everything up to the noted checkpoint comes with that pull, everything after
 * it comes through the stream (a document may come twice, never not at all).
 *
 * Far behind, pull: when more than a page of changes is waiting (a gateway's
 * catch-up pushing thousands of payments, whose stamped receipts would all
 * come back down), the stream sends "RESYNC" instead of the pages and moves
 * its cursor to the newest announced change. The client then pulls them from
 * its own checkpoint when it is ready (RxDB does so once its own pushes are
 * done) instead of the server reading and sending them while the catch-up is
 * still running. Nothing is skipped: every change up to that point is
 * committed and lies above the client's checkpoint, so its pull returns it;
 * later changes come through the stream as before.
 */
import type { FastifyReply } from 'fastify';
import { RESYNC, type PullStreamEvent } from '../../core/index.ts';
import type { Db } from '../db/index.ts';
import { isGatewayActive } from '../auth/index.ts';
import type { GatewayIdentity } from '../../core/index.ts';
import type { ChangeHub } from './change-hub.ts';
import type { ServerCollection } from './collections.ts';
import { headCheckpoint, pull } from './documents.ts';

const KEEPALIVE_MS = 15_000;
const BATCH = 200;
/** More changes than this waiting: "RESYNC" (the client pulls) instead of streaming them. */
export const STREAM_RESYNC_GAP = BATCH;

export async function openPullStream(db: Db, hub: ChangeHub, collection: ServerCollection, gateway: GatewayIdentity, reply: FastifyReply, onClose: () => void): Promise<void> {
  let cursor = await headCheckpoint(db, collection.name, gateway.siteId);
  let lastId = '';
  /** The newest change announced to this stream (committed). */
  let announced = cursor;
  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  let closed = false;
  const send = (event: PullStreamEvent) => {
    if (!closed) res.write(`data: ${JSON.stringify(event)}\n\n`);
  };

  // One catch-up at a time per stream; notices during it are folded into one more run.
  let running = false;
  let again = false;
  const catchUp = async () => {
    if (running) {
      again = true;
      return;
    }
    running = true;
    try {
      do {
        again = false;
        if (announced - cursor > STREAM_RESYNC_GAP) {
          cursor = announced;
          lastId = '';
          send(RESYNC);
          continue;
        }
        for (;;) {
          const page = await pull(db, collection, gateway.siteId, { id: lastId, lwt: cursor }, BATCH);
          if (closed || page.documents.length === 0 || !page.checkpoint) break;
          cursor = page.checkpoint.lwt;
          lastId = page.checkpoint.id;
          send(page);
          if (page.documents.length < BATCH) break;
        }
      } while (again && !closed);
    } catch {
      // The database hiccupped: let the client pull for itself.
      send(RESYNC);
    } finally {
      running = false;
    }
  };

  const close = () => {
    if (closed) return;
    closed = true;
    unsubscribe();
    clearInterval(keepalive);
    res.end();
    onClose();
  };
  const unsubscribe = hub.subscribe({
    collection: collection.name,
    siteId: gateway.siteId,
    gatewayId: gateway.gatewayId,
    onChange: (seq) => {
      if (seq > announced) announced = seq;
      if (seq > cursor) void catchUp();
    },
    onResync: () => {
      void isGatewayActive(db, gateway.gatewayId).then(
        (active) => (active ? send(RESYNC) : close()),
        () => send(RESYNC),
      );
    },
    onRevoked: close,
  });
  const keepalive = setInterval(() => {
    if (!closed) res.write(': keepalive\n\n');
  }, KEEPALIVE_MS);
  res.on('close', close);
  send(RESYNC);
  // A revocation between authentication and subscribing would be missed: check once more.
  if (!(await isGatewayActive(db, gateway.gatewayId))) close();
}
