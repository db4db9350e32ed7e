/**
 * Money as an integer count of minor units (cents, won, fils) plus its ISO 4217
 * currency. No floats anywhere: 0.1 + 0.2 is not 0.3 in binary floating point,
 * and a payment system that loses or invents a cent is broken.
 *
 * Amounts stay within Number.MAX_SAFE_INTEGER so that every integer is exact
 * as a JS number and as JSON; going beyond throws MONEY_OVERFLOW instead of
 * silently rounding.
 *
 * Amounts are non-negative unless made negative on purpose: `signedMoney`,
 * `difference` and `negate` are the explicit ways to get a negative amount
 * (refunds, discounts, differences). `money` and `subtract` refuse negatives so
 * that a bug cannot turn a charge into a payout.
 */
import { EdgePayError } from './errors.ts';
import { isCurrencyCode, maxAmount, type CurrencyCode } from './currencies.ts';

export type Money = { readonly amount: number; readonly currency: CurrencyCode };

function checkCurrency(currency: unknown): CurrencyCode {
  if (!isCurrencyCode(currency)) throw new EdgePayError('MONEY_UNKNOWN_CURRENCY', { currency: String(currency) });
  return currency;
}

function checkInteger(amount: unknown): number {
  if (typeof amount !== 'number' || !Number.isInteger(amount)) {
    throw new EdgePayError('MONEY_INVALID_AMOUNT', { amount: String(amount) });
  }
  if (!Number.isSafeInteger(amount)) throw new EdgePayError('MONEY_OVERFLOW');
  return amount;
}

/** Frozen so a shared value (a price, a limit) cannot be changed under someone's feet. */
function make(amount: number, currency: CurrencyCode): Money {
  // `amount || 0` turns -0 (from negating 0) into 0, so 0 and -0 never differ in Object.is or sorting.
  return Object.freeze({ amount: amount || 0, currency });
}

/** A non-negative amount of minor units: money(1234, 'USD') is $12.34. */
export function money(amount: number, currency: string): Money {
  const c = checkCurrency(currency);
  if (checkInteger(amount) < 0) throw new EdgePayError('MONEY_NEGATIVE', { amount });
  return make(amount, c);
}

/**
 * A non-negative amount of one payment, refund or request from outside: as
 * `money`, and at most the currency's written upper bound (MONEY_TOO_LARGE).
 */
export function boundedMoney(amount: number, currency: string): Money {
  const m = money(amount, currency);
  checkBound(m);
  return m;
}

/** Throws MONEY_TOO_LARGE when the amount's size is above its currency's bound. */
export function checkBound(m: Money): Money {
  const max = maxAmount(m.currency);
  if (Math.abs(m.amount) > max) throw new EdgePayError('MONEY_TOO_LARGE', { currency: m.currency, max });
  return m;
}

/** An amount that may be negative: refunds, discount lines, differences. */
export function signedMoney(amount: number, currency: string): Money {
  const c = checkCurrency(currency);
  return make(checkInteger(amount), c);
}

export function zero(currency: string): Money {
  return make(0, checkCurrency(currency));
}

function sameCurrency(a: Money, b: Money): CurrencyCode {
  if (a.currency !== b.currency) {
    throw new EdgePayError('MONEY_CURRENCY_MISMATCH', { left: a.currency, right: b.currency });
  }
  return a.currency;
}

/**
 * Sums and products of safe integers are computed exactly up to 2^54 by
 * IEEE doubles' round-to-nearest, and rounding is monotonic, so a true result
 * beyond MAX_SAFE_INTEGER can never come back as a safe integer: checking the
 * result is enough to detect overflow.
 */
function checked(result: number): number {
  if (!Number.isSafeInteger(result)) throw new EdgePayError('MONEY_OVERFLOW');
  return result;
}

export function add(a: Money, b: Money): Money {
  const currency = sameCurrency(a, b);
  return make(checked(a.amount + b.amount), currency);
}

/** a − b; refuses a negative result (use `difference` when a negative result is meaningful). */
export function subtract(a: Money, b: Money): Money {
  const currency = sameCurrency(a, b);
  const result = checked(a.amount - b.amount);
  if (result < 0) throw new EdgePayError('MONEY_NEGATIVE', { amount: result });
  return make(result, currency);
}

/** a − b, allowed to be negative (e.g. what is still owed, or an over-payment). */
export function difference(a: Money, b: Money): Money {
  const currency = sameCurrency(a, b);
  return make(checked(a.amount - b.amount), currency);
}

export function negate(m: Money): Money {
  return make(-m.amount, m.currency);
}

/** Unit price × quantity. The quantity is a non-negative whole number; use `negate` to flip a sign. */
export function multiply(m: Money, quantity: number): Money {
  if (!Number.isSafeInteger(quantity) || quantity < 0) {
    throw new EdgePayError('MONEY_INVALID_QUANTITY', { quantity: String(quantity) });
  }
  return make(checked(m.amount * quantity), m.currency);
}

/** Total of a list; the currency is given so that an empty list still has one. */
export function sum(list: readonly Money[], currency: string): Money {
  let total = zero(currency);
  for (const m of list) total = add(total, m);
  return total;
}

export function isZero(m: Money): boolean {
  return m.amount === 0;
}

export function isNegative(m: Money): boolean {
  return m.amount < 0;
}

/** -1, 0 or 1. Comparing different currencies is a bug, so it throws. */
export function compare(a: Money, b: Money): -1 | 0 | 1 {
  sameCurrency(a, b);
  return a.amount < b.amount ? -1 : a.amount > b.amount ? 1 : 0;
}

/** Same amount in the same currency; different currencies are simply not equal (no throw). */
export function equals(a: Money, b: Money): boolean {
  return a.currency === b.currency && a.amount === b.amount;
}

/**
 * Splits `m` in proportion to integer `ratios` without losing or inventing a
 * minor unit (largest remainder method): every share is floor(amount × ratio /
 * total), and the few units left over go to the shares with the largest
 * remainders, earliest first on ties, so the result is deterministic.
 * The shares always add up to `m` exactly. A negative amount is split as its
 * absolute value and each share negated, so the split is symmetric.
 * BigInt keeps amount × ratio exact where it would exceed 2^53.
 */
export function allocate(m: Money, ratios: readonly number[]): Money[] {
  if (ratios.length === 0 || ratios.some((r) => !Number.isSafeInteger(r) || r < 0)) {
    throw new EdgePayError('MONEY_INVALID_RATIOS');
  }
  const total = ratios.reduce((acc, r) => acc + BigInt(r), 0n);
  if (total === 0n) throw new EdgePayError('MONEY_INVALID_RATIOS');

  const sign = m.amount < 0 ? -1 : 1;
  const whole = BigInt(Math.abs(m.amount));
  const shares = ratios.map((r, index) => {
    const product = whole * BigInt(r);
    return { index, share: product / total, remainder: product % total };
  });

  let leftover = whole - shares.reduce((acc, s) => acc + s.share, 0n);
  const byRemainder = [...shares].sort((x, y) => (x.remainder === y.remainder ? x.index - y.index : x.remainder > y.remainder ? -1 : 1));
  // leftover < number of shares with a non-zero remainder, so one pass suffices.
  for (const s of byRemainder) {
    if (leftover === 0n) break;
    s.share += 1n;
    leftover -= 1n;
  }
  return shares.map((s) => make(sign * Number(s.share), m.currency));
}

/** Splits into `parts` shares as equal as possible (the first shares get the spare units). */
export function split(m: Money, parts: number): Money[] {
  if (!Number.isSafeInteger(parts) || parts < 1) throw new EdgePayError('MONEY_INVALID_RATIOS');
  return allocate(m, new Array<number>(parts).fill(1));
}
