/**
 * The live pull stream (`GET /sync/{collection}/{version}/pullStream`), as
 * Server-Sent Events. Each event's data is a `PullResponse` or "RESYNC".
 *
 * No gap between pull and stream: the stream notes the newest checkpoint when
 * it opens, then sends "RESYNC" so the client pulls from its own checkpoint;
 * everything up to the noted checkpoint comes with that pull, everything after
 * it comes through the stream (a document may come twice, never not at all).
 */
import type { FastifyReply } from 'fastify';
import type { PullStreamEvent } from '../../sync/index.ts';
import type { Db } from '../db/db.ts';
import { isGatewayActive, type GatewayIdentity } from '../auth/gateways.ts';
import type { ChangeHub } from './change-hub.ts';
import type { ServerCollection } from './collections.ts';
import { headCheckpoint, pull } from './documents.ts';

const KEEPALIVE_MS = 15_000;
const BATCH = 200;

export async function openPullStream(
  db: Db,
  hub: ChangeHub,
  collection: ServerCollection,
  gateway: GatewayIdentity,
  reply: FastifyReply,
  onClose: () => void,
): Promise<void> {
  let cursor = await headCheckpoint(db, collection.name, gateway.siteId);
  let lastId = '';
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
      send('RESYNC');
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
      if (seq > cursor) void catchUp();
    },
    onResync: () => {
      void isGatewayActive(db, gateway.gatewayId).then(
        (active) => (active ? send('RESYNC') : close()),
        () => send('RESYNC'),
      );
    },
    onRevoked: close,
  });
  const keepalive = setInterval(() => {
    if (!closed) res.write(': keepalive\n\n');
  }, KEEPALIVE_MS);
  res.on('close', close);
  send('RESYNC');
  // A revocation between authentication and subscribing would be missed: check once more.
  if (!(await isGatewayActive(db, gateway.gatewayId))) close();
}
