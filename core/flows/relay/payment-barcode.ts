/**
 * Payment barcodes of Korean wallets (the numeric one-time codes that Kakao
 * Pay, Naver Pay, PAYCO, Samsung Pay's barcode mode show: 18 to 24 digits,
 * a few minutes of life, bound to the user by the issuer, ending in a check
 * digit). EdgePay's format, shared by the sandbox issuer and the scanners:
 *
 *   `9` | issuer (2 digits) | serial (16 digits) | Luhn check digit   = 20 digits
 *
 * The leading 9 and the length of 20 keep these codes apart from card numbers
 * (13-19 digits starting 2-6; core/card-data.ts) and from shop barcodes
 * (GS1, 8-14 digits). What the serial means (user, expiry) only the issuer knows;
 * here only the shape and the check digit are checked.
 */
import { checkDigitValid, withCheckDigit } from './check-digit.ts';

export const PAYMENT_BARCODE_LENGTH = 20;
const SHAPE = /^9[0-9]{19}$/;

export type PaymentBarcode = { issuer: string; serial: string };

export type BarcodeCheck = { ok: true; barcode: PaymentBarcode } | { ok: false; reason: 'format' | 'check-digit' };

export function checkPaymentBarcode(code: string): BarcodeCheck {
  if (!SHAPE.test(code)) return { ok: false, reason: 'format' };
  if (!checkDigitValid(code)) return { ok: false, reason: 'check-digit' };
  return { ok: true, barcode: { issuer: code.slice(1, 3), serial: code.slice(3, 19) } };
}

/** A barcode for `issuer` (2 digits) and `serial` (16 digits: random, from the issuer). */
export function makePaymentBarcode(issuer: string, serial: string): string {
  if (!/^[0-9]{2}$/.test(issuer) || !/^[0-9]{16}$/.test(serial)) throw new RangeError('issuer is 2 digits, serial 16');
  return withCheckDigit('9' + issuer + serial);
}

/** Looks like a payment barcode (20 digits from 9): worth checking its digit rather than calling it unknown. */
export function looksLikePaymentBarcode(code: string): boolean {
  return /^9[0-9]{15,23}$/.test(code);
}
