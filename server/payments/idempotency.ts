/**
 * Idempotency of state-changing requests (DESIGN.md section 4), in the
 * database so that every server process sees the same keys:
 * - the same key with the same body returns the first answer;
 * - the same key with another body is refused (IDEMPOTENCY_KEY_REUSED);
 * - concurrent requests with one key run once: the first claims the key with
 *   a lease, the others wait for its answer. If the claimer dies, its lease
 *   runs out and the next request takes over (safe, because what it calls is
 *   idempotent under the same key too).
 * Keys are kept 48 hours (at least the 24 promised), then swept.
 */
import { createHash } from 'node:crypto';
import { EdgePayError, isEdgePayError } from '../../core/index.ts';
import type { Db } from '../db/index.ts';

export type StoredAnswer = { statusCode: number; body: unknown };

/**
 * A condition that makes the statement's own transaction commit without
 * waiting for its WAL flush (synchronous_commit off, for that transaction
 * only; issue 24). Other sessions see the row at once; only a crash of
 * PostgreSQL itself (not of a server process) within a fraction of a second
 * can lose it. Why that loses or doubles nothing (async-commits.test.ts makes
 * each loss by hand):
 * - the claim commits before the work, so its commit record precedes the
 *   payment decision's in the WAL, and the decision's synchronous commit
 *   flushes the WAL up to itself: if the decision survived, so did the claim;
 * - the answer is stored after the decision; lost, the claim's lease lapses
 *   and the next request with the key runs the work again, which answers from
 *   the durable state: a decided payment is answered as it is, and a refund or
 *   void finds its own audit entry under the key (authority.ts `OnceUnder`).
 * (The same holds when a server process dies between the decision and the
 * answer, synchronous or not.) Saves two sequential fsyncs per request.
 */
const ASYNC_COMMIT = "set_config('synchronous_commit', 'off', true) IS NOT NULL";

export function requestHash(route: string, body: unknown): string {
  return createHash('sha256').update(route).update('\n').update(canonicalJson(body)).digest('hex');
}

/** JSON with sorted keys, so key order in a retried body does not matter. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return '[' + value.map(canonicalJson).join(',') + ']';
  if (value && typeof value === 'object') {
    return (
      '{' +
      Object.keys(value)
        .sort()
        .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
        .map((k) => JSON.stringify(k) + ':' + canonicalJson((value as Record<string, unknown>)[k]))
        .join(',') +
      '}'
    );
  }
  return JSON.stringify(value) ?? 'null';
}

export type IdempotencyOptions = { leaseMs?: number; pollMs?: number; maxWaitMs?: number };

export async function runIdempotent(
  db: Db,
  scope: string,
  key: string,
  hash: string,
  work: () => Promise<StoredAnswer>,
  options: IdempotencyOptions = {},
): Promise<StoredAnswer & { replayed: boolean }> {
  const leaseMs = options.leaseMs ?? 30_000;
  const pollMs = options.pollMs ?? 20;
  const deadline = Date.now() + (options.maxWaitMs ?? leaseMs + 10_000);
  for (;;) {
    const claimed = await db.query(
      `INSERT INTO idempotency_keys (scope, key, request_hash, state, lease_until)
       SELECT $1, $2, $3, 'running', now() + make_interval(secs => $4::double precision) WHERE ${ASYNC_COMMIT}
       ON CONFLICT (scope, key) DO UPDATE
         SET lease_until = EXCLUDED.lease_until
         WHERE idempotency_keys.state = 'running' AND idempotency_keys.lease_until < now()
           AND idempotency_keys.request_hash = EXCLUDED.request_hash
       RETURNING key`,
      [scope, key, hash, leaseMs / 1000],
    );
    if (claimed.rows.length > 0) return { ...(await runAndStore(db, scope, key, work)), replayed: false };

    const { rows } = await db.query<{ request_hash: string; state: string; status_code: number | null; response: string | null }>(
      'SELECT request_hash, state, status_code, response FROM idempotency_keys WHERE scope = $1 AND key = $2',
      [scope, key],
    );
    const row = rows[0];
    if (!row) continue; // swept or released between our two statements: claim again
    if (row.request_hash !== hash) throw new EdgePayError('IDEMPOTENCY_KEY_REUSED', { key });
    if (row.state === 'done') return { statusCode: row.status_code ?? 200, body: JSON.parse(row.response ?? 'null'), replayed: true };
    if (Date.now() > deadline) throw new EdgePayError('IDEMPOTENCY_IN_PROGRESS', { key });
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

async function runAndStore(db: Db, scope: string, key: string, work: () => Promise<StoredAnswer>): Promise<StoredAnswer> {
  let answer: StoredAnswer;
  try {
    answer = await work();
  } catch (err) {
    if (!isEdgePayError(err) || err.httpStatus >= 500) {
      // Not a decision: let a retry run the work again.
      await db.query('DELETE FROM idempotency_keys WHERE scope = $1 AND key = $2', [scope, key]);
      throw err;
    }
    // A refusal is an answer too: the same request gets the same refusal.
    answer = { statusCode: err.httpStatus, body: err.toJSON() };
  }
  await storeAnswer(db, { scope, key, status: answer.statusCode, response: JSON.stringify(answer.body) });
  return answer;
}

type Answer = { scope: string; key: string; status: number; response: string };
type AnswerGroup = { queue: { answer: Answer; resolve: () => void; reject: (err: unknown) => void }[]; writing: boolean };
const ANSWER_GROUPS = new WeakMap<Db, AnswerGroup>();

/**
 * Stores a key's answer. The answers that arrive while the previous group is
 * being written go together in one UPDATE (one round trip for many requests
 * at a busy server; issue 24); each caller waits for its own group.
 */
function storeAnswer(db: Db, answer: Answer): Promise<void> {
  let group = ANSWER_GROUPS.get(db);
  if (!group) ANSWER_GROUPS.set(db, (group = { queue: [], writing: false }));
  const g = group;
  return new Promise((resolve, reject) => {
    g.queue.push({ answer, resolve, reject });
    if (!g.writing) void writeAnswers(db, g);
  });
}

async function writeAnswers(db: Db, g: AnswerGroup): Promise<void> {
  g.writing = true;
  try {
    while (g.queue.length > 0) {
      const batch = g.queue;
      g.queue = [];
      try {
        await db.query(
          `UPDATE idempotency_keys k SET state = 'done', status_code = a.status, response = a.response
             FROM jsonb_to_recordset($1::jsonb) AS a(scope text, key text, status integer, response text)
            WHERE k.scope = a.scope AND k.key = a.key AND ${ASYNC_COMMIT}`,
          [JSON.stringify(batch.map((b) => b.answer))],
        );
        for (const b of batch) b.resolve();
      } catch (err) {
        for (const b of batch) b.reject(err);
      }
    }
  } finally {
    g.writing = false;
  }
}

export async function sweepIdempotencyKeys(db: Db): Promise<number> {
  const { rows } = await db.query("DELETE FROM idempotency_keys WHERE expires_at < now() AND state = 'done' RETURNING key");
  return rows.length;
}
