/**
 * Sign-in rate limits, counted in the database: fixed windows per key
 * (`ip:<address>`, `phone:<e164>`), one upsert per attempt. Why not
 * @fastify/rate-limit: its store is a process's memory (or Redis, which we
 * do not run), so N server processes behind one address would each grant the
 * full allowance and a revocation of it would not travel; the database is
 * already shared and the count is one statement.
 */
import { EdgePayError } from '../../core/index.ts';
import type { Queryable } from '../db/index.ts';

export type Limit = { limit: number; windowMs: number };
export type SignInLimits = { perIp: Limit; perPhone: Limit };
export const DEFAULT_SIGN_IN_LIMITS: SignInLimits = {
  perIp: { limit: 30, windowMs: 60_000 },
  perPhone: { limit: 10, windowMs: 10 * 60_000 },
};

/** Counts one attempt under `key`; throws WALLET_SIGN_IN_RATE_LIMITED once the window's limit is passed. */
export async function countAttempt(db: Queryable, key: string, { limit, windowMs }: Limit): Promise<void> {
  const r = await db.query<{ count: number; retry_ms: string }>(
    `WITH w AS (SELECT to_timestamp(floor(extract(epoch FROM now()) * 1000 / $2) * $2 / 1000.0) AS start)
     INSERT INTO wallet_rate_limits (key, window_start, count) SELECT $1, w.start, 1 FROM w
     ON CONFLICT (key, window_start) DO UPDATE SET count = wallet_rate_limits.count + 1
     RETURNING count, (extract(epoch FROM (window_start - now())) * 1000 + $2)::bigint AS retry_ms`,
    [key, windowMs],
  );
  const row = r.rows[0]!;
  // Old windows are of no use; a few calls in a hundred sweep them.
  if (Math.random() < 0.02) await db.query("DELETE FROM wallet_rate_limits WHERE window_start < now() - interval '1 day'");
  if (row.count > limit) {
    throw new EdgePayError('WALLET_SIGN_IN_RATE_LIMITED', { retryAfterSeconds: Math.max(1, Math.ceil(Number(row.retry_ms) / 1000)) });
  }
}
