/**
 * Interest-free instalment plans: the loan's principal split into equal
 * parts in minor units, the remainder on the first instalment (so the sum is
 * the principal exactly), and how a refund reduces the plan (from the last
 * instalment backwards, as pay-later services do: the next due date stays).
 */
import { EdgePayError } from '../../errors.ts';

/** The plans the sandbox institution offers (number of instalments). */
export const CREDIT_PLAN_COUNTS = [1, 3, 4, 6] as const;
export type CreditPlanCount = (typeof CREDIT_PLAN_COUNTS)[number];

export function isPlanCount(n: unknown): n is CreditPlanCount {
  return (CREDIT_PLAN_COUNTS as readonly unknown[]).includes(n);
}

/** `total` in `count` instalments; the remainder goes on the first. */
export function splitInstalments(total: number, count: number): number[] {
  if (!Number.isSafeInteger(total) || total < 0) throw new EdgePayError('MONEY_INVALID_AMOUNT', { amount: String(total) });
  if (!Number.isInteger(count) || count < 1) throw new EdgePayError('CREDIT_PLAN_UNSUPPORTED', { instalments: String(count) });
  const base = Math.floor(total / count);
  const parts = new Array<number>(count).fill(base);
  parts[0] = base + (total - base * count);
  return parts;
}

/**
 * The unpaid instalments' new amounts when only `outstanding` is left to pay:
 * the last ones shrink first (to zero: cancelled). `unpaid` in due order.
 */
export function reduceFromLast(unpaid: readonly number[], outstanding: number): number[] {
  const out = [...unpaid];
  let excess = out.reduce((a, b) => a + b, 0) - Math.max(0, outstanding);
  for (let i = out.length - 1; i >= 0 && excess > 0; i--) {
    const cut = Math.min(out[i]!, excess);
    out[i]! -= cut;
    excess -= cut;
  }
  return out;
}

/** The merchant's fee on a payout, in basis points, rounded half up. */
export function merchantFee(amount: number, feeBasisPoints: number): number {
  return Math.floor((amount * feeBasisPoints + 5_000) / 10_000);
}
