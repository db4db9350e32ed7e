/**
 * Store-and-forward limits (DESIGN.md section 3): may the kiosk accept this
 * card payment offline? Checked before the card is charged, so a refusal costs
 * the customer nothing. Limits are inclusive: a payment exactly at a limit is
 * accepted, one minor unit over it is not.
 */
import type { Money } from '../money.ts';
import type { OfflineLimits } from '../schemas/sites.ts';

export type StoredPaymentSummary = { amount: number; currency: string; createdAt: string };

/** Which limit: no limits for the currency, the single payment, the total stored, or the oldest unsent payment's age. */
export type OfflineLimitName = 'currency' | 'per-payment' | 'total-stored' | 'oldest-age';

export type OfflineDecision =
  | { ok: true }
  | {
      ok: false;
      limit: OfflineLimitName;
      allowed?: Money;
      current?: Money;
    };

export function checkOfflineLimits(limits: OfflineLimits, payment: Money, unsent: readonly StoredPaymentSummary[], now: Date): OfflineDecision {
  const perPayment = limits.perPayment.find((m) => m.currency === payment.currency);
  const totalLimit = limits.totalStored.find((m) => m.currency === payment.currency);
  // Fail closed: a currency without limits is online-only.
  if (!perPayment || !totalLimit) return { ok: false, limit: 'currency' };
  if (payment.amount > perPayment.amount) return { ok: false, limit: 'per-payment', allowed: perPayment, current: payment };
  const stored = unsent.filter((p) => p.currency === payment.currency).reduce((a, p) => a + p.amount, 0);
  if (stored + payment.amount > totalLimit.amount) {
    return { ok: false, limit: 'total-stored', allowed: totalLimit, current: { amount: stored, currency: payment.currency } };
  }
  // Any currency: an old unsent payment means the link has been down too long to keep taking risk.
  const oldest = unsent.reduce<number | undefined>((min, p) => {
    const t = Date.parse(p.createdAt);
    return min === undefined || t < min ? t : min;
  }, undefined);
  if (oldest !== undefined && now.getTime() - oldest >= limits.maxAgeMinutes * 60_000) return { ok: false, limit: 'oldest-age' };
  return { ok: true };
}
