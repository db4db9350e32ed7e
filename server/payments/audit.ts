/**
 * The append-only audit log of money events: who, what, when (UTC, the
 * database's clock), with the request's idempotency key. The table refuses
 * UPDATE and DELETE (a trigger), so history cannot be rewritten through SQL
 * either. Written in the same transaction as the change it records.
 */
import type { Queryable } from '../db/index.ts';

export type AuditEntry = {
  actor: string;
  action: string;
  paymentId?: string;
  siteId?: string;
  idempotencyKey?: string;
  amount?: number;
  currency?: string;
  details?: Record<string, unknown>;
};

export async function audit(tx: Queryable, e: AuditEntry): Promise<void> {
  await tx.query(
    `INSERT INTO audit_log (actor, action, payment_id, site_id, idempotency_key, amount, currency, details)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [e.actor, e.action, e.paymentId ?? null, e.siteId ?? null, e.idempotencyKey ?? null, e.amount ?? null, e.currency ?? null, JSON.stringify(e.details ?? {})],
  );
}

/**
 * The audit entries of payments a gateway's push created: one statement of
 * the push's own SQL (ServerCollection.createdSql), so they commit with it: it reads the CTE
 * `created` (id, seq, data) and takes the site as $2 and the gateway as $3.
 * Entries come in the push's order.
 */
export const AUDIT_CREATED_PAYMENTS_SQL = `INSERT INTO audit_log (actor, action, payment_id, site_id, idempotency_key, amount, currency)
  SELECT $3, CASE WHEN c.data->>'status' = 'stored' THEN 'payment.received-offline' ELSE 'payment.received' END,
         c.id, $2, c.id, (c.data->>'amount')::bigint, c.data->>'currency'
    FROM created c ORDER BY c.seq`;

export type AuditRow = {
  seq: number;
  at: string;
  actor: string;
  action: string;
  paymentId: string | null;
  siteId: string | null;
  idempotencyKey: string | null;
  amount: number | null;
  currency: string | null;
  details: Record<string, unknown>;
};

export async function readAudit(db: Queryable, filter: { paymentId?: string; siteId?: string; afterSeq?: number; limit: number }): Promise<AuditRow[]> {
  const { rows } = await db.query<any>(
    `SELECT seq, at, actor, action, payment_id, site_id, idempotency_key, amount, currency, details FROM audit_log
      WHERE ($1::text IS NULL OR payment_id = $1) AND ($2::text IS NULL OR site_id = $2) AND seq > $3
      ORDER BY seq LIMIT $4`,
    [filter.paymentId ?? null, filter.siteId ?? null, filter.afterSeq ?? 0, filter.limit],
  );
  return rows.map((r) => ({
    seq: Number(r.seq),
    at: new Date(r.at).toISOString(),
    actor: r.actor,
    action: r.action,
    paymentId: r.payment_id,
    siteId: r.site_id,
    idempotencyKey: r.idempotency_key,
    amount: r.amount === null ? null : Number(r.amount),
    currency: r.currency,
    details: r.details,
  }));
}
