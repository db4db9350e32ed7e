/**
 * Feeds: ordered, resumable event logs per user ('user:<id>') and per
 * requester ('site:<id>', 'merchant:<id>'), stored in payment_request_events.
 *
 * Each event's seq comes from its feed's counter row, whose lock the writing
 * transaction holds to COMMIT: a feed's events become visible in seq order,
 * so a stream or poll that resumes after seq N can never step over an event
 * that commits later with a smaller seq (the flaw of a plain sequence, see
 * DESIGN.md section 3). Feeds of one transaction are locked in sorted order,
 * so two transactions cannot deadlock on them.
 *
 * Live delivery: the transaction itself NOTIFYs (feed, seq) pairs; PostgreSQL
 * delivers them at COMMIT to every server process, and never for a rollback,
 * so a notice always names a committed event and none is lost to a crash
 * between commit and notify. (The replication's change notices are sent after
 * COMMIT instead, for payment throughput; requests to pay come at human pace.)
 */
import type { PaymentRequestStreamEvent } from '../../core/index.ts';
import type { Db, Queryable } from '../db/db.ts';

export const PAYMENT_REQUESTS_CHANNEL = 'edgepay_payment_requests';

export type FeedEntry = { feed: string; type: 'request' | 'resolved' | 'outcome'; data: unknown };

/**
 * A notice: the feed and seq of a committed event, with the event itself when
 * it fits in a notification (8000 bytes), so a stream can send it without
 * reading it back; without it, the stream reads the feed from the database.
 */
export type FeedNotice = [feed: string, seq: number, event?: PaymentRequestStreamEvent];

/** Largest notification payload PostgreSQL takes is 8000 bytes; leave room. */
const NOTICE_LIMIT = 7900;

/**
 * Appends one event to each (distinct) feed and NOTIFYs each, in one
 * statement (fewer round trips inside the transaction: this is the latency
 * path from a request to the phone). When `siteFeed` is among them, the
 * request row's site_seq becomes that feed's new seq (the replication order).
 * Returns each feed's event, with its seq.
 */
export async function appendEvents(
  tx: Queryable,
  requestId: string,
  entries: FeedEntry[],
  siteFeed: string | null,
): Promise<FeedNotice[]> {
  const sorted = [...entries].sort((a, b) => (a.feed < b.feed ? -1 : a.feed > b.feed ? 1 : 0));
  const { rows } = await tx.query<{ feed: string; seq: string | number; type: string; data: unknown }>(
    `WITH input AS (
       SELECT e->>'feed' AS feed, e->>'type' AS type, e->'data' AS data, ord
       FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS t(e, ord)
     ), bumped AS (
       INSERT INTO payment_request_feeds AS f (feed, last_seq)
       SELECT feed, 1 FROM input ORDER BY ord
       ON CONFLICT (feed) DO UPDATE SET last_seq = f.last_seq + 1
       RETURNING f.feed, f.last_seq
     ), ins AS (
       INSERT INTO payment_request_events (feed, seq, request_id, type, data)
       SELECT b.feed, b.last_seq, $2, i.type, i.data FROM bumped b JOIN input i ON i.feed = b.feed
       RETURNING feed, seq, type, data
     ), site AS (
       UPDATE payment_requests p SET site_seq = ins.seq FROM ins WHERE p.id = $2 AND ins.feed = $3
       RETURNING 1
     ), notified AS (
       SELECT pg_notify($4, CASE WHEN octet_length(full_notice) <= ${NOTICE_LIMIT} THEN full_notice ELSE json_build_array(feed, seq)::text END)
       FROM (SELECT feed, seq, json_build_array(feed, seq, jsonb_build_object('type', type, 'seq', seq, 'request', data))::text AS full_notice FROM ins) n
     )
     SELECT feed, seq, type, data FROM ins WHERE (SELECT count(*) FROM notified) >= 0 AND (SELECT count(*) FROM site) >= 0`,
    [JSON.stringify(sorted), requestId, siteFeed, PAYMENT_REQUESTS_CHANNEL],
  );
  return rows.map((r) => {
    const seq = Number(r.seq);
    return [r.feed, seq, { type: r.type, seq, request: r.data } as PaymentRequestStreamEvent];
  });
}

/** One notice per notification (the current form), or a list of them (tolerated). */
export function parseFeedNotices(payload: string): FeedNotice[] | undefined {
  try {
    const v = JSON.parse(payload) as unknown;
    if (!Array.isArray(v)) return undefined;
    return typeof v[0] === 'string' ? [v as unknown as FeedNotice] : (v as FeedNotice[]);
  } catch {
    return undefined;
  }
}

export async function feedHead(db: Queryable, feed: string): Promise<number> {
  const { rows } = await db.query<{ last_seq: string | number }>('SELECT last_seq FROM payment_request_feeds WHERE feed = $1', [feed]);
  return rows[0] ? Number(rows[0].last_seq) : 0;
}

/** Events of a feed after `after`, oldest first. */
export async function readEvents(db: Db, feed: string, after: number, limit = 200): Promise<PaymentRequestStreamEvent[]> {
  const { rows } = await db.query<{ seq: string | number; type: string; data: unknown }>(
    'SELECT seq, type, data FROM payment_request_events WHERE feed = $1 AND seq > $2 ORDER BY seq LIMIT $3',
    [feed, after, limit],
  );
  return rows.map((r) => ({ type: r.type, seq: Number(r.seq), request: r.data }) as PaymentRequestStreamEvent);
}
