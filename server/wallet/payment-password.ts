/**
 * The 6-digit payment password, as Korean wallets use where no passkey is at
 * hand. Six digits are only a million guesses, so what protects it is the
 * server: scrypt with real cost (N=2^15, r=8, p=1: 32 MiB and ~50-100 ms per
 * check, parameters stored with the hash), and 5 wrong tries lock it for a
 * set time. The attempt is counted BEFORE the check, in one statement, so
 * parallel guesses from several server processes cannot slip past the count.
 */
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { EdgePayError } from '../../core/index.ts';
import type { Queryable } from '../db/index.ts';

export const MAX_PASSWORD_FAILURES = 5;
export const DEFAULT_PASSWORD_LOCK_MS = 15 * 60_000;
type KdfParams = { N: number; r: number; p: number; keylen: number };
const PARAMS: KdfParams = { N: 2 ** 15, r: 8, p: 1, keylen: 32 };

function kdf(password: string, salt: Buffer, params: KdfParams): Promise<Buffer> {
  const options: ScryptOptions = { N: params.N, r: params.r, p: params.p, maxmem: 256 * params.N * params.r };
  return new Promise((resolve, reject) => scrypt(password, salt, params.keylen, options, (err, key) => (err ? reject(err) : resolve(key))));
}

export function checkPasswordFormat(password: unknown): string {
  if (typeof password !== 'string' || !/^[0-9]{6}$/.test(password)) throw new EdgePayError('PAYMENT_PASSWORD_FORMAT');
  return password;
}

export async function hasPaymentPassword(db: Queryable, userId: string): Promise<boolean> {
  return (await db.query('SELECT 1 FROM wallet_payment_passwords WHERE user_id = $1', [userId])).rows.length > 0;
}

/** Sets (or replaces) the password; replacing one needs the current password, checked like any other try. */
export async function setPaymentPassword(db: Queryable, userId: string, password: string, currentPassword: string | undefined, lockMs = DEFAULT_PASSWORD_LOCK_MS): Promise<void> {
  checkPasswordFormat(password);
  if (await hasPaymentPassword(db, userId)) {
    if (currentPassword === undefined) throw new EdgePayError('REQUEST_INVALID', { reason: 'currentPassword is needed to change the payment password' });
    await checkPaymentPassword(db, userId, currentPassword, lockMs);
  }
  const salt = randomBytes(16);
  const hash = await kdf(password, salt, PARAMS);
  await db.query(
    `INSERT INTO wallet_payment_passwords (user_id, hash, salt, params, failed, locked_until, updated_at)
     VALUES ($1, $2, $3, $4, 0, NULL, now())
     ON CONFLICT (user_id) DO UPDATE SET hash = $2, salt = $3, params = $4, failed = 0, locked_until = NULL, updated_at = now()`,
    [userId, hash.toString('base64'), salt.toString('base64'), JSON.stringify(PARAMS)],
  );
}

/**
 * Resolves if `password` is the user's; else throws PAYMENT_PASSWORD_INVALID
 * (with the tries left), PAYMENT_PASSWORD_LOCKED, PAYMENT_PASSWORD_NOT_SET.
 */
export async function checkPaymentPassword(db: Queryable, userId: string, password: unknown, lockMs = DEFAULT_PASSWORD_LOCK_MS): Promise<void> {
  // Count the try first. A lock that has run out starts a fresh count. The
  // try that reaches the limit sets the lock in the same statement (lifted
  // again if that try was right), so no crash or race leaves it half done.
  const claimed = await db.query<{ failed: number; hash: string; salt: string; params: KdfParams }>(
    `UPDATE wallet_payment_passwords SET
       failed = CASE WHEN locked_until IS NOT NULL THEN 1 ELSE failed + 1 END,
       locked_until = CASE WHEN (CASE WHEN locked_until IS NOT NULL THEN 1 ELSE failed + 1 END) >= $2
                           THEN now() + $3 * interval '1 millisecond' ELSE NULL END
     WHERE user_id = $1 AND (locked_until IS NULL OR locked_until <= now())
     RETURNING failed, hash, salt, params`,
    [userId, MAX_PASSWORD_FAILURES, lockMs],
  );
  const row = claimed.rows[0];
  if (!row) {
    const state = await db.query<{ retry_s: string }>('SELECT ceil(extract(epoch FROM (coalesce(locked_until, now()) - now())))::bigint AS retry_s FROM wallet_payment_passwords WHERE user_id = $1', [
      userId,
    ]);
    if (!state.rows[0]) throw new EdgePayError('PAYMENT_PASSWORD_NOT_SET');
    throw new EdgePayError('PAYMENT_PASSWORD_LOCKED', { retryAfterSeconds: Math.max(1, Number(state.rows[0].retry_s)) });
  }
  // A wrongly shaped password is a wrong try too (it was counted), but skips the KDF.
  const ok = typeof password === 'string' && /^[0-9]{6}$/.test(password) && timingSafeEqual(await kdf(password, Buffer.from(row.salt, 'base64'), row.params), Buffer.from(row.hash, 'base64'));
  if (ok) {
    await db.query('UPDATE wallet_payment_passwords SET failed = 0, locked_until = NULL WHERE user_id = $1', [userId]);
    return;
  }
  if (row.failed >= MAX_PASSWORD_FAILURES) {
    throw new EdgePayError('PAYMENT_PASSWORD_LOCKED', { retryAfterSeconds: Math.max(1, Math.ceil(lockMs / 1000)) });
  }
  throw new EdgePayError('PAYMENT_PASSWORD_INVALID', { attemptsLeft: MAX_PASSWORD_FAILURES - row.failed });
}
