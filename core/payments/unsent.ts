/**
 * "Unsent": the one rule for which payments count as not yet in the server's
 * hands. The kiosk's offline limits, the kiosk's offline banner, the
 * console's unsent card and the sync status all count by it.
 *
 * A payment is unsent while it is `stored`: recorded offline and not yet
 * taken over by the server (forwarded to the acquirer, or decided). Until
 * then the store carries its risk, so it counts against the offline limits
 * even after the server has received it (its receipt, `serverUpdatedAt`,
 * came down) but not forwarded it yet. An online payment (`created`) is not
 * unsent: it went to the server with its authorisation request, and if that
 * request failed the card was not charged and the server expires it.
 */
import type { CurrencyCode } from '../currencies.ts';
import { sum, type Money } from '../money.ts';
import type { PaymentDoc } from '../schemas/payments.ts';

/** Count and sums per currency of unsent payments. */
export type UnsentSummary = { count: number; sums: Money[] };

/** The rule as a Mango selector, for a ledger query (the `status` index decides it). */
export const UNSENT_PAYMENTS_SELECTOR = Object.freeze({ status: 'stored' as const });

/** The rule over one document; the same as UNSENT_PAYMENTS_SELECTOR. */
export function isUnsentPayment(payment: Pick<PaymentDoc, 'status'>): boolean {
  return payment.status === UNSENT_PAYMENTS_SELECTOR.status;
}

/** Count and sums per currency (in first-seen order) of the unsent ones among `payments`. */
export function summariseUnsent(payments: readonly Pick<PaymentDoc, 'status' | 'amount' | 'currency'>[]): UnsentSummary {
  const byCurrency = new Map<CurrencyCode, Money[]>();
  let count = 0;
  for (const p of payments) {
    if (!isUnsentPayment(p)) continue;
    count++;
    const list = byCurrency.get(p.currency) ?? [];
    list.push({ amount: p.amount, currency: p.currency });
    byCurrency.set(p.currency, list);
  }
  return { count, sums: [...byCurrency].map(([currency, list]) => sum(list, currency)) };
}
