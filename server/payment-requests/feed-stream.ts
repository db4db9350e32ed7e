/**
 * A feed as Server-Sent Events. Every event carries `id: <seq>`; a client
 * that lost the connection reconnects with `Last-Event-ID` (browsers' EventSource
 * does so by itself) or `?after=` and gets every event after it, from the
 * database, then live ones. The first event, `ready`, names the seq the
 * stream starts after (the feed's head when the client gave none).
 *
 * Order: subscribe first, then read, so an event committed in between is
 * either read or announced (and then read): never missed, never sent twice
 * (the cursor only moves forward).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { PaymentRequestStreamEvent } from '../../core/index.ts';
import type { Db } from '../db/index.ts';
import type { FeedHub } from './feed-hub.ts';
import { feedHead, readEvents } from './feeds.ts';

export const KEEPALIVE_MS = 15_000;

export type StreamOptions = {
  /** The gateway behind a requester stream (closed when it is revoked). */
  gatewayId?: string;
  /** Asked at every keepalive: false (a signed-out or revoked session) ends the stream. */
  stillAllowed?: () => Promise<boolean>;
  keepaliveMs?: number;
};
const PAGE = 200;

/** Where a client resumes: `Last-Event-ID` header, else `?after=`, else undefined (from now on). */
export function resumePoint(request: FastifyRequest): number | undefined {
  const header = request.headers['last-event-id'];
  const query = (request.query as { after?: unknown } | undefined)?.after;
  for (const v of [Array.isArray(header) ? header[0] : header, query]) {
    if (v === undefined || v === '') continue;
    const n = Number(v);
    if (Number.isSafeInteger(n) && n >= 0) return n;
  }
  return undefined;
}

export function formatSse(event: PaymentRequestStreamEvent): string {
  return `id: ${event.seq}\nevent: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;
}

export async function openFeedStream(db: Db, hub: FeedHub, reply: FastifyReply, feed: string, after: number | undefined, options: StreamOptions = {}): Promise<void> {
  const { gatewayId, stillAllowed } = options;
  let cursor = after ?? (await feedHead(db, feed));
  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  // Small writes go out at once: this is a latency path.
  res.socket?.setNoDelay(true);
  let closed = false;
  let announced = cursor;
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
          const events = await readEvents(db, feed, cursor, PAGE);
          if (closed) return;
          for (const e of events) res.write(formatSse(e));
          if (events.length > 0) cursor = events[events.length - 1]!.seq;
          if (events.length < PAGE) break;
        }
      } while (again && !closed);
      // Everything committed so far was read ("maybe some" after a lost LISTEN connection is settled).
      if (announced === Infinity) announced = cursor;
    } catch {
      // The database hiccupped: try again on the next notice or keepalive.
      again = false;
      announced = Infinity;
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
  };
  const unsubscribe = hub.subscribe({
    feed,
    ...(gatewayId ? { gatewayId } : {}),
    onNotice: (seq, event) => {
      if (seq > announced) announced = seq;
      if (seq <= cursor) return; // already sent (it came both locally and by NOTIFY)
      // The next event, in hand: send it without reading it back. Anything else (a gap, a catch-up running): read.
      if (event && seq === cursor + 1 && !running && !closed) {
        res.write(formatSse(event));
        cursor = seq;
        return;
      }
      void catchUp();
    },
    close,
  });
  const keepalive = setInterval(() => {
    if (closed) return;
    res.write(': keepalive\n\n');
    // A catch-up that failed on a database error is retried here.
    if (announced > cursor) void catchUp();
    // A session revoked while the stream is open ends it here (within one keepalive).
    if (stillAllowed)
      void stillAllowed().then(
        (ok) => ok || close(),
        () => undefined,
      );
  }, options.keepaliveMs ?? KEEPALIVE_MS);
  res.on('close', close);
  // A browser's EventSource reconnects after `retry` ms (default 3 s) and sends Last-Event-ID itself.
  res.write('retry: 1000\n\n');
  res.write(formatSse({ type: 'ready', seq: cursor }));
  await catchUp();
}
