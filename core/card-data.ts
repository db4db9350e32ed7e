/**
 * Finding card numbers where none may be (DESIGN.md section 4: no PAN is ever
 * stored, logged or replicated). Used on every document the server accepts
 * and by the scan test over every place data lands.
 *
 * A card number here is a run of 13 to 19 digits (spaces or dashes between
 * groups allowed) whose first digit is a payment-card industry digit (2-6:
 * Mastercard 2-series, Amex/Diners 3, Visa 4, Mastercard 5, Discover/UnionPay
 * 6) and that passes the Luhn check. Timestamps (1...) and shop barcodes
 * (GS1 prefixes 0-1, 7-9 for most retail) rarely match; some barcodes can, so
 * barcode fields are checked as GTINs instead (see isGtin).
 */

// Not part of a decimal number (8.220375000000786 in a log's response time is a
// float, not a card number) nor of a word or hex token: a UUID such as
// 01a20a16-023c-7542-b375-507178595618 holds "375-507178595618", which passes
// Luhn, but it follows the letter "b" (likewise `_` in a token).
const DIGIT_RUN = /(?<![0-9A-Za-z_.])[2-6](?:[ -]?[0-9]){12,18}(?![0-9A-Za-z_]|\.[0-9])/g;

export function luhnValid(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return false;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return digits.length > 0 && sum % 10 === 0;
}

/** The card-number-like runs in a text (digits only), for reports. */
export function findCardNumbers(text: string): string[] {
  const found: string[] = [];
  for (const m of text.matchAll(DIGIT_RUN)) {
    const digits = m[0].replace(/[ -]/g, '');
    if (digits.length >= 13 && digits.length <= 19 && luhnValid(digits)) found.push(digits);
  }
  return found;
}

/** A GTIN (EAN-8/UPC-A/EAN-13/GTIN-14) with a valid check digit. */
export function isGtin(value: string): boolean {
  if (!/^(\d{8}|\d{12}|\d{13}|\d{14})$/.test(value)) return false;
  let sum = 0;
  for (let i = 0; i < value.length - 1; i++) {
    const d = value.charCodeAt(value.length - 2 - i) - 48;
    sum += i % 2 === 0 ? d * 3 : d;
  }
  return (10 - (sum % 10)) % 10 === value.charCodeAt(value.length - 1) - 48;
}

/**
 * The path of the first string in a document that holds a card number, or
 * undefined. Fields named `barcode` are exempt when they are valid GTINs.
 */
export function findCardDataPath(value: unknown, path = ''): string | undefined {
  if (typeof value === 'string') return findCardNumbers(value).length > 0 ? path || '/' : undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const hit = findCardDataPath(value[i], `${path}/${i}`);
      if (hit) return hit;
    }
    return undefined;
  }
  if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k === 'barcode' && typeof v === 'string' && isGtin(v)) continue;
      const hit = findCardDataPath(v, `${path}/${k}`);
      if (hit) return hit;
    }
  }
  return undefined;
}
