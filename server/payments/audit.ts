/**
 * The append-only audit log of money events: who, what, when (UTC, the
 * database's clock), with the request's idempotency key. The table refuses
 * UPDATE and DELETE (a trigger), so history cannot be rewritten through SQL
 * either. Written in the same transaction as the change it records.
 */
import type { Queryable } from '../db/db.ts';

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

/** Several entries in one statement (a push of many payments). */
export async function auditMany(tx: Queryable, entries: AuditEntry[]): Promise<void> {
  if (entries.length === 0) return;
  await tx.query(
    `INSERT INTO audit_log (actor, action, payment_id, site_id, idempotency_key, amount, currency, details)
     SELECT u.actor, u.action, u.payment_id, u.site_id, u.key, u.amount, u.currency, u.details
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::text[], $8::jsonb[])
         AS u(actor, action, payment_id, site_id, key, amount, currency, details)`,
    [
      entries.map((e) => e.actor),
      entries.map((e) => e.action),
      entries.map((e) => e.paymentId ?? null),
      entries.map((e) => e.siteId ?? null),
      entries.map((e) => e.idempotencyKey ?? null),
      entries.map((e) => e.amount ?? null),
      entries.map((e) => e.currency ?? null),
      entries.map((e) => JSON.stringify(e.details ?? {})),
    ],
  );
}

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

export async function readAudit(
  db: Queryable,
  filter: { paymentId?: string; siteId?: string; afterSeq?: number; limit: number },
): Promise<AuditRow[]> {
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
