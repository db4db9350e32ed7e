/**
 * Writes `expired` (and its events) for requests nobody answered in time.
 *
 * Runs in every server process: the expiry itself is a conditional UPDATE, so
 * sweepers racing on one request write it once. Each wakes at the next
 * deadline it knows of (by the database's clock) and at least every
 * `maxIntervalMs`, so requests created by another process, or before a
 * restart, expire on time too. Readers never wait for it: a pending request
 * past its deadline already reads as expired (views.ts).
 */
import type { Db } from '../db/index.ts';
import { expireRequest, msUntilNextDeadline, overdueRequests } from './store.ts';

export type Sweeper = { poke(deadlineInMs: number): void; stop(): Promise<void> };

export function startSweeper(db: Db, options: { maxIntervalMs?: number; onError?: (err: unknown) => void } = {}): Sweeper {
  const maxInterval = options.maxIntervalMs ?? 1000;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let running: Promise<void> | undefined;
  let dueAt = Infinity;
  /** A deadline learnt while a sweep ran (it may have planned without it). */
  let learnt: number | undefined;

  const schedule = (ms: number) => {
    if (stopped) return;
    clearTimeout(timer);
    const wait = Math.min(maxInterval, Math.max(0, ms));
    dueAt = Date.now() + wait;
    timer = setTimeout(() => void run(), wait);
  };

  const sweep = async () => {
    let next: number | undefined;
    try {
      for (;;) {
        const due = await overdueRequests(db);
        for (const id of due) if (!stopped) await expireRequest(db, id);
        if (due.length < 200 || stopped) break;
      }
      next = await msUntilNextDeadline(db);
    } catch (err) {
      if (!stopped) options.onError?.(err);
    }
    // A few ms past the deadline, so `expires_at <= now()` holds when it runs.
    let wait = next === undefined ? maxInterval : next + 5;
    if (learnt !== undefined) wait = Math.min(wait, learnt - Date.now());
    learnt = undefined;
    schedule(wait);
  };

  const run = () => {
    if (stopped) return;
    if (running) return;
    running = sweep().finally(() => (running = undefined));
  };

  run();
  return {
    /** A request created here expires in `deadlineInMs`: wake up then if that is sooner. */
    poke: (deadlineInMs) => {
      const at = Date.now() + deadlineInMs + 5;
      if (running) learnt = Math.min(learnt ?? Infinity, at);
      else if (at < dueAt) schedule(at - Date.now());
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
