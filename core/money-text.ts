/**
 * Money to and from text: exact decimal strings and locale display.
 *
 * Everything goes through decimal strings built with string operations, never
 * `amount / 100`: near 2^53 a double has only ~1/64 of precision left, so
 * 9007199254740901 cents / 100 would print as …409.02 instead of …409.01.
 */
import { EdgePayError } from './errors.ts';
import { currencyExponent, isCurrencyCode, type CurrencyCode } from './currencies.ts';
import { signedMoney, type Money } from './money.ts';

/** The exact decimal value in major units: 1234 USD → "12.34", -5 USD → "-0.05", 1500 KWD → "1.500". */
export function toDecimalString(m: Money): string {
  const exponent = currencyExponent(m.currency);
  const sign = m.amount < 0 ? '-' : '';
  const digits = String(Math.abs(m.amount));
  if (exponent === 0) return sign + digits;
  const padded = digits.padStart(exponent + 1, '0');
  return `${sign}${padded.slice(0, -exponent)}.${padded.slice(-exponent)}`;
}

const DECIMAL = /^(-?)([0-9]+)(?:\.([0-9]+))?$/;
// Longer input cannot be a safe amount; refusing early keeps BigInt off giant strings.
const MAX_TEXT_LENGTH = 40;

/**
 * Reads a plain decimal string in major units exactly: parseMoney('12.34', 'USD')
 * is 1234 cents. Accepted: digits, optionally '.' and at most as many decimals as
 * the currency has ('12.3' is fine for USD, '12.345' and '100.5' KRW are not —
 * rounding would change the amount someone typed). Refused: signs other than a
 * leading '-', spaces, grouping separators, exponents, '.5', '5.'.
 * Negative only with `{ allowNegative: true }`.
 */
export function parseMoney(text: string, currency: string, options: { allowNegative?: boolean } = {}): Money {
  if (!isCurrencyCode(currency)) throw new EdgePayError('MONEY_UNKNOWN_CURRENCY', { currency: String(currency) });
  const fail = (reason: string): never => {
    throw new EdgePayError('MONEY_PARSE', { currency, reason });
  };
  if (typeof text !== 'string') return fail('not a string');
  if (text.length > MAX_TEXT_LENGTH) return fail('too long');
  const match = DECIMAL.exec(text);
  if (!match) return fail('not a plain decimal number');
  const [, minus = '', whole = '', fraction = ''] = match;
  const exponent = currencyExponent(currency);
  if (fraction.length > exponent) {
    return fail(exponent === 0 ? `${currency} has no decimals` : `${currency} allows at most ${exponent} decimals`);
  }
  const minorDigits = whole + fraction.padEnd(exponent, '0');
  const minor = BigInt(minorDigits);
  if (minor > BigInt(Number.MAX_SAFE_INTEGER)) throw new EdgePayError('MONEY_OVERFLOW');
  const amount = Number(minor);
  if (minus && amount !== 0 && !options.allowNegative) throw new EdgePayError('MONEY_NEGATIVE', { amount: -amount });
  return signedMoney(minus ? -amount : amount, currency);
}

// Building a NumberFormat is costly (locale data lookup); a kiosk formats whole
// lists, so formatters are reused. Bounded because locales may come from clients.
const formatters = new Map<string, Intl.NumberFormat>();
const MAX_FORMATTERS = 64;

function formatterFor(locale: string | readonly string[] | undefined, currency: CurrencyCode): Intl.NumberFormat {
  const key = `${String(locale)}|${currency}`;
  let formatter = formatters.get(key);
  if (!formatter) {
    const exponent = currencyExponent(currency);
    try {
      formatter = new Intl.NumberFormat(locale as string | string[] | undefined, {
        style: 'currency',
        currency,
        // Our exponent, not CLDR's: the display must show exactly the stored minor units.
        minimumFractionDigits: exponent,
        maximumFractionDigits: exponent,
      });
    } catch (cause) {
      throw new EdgePayError('MONEY_INVALID_LOCALE', { locale: String(locale) }, { cause });
    }
    if (formatters.size >= MAX_FORMATTERS) formatters.clear();
    formatters.set(key, formatter);
  }
  return formatter;
}

/**
 * Display text for people: formatMoney(money(1234, 'USD'), 'en-US') → "$12.34",
 * formatMoney(money(15000, 'KRW'), 'ko-KR') → "₩15,000".
 * Intl.NumberFormat (ECMA-402 v3, Node ≥ 19, current browsers) formats a decimal
 * *string* exactly, so the value never passes through a float.
 */
export function formatMoney(m: Money, locale?: string | readonly string[]): string {
  // The ES2023 lib types `format` as taking `${number}`; toDecimalString always
  // returns such a plain decimal, which TypeScript cannot see through `string`.
  const decimal = toDecimalString(m) as Intl.StringNumericLiteral;
  return formatterFor(locale, m.currency).format(decimal);
}
