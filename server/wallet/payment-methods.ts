/**
 * A user's payment methods: acquirer tokens, shown as BIN + last 4. The BIN
 * and last 4 come from what the acquirer kept of the token, never from the
 * page, and a token joins one wallet only.
 */
import { EdgePayError, uuidV7, type PaymentMethodView } from '../../core/index.ts';
import type { Db, Queryable } from '../db/index.ts';
import { cardOfToken } from '../payments/index.ts';

type MethodRow = { id: string; token: string; bin: string; last4: string; is_default: boolean; created_at: Date | string };

const view = (r: MethodRow): PaymentMethodView => ({
  id: r.id,
  bin: r.bin,
  last4: r.last4,
  isDefault: r.is_default,
  createdAt: new Date(r.created_at).toISOString(),
});

export async function listPaymentMethods(db: Queryable, userId: string): Promise<PaymentMethodView[]> {
  const r = await db.query<MethodRow>('SELECT id, token, bin, last4, is_default, created_at FROM wallet_payment_methods WHERE user_id = $1 ORDER BY created_at, id', [userId]);
  return r.rows.map(view);
}

/** Adds a tokenised card; the first one (or `makeDefault`) becomes the default. */
export async function addPaymentMethod(db: Db, userId: string, token: string, makeDefault = false): Promise<PaymentMethodView> {
  if (typeof token !== 'string' || !/^tok_[A-Za-z0-9_-]{1,200}$/.test(token)) throw new EdgePayError('WALLET_TOKEN_UNKNOWN');
  const card = await cardOfToken(db, token);
  if (!card) throw new EdgePayError('WALLET_TOKEN_UNKNOWN');
  return db.transaction(async (tx) => {
    // One default per user is a unique index; lock the user's row so two adds do not both see "no default yet".
    await tx.query('SELECT id FROM wallet_users WHERE id = $1 FOR UPDATE', [userId]);
    const hasDefault = (await tx.query('SELECT 1 FROM wallet_payment_methods WHERE user_id = $1 AND is_default', [userId])).rows.length > 0;
    const isDefault = makeDefault || !hasDefault;
    if (isDefault) await tx.query('UPDATE wallet_payment_methods SET is_default = false WHERE user_id = $1 AND is_default', [userId]);
    const r = await tx.query<MethodRow>(
      `INSERT INTO wallet_payment_methods (id, user_id, token, bin, last4, is_default) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (token) DO NOTHING RETURNING id, token, bin, last4, is_default, created_at`,
      [uuidV7(), userId, card.token, card.bin, card.last4, isDefault],
    );
    if (!r.rows[0]) throw new EdgePayError('WALLET_TOKEN_UNKNOWN');
    return view(r.rows[0]);
  });
}

export async function setDefaultPaymentMethod(db: Db, userId: string, methodId: string): Promise<void> {
  await db.transaction(async (tx) => {
    const found = await tx.query('SELECT 1 FROM wallet_payment_methods WHERE id = $1 AND user_id = $2 FOR UPDATE', [methodId, userId]);
    if (found.rows.length === 0) throw new EdgePayError('WALLET_PAYMENT_METHOD_UNKNOWN');
    await tx.query('UPDATE wallet_payment_methods SET is_default = false WHERE user_id = $1 AND is_default', [userId]);
    await tx.query('UPDATE wallet_payment_methods SET is_default = true WHERE id = $1', [methodId]);
  });
}

/** The user's default payment method (a token from the sandbox acquirer), for charging an approval. */
export async function defaultPaymentMethod(db: Queryable, userId: string): Promise<{ token: string; bin: string; last4: string } | undefined> {
  const r = await db.query<MethodRow>('SELECT token, bin, last4 FROM wallet_payment_methods WHERE user_id = $1 AND is_default', [userId]);
  const row = r.rows[0];
  return row ? { token: row.token, bin: row.bin, last4: row.last4 } : undefined;
}
