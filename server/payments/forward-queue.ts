/**
 * The queue of offline payments to forward to the acquirer (table
 * forward_queue). Rows are claimed with FOR UPDATE SKIP LOCKED and a lease:
 * several server processes share the work, and the rows of a worker that died
 * are claimed again when its lease runs out.
 */
import type { Queryable } from '../db/index.ts';

/**
 * Queues the offline payments (status "stored") a gateway's push created: one
 * statement of the push's own SQL (ServerCollection.createdSql), reading the
 * CTE `created` (id, seq, data), with the site as $2. So it commits with the
 * push. The forwarder hears of it through the payments change notice sent
 * after the commit (no notify inside the transaction: see
 * replication/change-notifier.ts), or by its timer.
 */
export const ENQUEUE_CREATED_OFFLINE_PAYMENTS_SQL = `INSERT INTO forward_queue (payment_id, site_id)
  SELECT c.id, $2 FROM created c WHERE c.data->>'status' = 'stored' ON CONFLICT DO NOTHING`;

export type ClaimedForward = { paymentId: string; siteId: string; attempts: number };

export async function claimForwards(db: Queryable, limit: number, leaseSeconds: number): Promise<ClaimedForward[]> {
  const { rows } = await db.query<{ payment_id: string; site_id: string; attempts: number }>(
    `UPDATE forward_queue SET lease_until = now() + make_interval(secs => $2), attempts = attempts + 1
      WHERE payment_id IN (
        SELECT payment_id FROM forward_queue WHERE lease_until <= now()
         ORDER BY enqueued_at LIMIT $1 FOR UPDATE SKIP LOCKED)
      RETURNING payment_id, site_id, attempts`,
    [limit, leaseSeconds],
  );
  return rows.map((r) => ({ paymentId: r.payment_id, siteId: r.site_id, attempts: Number(r.attempts) }));
}

export async function finishForward(tx: Queryable, paymentId: string): Promise<void> {
  await tx.query('DELETE FROM forward_queue WHERE payment_id = $1', [paymentId]);
}

/** The acquirer could not be reached: try again later, with backoff. */
export async function deferForward(db: Queryable, paymentId: string, delaySeconds: number, error: string): Promise<void> {
  await db.query('UPDATE forward_queue SET lease_until = now() + make_interval(secs => $2), last_error = $3 WHERE payment_id = $1', [paymentId, delaySeconds, error.slice(0, 500)]);
}

export async function queueLength(db: Queryable): Promise<number> {
  const { rows } = await db.query<{ n: string | number }>('SELECT COUNT(*) AS n FROM forward_queue');
  return Number(rows[0]!.n);
}
