/**
 * The ISO 4217 currencies EdgePay accepts, with their minor-unit exponent
 * (how many decimal places one major unit has: USD 2, KRW 0, KWD 3).
 *
 * Why our own table instead of Intl's: the exponent decides how integer amounts
 * are stored and exchanged, so it must be fixed and identical on every machine.
 * Intl's digits come from CLDR, can differ from ISO 4217 for some currencies and
 * change with the ICU version. A currency not listed here is refused rather
 * than guessed.
 */

/*
 * `maxAmount`: the largest amount of one payment, refund or request EdgePay
 * takes, in minor units (issue 25: 2^53-1 KRW was accepted). About a million
 * US dollars' worth, written per currency so it never depends on a rate:
 * KRW 1,000,000,000; JPY 100,000,000; USD/EUR/GBP/... 1,000,000.00;
 * CNY/HKD 10,000,000.00; KWD/BHD/OMR 300,000.000. Sums of many payments
 * (totals, ledgers) may go beyond; one amount from outside may not.
 */
export const currencies = {
  KRW: { exponent: 0, maxAmount: 1_000_000_000, name: 'South Korean won' },
  JPY: { exponent: 0, maxAmount: 100_000_000, name: 'Japanese yen' },
  USD: { exponent: 2, maxAmount: 100_000_000, name: 'US dollar' },
  EUR: { exponent: 2, maxAmount: 100_000_000, name: 'Euro' },
  GBP: { exponent: 2, maxAmount: 100_000_000, name: 'Pound sterling' },
  CNY: { exponent: 2, maxAmount: 1_000_000_000, name: 'Chinese yuan' },
  HKD: { exponent: 2, maxAmount: 1_000_000_000, name: 'Hong Kong dollar' },
  SGD: { exponent: 2, maxAmount: 100_000_000, name: 'Singapore dollar' },
  AUD: { exponent: 2, maxAmount: 100_000_000, name: 'Australian dollar' },
  CAD: { exponent: 2, maxAmount: 100_000_000, name: 'Canadian dollar' },
  CHF: { exponent: 2, maxAmount: 100_000_000, name: 'Swiss franc' },
  KWD: { exponent: 3, maxAmount: 300_000_000, name: 'Kuwaiti dinar' },
  BHD: { exponent: 3, maxAmount: 300_000_000, name: 'Bahraini dinar' },
  OMR: { exponent: 3, maxAmount: 300_000_000, name: 'Omani rial' },
} as const satisfies Record<string, { readonly exponent: 0 | 2 | 3; readonly maxAmount: number; readonly name: string }>;

export type CurrencyCode = keyof typeof currencies;

export function isCurrencyCode(value: unknown): value is CurrencyCode {
  // Object.hasOwn, not `in`: inherited keys such as 'constructor' are not currencies.
  return typeof value === 'string' && Object.hasOwn(currencies, value);
}

/** Decimal places of one major unit: 0, 2 or 3. */
export function currencyExponent(currency: CurrencyCode): number {
  return currencies[currency].exponent;
}

/** The largest single amount taken in this currency, in minor units. */
export function maxAmount(currency: CurrencyCode): number {
  return currencies[currency].maxAmount;
}
