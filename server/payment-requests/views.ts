/**
 * Rows to wire views. The state is decided in SQL (`STATE_SQL`): a pending
 * request past its deadline reads as expired in every process, before any
 * sweeper has written it.
 */
import type { PaymentRequestItem, PaymentRequestState, PaymentRequestView, PhonePaymentRequestView } from '../../core/index.ts';

export const STATE_SQL = `CASE WHEN r.state = 'pending' AND r.expires_at <= now() THEN 'expired' ELSE r.state END`;

/** A timestamp as JavaScript's toISOString() writes it, made by the database, so views and stored events agree to the character. */
export const isoSql = (expr: string) => `to_char(${expr} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/** The columns every read and RETURNING uses (table alias `r`). */
export const ROW_COLUMNS = `r.id, r.requester_kind, r.requester_id, r.site_id, r.payee_id, r.payee_name, r.amount, r.currency,
  r.items, r.place, r.note, ${STATE_SQL} AS state, r.state AS stored_state, ${isoSql('r.created_at')} AS created_at,
  ${isoSql('r.expires_at')} AS expires_at, ${isoSql('r.answered_at')} AS answered_at, r.answered_by, r.approval_method`;

export type RequestRow = {
  id: string;
  requester_kind: 'site' | 'gateway' | 'merchant';
  requester_id: string;
  site_id: string | null;
  payee_id: string;
  payee_name: string;
  amount: string | number;
  currency: string;
  items: PaymentRequestItem[];
  place: string | null;
  note: string | null;
  state: PaymentRequestState;
  stored_state: PaymentRequestState;
  created_at: string;
  expires_at: string;
  answered_at: string | null;
  answered_by: string | null;
  approval_method: 'passkey' | 'password' | 'dongle' | null;
};

export function requesterView(row: RequestRow): PaymentRequestView {
  return {
    id: row.id,
    state: row.state,
    amount: Number(row.amount),
    currency: row.currency,
    payee: { id: row.payee_id, name: row.payee_name },
    items: row.items,
    place: row.place,
    note: row.note,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    answeredAt: row.answered_at,
    approvalMethod: row.approval_method,
  };
}

export function phoneView(row: RequestRow, userId: string): PhonePaymentRequestView {
  return { ...requesterView(row), answeredByYou: row.answered_by !== null && row.answered_by === userId };
}
