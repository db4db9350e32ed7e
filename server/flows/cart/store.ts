/**
 * The cart flow's rows (migration 110): a session's pairing and checkout as
 * the server decided them, read from and written to `cart_session_outcomes`,
 * and the pushed session document as replication holds it (`documents`).
 */
import { type cartFlow, EdgePayError } from '../../../core/index.ts';
import type { Db, Queryable } from '../../db/index.ts';

type SessionDoc = cartFlow.CartSessionDoc;

export type OutcomeRow = {
  session_id: string;
  site_id: string;
  gateway_id: string;
  cart_id: string;
  user_id: string;
  checkout_id: string | null;
  request_id: string | null;
  amount: string | number | null;
  currency: string | null;
  checkout_state: 'pending' | 'charging' | 'paid' | 'declined' | 'expired' | 'failed' | null;
  payment_id: string | null;
  exit_pass: cartFlow.ExitPass | null;
  reason: string | null;
  version: string | number;
};

/** The session document the gateway pushed, or undefined. */
export async function pushedSession(db: Queryable, sessionId: string): Promise<{ doc: SessionDoc; seq: number } | undefined> {
  const { rows } = await db.query<{ data: SessionDoc; seq: string | number }>("SELECT data, seq FROM documents WHERE collection = 'cart-sessions' AND id = $1 AND NOT deleted", [sessionId]);
  return rows[0] ? { doc: rows[0].data, seq: Number(rows[0].seq) } : undefined;
}

export async function outcomeOf(db: Queryable, sessionId: string): Promise<OutcomeRow | undefined> {
  const { rows } = await db.query<OutcomeRow>('SELECT * FROM cart_session_outcomes WHERE session_id = $1', [sessionId]);
  return rows[0];
}

/** What the gateway's status call answers. */
export function statusOf(sessionId: string, row: OutcomeRow | undefined): cartFlow.CartSessionStatus {
  if (!row) return { sessionId, paired: false, checkout: null, version: 0 };
  const state = row.checkout_state === 'charging' ? 'pending' : row.checkout_state;
  return {
    sessionId,
    paired: true,
    checkout:
      state && row.request_id
        ? {
            state,
            requestId: row.request_id,
            amount: Number(row.amount),
            currency: row.currency!,
            ...(row.payment_id && state === 'paid' ? { paymentId: row.payment_id } : {}),
            ...(row.exit_pass ? { exitPass: row.exit_pass } : {}),
            ...(row.reason ? { reason: row.reason } : {}),
          }
        : null,
    version: Number(row.version),
  };
}

/** Pairs a user's phone with a session: the first phone wins; the same phone again is fine. */
export async function pair(db: Db, doc: SessionDoc, userId: string): Promise<void> {
  const { rows } = await db.query<{ user_id: string }>(
    `INSERT INTO cart_session_outcomes (session_id, site_id, gateway_id, cart_id, user_id) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (session_id) DO NOTHING
     RETURNING user_id`,
    [doc.id, doc.siteId, doc.gatewayId, doc.cartId, userId],
  );
  if (rows[0]) return;
  const existing = await outcomeOf(db, doc.id);
  if (existing?.user_id !== userId) throw new EdgePayError('CART_ALREADY_PAIRED');
}

/** The session the user paired with last (the phone's cart). */
export async function latestPairedSession(db: Queryable, userId: string): Promise<string | undefined> {
  const { rows } = await db.query<{ session_id: string }>('SELECT session_id FROM cart_session_outcomes WHERE user_id = $1 ORDER BY paired_at DESC LIMIT 1', [userId]);
  return rows[0]?.session_id;
}

/** Records a new checkout (its request to pay and the payment id it will charge), replacing a declined or expired one. */
export async function startCheckout(db: Queryable, sessionId: string, c: { checkoutId: string; requestId: string; amount: number; currency: string; paymentId: string }): Promise<boolean> {
  const { rows } = await db.query(
    `UPDATE cart_session_outcomes SET checkout_id = $2, request_id = $3, amount = $4, currency = $5, payment_id = $6,
       checkout_state = 'pending', exit_pass = NULL, reason = NULL, claimed_at = NULL, version = version + 1, updated_at = now()
     WHERE session_id = $1 AND (checkout_state IS NULL OR checkout_state IN ('declined', 'expired', 'failed')) RETURNING session_id`,
    [sessionId, c.checkoutId, c.requestId, c.amount, c.currency, c.paymentId],
  );
  return rows.length === 1;
}

/** Takes a pending checkout whose request was approved for charging (one process wins; a stale claim is taken over). */
export async function claimForCharge(db: Queryable, requestId: string): Promise<OutcomeRow | undefined> {
  const { rows } = await db.query<OutcomeRow>(
    `UPDATE cart_session_outcomes SET checkout_state = 'charging', claimed_at = now(), updated_at = now()
     WHERE request_id = $1 AND (checkout_state = 'pending' OR (checkout_state = 'charging' AND claimed_at < now() - interval '30 seconds'))
     RETURNING *`,
    [requestId],
  );
  return rows[0];
}

/** The checkout's end: paid (with its exit pass), declined, expired or failed. */
export async function finishCheckout(
  db: Queryable,
  requestId: string,
  from: readonly string[],
  end: { state: 'paid' | 'declined' | 'expired' | 'failed'; reason?: string; exitPass?: cartFlow.ExitPass },
): Promise<OutcomeRow | undefined> {
  const { rows } = await db.query<OutcomeRow>(
    `UPDATE cart_session_outcomes SET checkout_state = $2, reason = $3, exit_pass = $4::jsonb, version = version + 1, updated_at = now()
     WHERE request_id = $1 AND checkout_state = ANY($5::text[]) RETURNING *`,
    [requestId, end.state, end.reason ?? null, end.exitPass ? JSON.stringify(end.exitPass) : null, from],
  );
  return rows[0];
}

/** Open checkouts whose request to pay is final: the sweep's catch-up for notices missed (another process, a restart). */
export async function settledRequests(db: Queryable): Promise<{ request_id: string; state: string }[]> {
  const { rows } = await db.query<{ request_id: string; state: string }>(
    `SELECT c.request_id,
            CASE WHEN r.state = 'pending' AND r.expires_at <= now() THEN 'expired' ELSE r.state END AS state
     FROM cart_session_outcomes c JOIN payment_requests r ON r.id = c.request_id
     WHERE (c.checkout_state = 'pending' OR (c.checkout_state = 'charging' AND c.claimed_at < now() - interval '30 seconds'))
       AND (r.state <> 'pending' OR r.expires_at <= now())
     LIMIT 100`,
  );
  return rows;
}
