/**
 * Voiding pending transfers past their timeout. The work is the database
 * function ledger_sweep_expired_pending: one process at a time sweeps (a
 * transaction-scoped advisory lock; the others return at once), so every
 * server process may run the loop below.
 */
import type { Queryable } from '../db/index.ts';
import { int } from './rows.ts';

/** Voids up to `max` expired pending transfers; answers how many it voided. */
export async function sweepExpiredPending(db: Queryable, max = 1000): Promise<number> {
  const { rows } = await db.query('SELECT ledger_sweep_expired_pending($1) AS voided', [max]);
  return int(rows[0]?.['voided'] ?? 0, 'voided');
}

/**
 * Sweeps every `intervalMs` (and again at once while a sweep was full) until
 * the returned function is called. Errors (a lost connection) are reported to
 * `onError` and the loop goes on.
 */
export function startPendingSweeper(
  db: Queryable,
  options: {
    intervalMs?: number;
    max?: number;
    onError?: (err: unknown) => void;
    /** After a sweep that voided something: the owners of the voided transfers follow (a payment expires). */
    onSwept?: (voided: number) => Promise<unknown>;
  } = {},
): () => Promise<void> {
  const intervalMs = options.intervalMs ?? 1000;
  const max = options.max ?? 1000;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  const tick = (): void => {
    running = (async () => {
      let again = false;
      try {
        const voided = await sweepExpiredPending(db, max);
        again = voided >= max;
        if (voided > 0) await options.onSwept?.(voided);
      } catch (err) {
        options.onError?.(err);
      }
      if (!stopped) timer = setTimeout(tick, again ? 0 : intervalMs);
    })();
  };
  timer = setTimeout(tick, intervalMs);
  return async () => {
    stopped = true;
    clearTimeout(timer);
    await running;
  };
}
