/**
 * The credit worker, in every server process (nothing lives in one process
 * only): follows buyers' answers to their loans' requests to pay, lapses
 * authorisations not captured in time, and marks overdue instalments late.
 * Each step locks its loan row and re-checks the state, so workers racing in
 * two processes act once. Woken early by a request-to-pay notice (any
 * process) or a nudge; otherwise every `intervalMs`.
 */
import { PAYMENT_REQUESTS_CHANNEL } from '../../payment-requests/index.ts';
import { markLate } from './buyer.ts';
import type { CreditContext } from './context.ts';
import { expireLoan, followBuyerAnswer } from './loans.ts';

/**
 * Whether a request-to-pay notice ([feed, seq, {type, ...}]) only announces a new request: no
 * loan has anything to follow then (every approval makes one: at a busy PG most notices are
 * these). Anything else, or a notice too large to carry its event, wakes the worker.
 */
function isNewRequest(payload: string): boolean {
  try {
    const notice = JSON.parse(payload) as unknown;
    return Array.isArray(notice) && typeof notice[0] === 'string' && (notice[2] as { type?: unknown } | undefined)?.type === 'request';
  } catch {
    return false;
  }
}

export type CreditWorker = { nudge(): void; stop(): Promise<void>; pass(): Promise<void> };

export async function startCreditWorker(ctx: Omit<CreditContext, 'nudge'>, options: { intervalMs: number; onError: (err: unknown) => void }): Promise<CreditWorker> {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let again = false;
  let stopped = false;
  // At most one pass per MIN_GAP_MS however often it is woken (every request to pay notifies).
  const MIN_GAP_MS = 100;
  let lastPassEnd = 0;
  const full: CreditContext = { ...ctx, nudge: () => schedule(20) };

  async function pass(): Promise<void> {
    // Only loans whose request to pay is answered or past its deadline (or was never made):
    // one indexed join, so a pass costs nothing per loan still waiting for its buyer.
    // (The request's own table is read here, not written; its context decides its state.)
    const { rows: waiting } = await ctx.db.query<{ id: string }>(
      `SELECT l.id FROM credit_loans l LEFT JOIN payment_requests r ON r.id = l.request_id
       WHERE l.state = 'awaiting-buyer'
         AND (r.id IS NULL AND l.created_at < now() - interval '60 seconds' OR r.state <> 'pending' OR r.expires_at <= now())
       ORDER BY l.created_at LIMIT 200`,
    );
    for (const { id } of waiting) await followBuyerAnswer(full, id);
    const { rows: lapsed } = await ctx.db.query<{ id: string }>(`SELECT id FROM credit_loans WHERE state = 'authorised' AND expires_at <= now() ORDER BY expires_at LIMIT 200`);
    for (const { id } of lapsed) await expireLoan(full, id);
    await markLate(ctx.db);
  }

  function run(): void {
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    running = pass()
      .catch((err) => {
        if (!stopped) options.onError(err);
      })
      .finally(() => {
        running = undefined;
        lastPassEnd = Date.now();
        if (again) {
          again = false;
          schedule(20);
        } else schedule(options.intervalMs);
      });
  }
  // When the pass set to come is due; a wake-up never moves it later. (Before, each notice
  // reset the timer to 20 ms from then: under a steady stream of requests to pay, one every
  // few ms, the pass never came until the stream stopped.)
  let dueAt = Number.POSITIVE_INFINITY;
  function schedule(ms: number): void {
    if (stopped) return;
    const delay = Math.max(ms, lastPassEnd + MIN_GAP_MS - Date.now());
    if (timer && dueAt <= Date.now() + delay) return;
    if (timer) clearTimeout(timer);
    dueAt = Date.now() + delay;
    timer = setTimeout(() => {
      timer = undefined;
      dueAt = Number.POSITIVE_INFINITY;
      run();
    }, delay);
    timer.unref?.();
  }

  const unlisten = await ctx.db.listen(
    PAYMENT_REQUESTS_CHANNEL,
    (payload) => {
      if (!isNewRequest(payload)) schedule(20);
    },
    () => schedule(20),
  );
  schedule(options.intervalMs);
  return {
    nudge: () => schedule(20),
    pass: () => pass(),
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
      await unlisten();
    },
  };
}
