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
export type FeedNotice = [feed: string, seq: number];

/** Appends one event to each (distinct) feed, in one statement; returns each feed's new seq. */
export async function appendEvents(tx: Queryable, requestId: string, entries: FeedEntry[]): Promise<Map<string, number>> {
  const sorted = [...entries].sort((a, b) => (a.feed < b.feed ? -1 : a.feed > b.feed ? 1 : 0));
  const { rows } = await tx.query<{ feed: string; seq: string | number }>(
    `WITH input AS (
       SELECT e->>'feed' AS feed, e->>'type' AS type, e->'data' AS data, ord
       FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS t(e, ord)
     ), bumped AS (
       INSERT INTO payment_request_feeds AS f (feed, last_seq)
       SELECT feed, 1 FROM input ORDER BY ord
       ON CONFLICT (feed) DO UPDATE SET last_seq = f.last_seq + 1
       RETURNING f.feed, f.last_seq
     )
     INSERT INTO payment_request_events (feed, seq, request_id, type, data)
     SELECT b.feed, b.last_seq, $2, i.type, i.data FROM bumped b JOIN input i ON i.feed = b.feed
     RETURNING feed, seq`,
    [JSON.stringify(sorted), requestId],
  );
  const seqs = new Map(rows.map((r) => [r.feed, Number(r.seq)] as const));
  const notices: FeedNotice[] = [...seqs];
  // A notification's payload is limited to 8000 bytes: a large unit goes in several.
  for (let i = 0; i < notices.length; i += 60) {
    await tx.query('SELECT pg_notify($1, $2)', [PAYMENT_REQUESTS_CHANNEL, JSON.stringify(notices.slice(i, i + 60))]);
  }
  return seqs;
}

export function parseFeedNotices(payload: string): FeedNotice[] | undefined {
  try {
    const v = JSON.parse(payload) as unknown;
    return Array.isArray(v) ? (v as FeedNotice[]) : undefined;
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
