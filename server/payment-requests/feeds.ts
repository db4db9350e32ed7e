/**
 * Feeds: ordered, resumable event logs per user ('user:<id>') and per
 * requester ('site:<id>', 'merchant:<id>'), stored in payment_request_events.
 *
 * Each event's seq comes from its feed's counter row, whose lock the writing
 * transaction holds to COMMIT: a feed's events become visible in seq order,
 * so a stream or poll that resumes after seq N can never step over an event
 * that commits later with a smaller seq (the flaw of a plain sequence, see
 * DESIGN.md section 3). Every writer takes the site's feed first, then the
 * request row, then the other feeds in sorted order, so writers cannot
 * deadlock on them.
 *
 * Live delivery: the writing statement itself NOTIFYs each event; PostgreSQL
 * delivers them at COMMIT to every server process, and never for a rollback,
 * so a notice always names a committed event and none is lost to a crash
 * between commit and notify. (The replication's change notices are sent after
 * COMMIT instead, for payment throughput; requests to pay come at human pace.)
 */
import type { PaymentRequestStreamEvent } from '../../core/index.ts';
import type { Db, Queryable } from '../db/index.ts';

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
 * The part of a writing statement that appends a change's events: one per
 * (distinct) feed of `$<entries>` (JSON [{feed, type, data}], sorted by feed),
 * each data merged with `patch` (jsonb computed from the changed row `r`,
 * e.g. its times as the database wrote them), seqs from the feeds' counters,
 * and a NOTIFY per event. Only when the CTE `changed` has a row (the change
 * happened). The site's feed is bumped earlier, by `siteBumpSql`, whose CTE
 * `site` must precede this (its lock is taken before the request row's).
 * Leaves CTEs `ins` (the events) and `notified`.
 */
export function eventsSql(p: { entries: number; requestId: string; patch: string; channel: number }): string {
  return `input AS (
       SELECT e->>'feed' AS feed, e->>'type' AS type, (e->'data') || ${p.patch} AS data, ord
       FROM changed r, jsonb_array_elements($${p.entries}::jsonb) WITH ORDINALITY AS t(e, ord)
     ), bumped AS (
       INSERT INTO payment_request_feeds AS f (feed, last_seq)
       SELECT feed, 1 FROM input WHERE feed NOT IN (SELECT feed FROM site) ORDER BY ord
       ON CONFLICT (feed) DO UPDATE SET last_seq = f.last_seq + 1
       RETURNING f.feed, f.last_seq
     ), seqs AS (
       SELECT feed, last_seq FROM bumped UNION ALL SELECT feed, last_seq FROM site
     ), ins AS (
       INSERT INTO payment_request_events (feed, seq, request_id, type, data)
       SELECT s.feed, s.last_seq, ${p.requestId}, i.type, i.data FROM seqs s JOIN input i ON i.feed = s.feed
       RETURNING feed, seq, type, data
     ), notified AS (
       SELECT pg_notify($${p.channel}, CASE WHEN octet_length(full_notice) <= ${NOTICE_LIMIT} THEN full_notice ELSE json_build_array(feed, seq)::text END)
       FROM (SELECT feed, seq, json_build_array(feed, seq, jsonb_build_object('type', type, 'seq', seq, 'request', data))::text AS full_notice FROM ins) n
     )`;
}

/** The notices of `ins`, as one JSON column of the statement's result (for delivery in this process). */
export const NOTICES_SQL = `(SELECT json_agg(json_build_array(feed, seq, jsonb_build_object('type', type, 'seq', seq, 'request', data)) ORDER BY feed)
  FROM ins WHERE (SELECT count(*) FROM notified) >= 0) AS notices`;

/**
 * The CTE `site`: the site feed's counter bumped first (the site's lock comes
 * before the request row's and the users' feeds, in every writer), when
 * `$<feed>` is not null and `when` holds. Its seq becomes the row's site_seq
 * and the seq of the site feed's event. If the change then does not happen
 * (a concurrent answer won), the feed has a gap: readers go by seq > N, so a
 * gap costs nothing.
 */
export function siteBumpSql(feedParam: number, when = 'TRUE'): string {
  return `site AS (
       INSERT INTO payment_request_feeds AS f (feed, last_seq)
       SELECT $${feedParam}::text, 1 WHERE $${feedParam}::text IS NOT NULL AND ${when}
       ON CONFLICT (feed) DO UPDATE SET last_seq = f.last_seq + 1
       RETURNING f.feed, f.last_seq
     )`;
}

export function noticesFrom(raw: unknown): FeedNotice[] {
  return ((raw ?? []) as [string, number | string, PaymentRequestStreamEvent][]).map(([feed, seq, event]) => [feed, Number(seq), { ...event, seq: Number(seq) }]);
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
  const { rows } = await db.query<{ seq: string | number; type: string; data: unknown }>('SELECT seq, type, data FROM payment_request_events WHERE feed = $1 AND seq > $2 ORDER BY seq LIMIT $3', [
    feed,
    after,
    limit,
  ]);
  return rows.map((r) => ({ type: r.type, seq: Number(r.seq), request: r.data }) as PaymentRequestStreamEvent);
}
