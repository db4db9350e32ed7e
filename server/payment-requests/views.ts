/**
 * Rows to wire views. The state is decided in SQL (`STATE_SQL`): a pending
 * request past its deadline reads as expired in every process, before any
 * sweeper has written it.
 */
import type { PaymentRequestItem, PaymentRequestState, PaymentRequestView, PhonePaymentRequestView } from '../../core/index.ts';

export const STATE_SQL = `CASE WHEN r.state = 'pending' AND r.expires_at <= now() THEN 'expired' ELSE r.state END`;

/** The columns every read and RETURNING uses (table alias `r`). */
export const ROW_COLUMNS = `r.id, r.requester_kind, r.requester_id, r.site_id, r.payee_id, r.payee_name, r.amount, r.currency,
  r.items, r.place, r.note, ${STATE_SQL} AS state, r.state AS stored_state, r.created_at, r.expires_at,
  r.answered_at, r.answered_by, r.approval_method`;

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
  created_at: Date | string;
  expires_at: Date | string;
  answered_at: Date | string | null;
  answered_by: string | null;
  approval_method: 'passkey' | 'password' | null;
};

const iso = (t: Date | string) => new Date(t).toISOString();

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
    createdAt: iso(row.created_at),
    expiresAt: iso(row.expires_at),
    answeredAt: row.answered_at ? iso(row.answered_at) : null,
    approvalMethod: row.approval_method,
  };
}

export function phoneView(row: RequestRow, userId: string): PhonePaymentRequestView {
  return { ...requesterView(row), answeredByYou: row.answered_by !== null && row.answered_by === userId };
}
