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

export type CreditWorker = { nudge(): void; stop(): Promise<void>; pass(): Promise<void> };

export async function startCreditWorker(ctx: Omit<CreditContext, 'nudge'>, options: { intervalMs: number; onError: (err: unknown) => void }): Promise<CreditWorker> {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let again = false;
  let stopped = false;
  const full: CreditContext = { ...ctx, nudge: () => schedule(20) };

  async function pass(): Promise<void> {
    const { rows: waiting } = await ctx.db.query<{ id: string }>(`SELECT id FROM credit_loans WHERE state = 'awaiting-buyer' ORDER BY created_at LIMIT 200`);
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
        if (again) {
          again = false;
          schedule(20);
        } else schedule(options.intervalMs);
      });
  }
  function schedule(ms: number): void {
    if (stopped) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(run, ms);
    timer.unref?.();
  }

  const unlisten = await ctx.db.listen(PAYMENT_REQUESTS_CHANNEL, () => schedule(20), () => schedule(20));
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
