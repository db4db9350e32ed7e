/**
 * Badge and loyalty readers in keyboard mode (NFC readers that type the card's
 * UID, magnetic stripe readers that type the tracks) give the gateway a token,
 * never the raw value: token = keyed hash of (medium, value), stable for one
 * site key, so the same badge gives the same token and the value cannot be
 * recovered from logs or the bus.
 *
 * A payment card must never be read this way (DESIGN.md section 4: no PAN or
 * track data anywhere): a financial track (ISO 7813 format code B on track 1)
 * or any Luhn-valid 13-19 digit run is refused without being kept.
 */
import { createHmac } from 'node:crypto';

export type TokenMedium = 'nfc' | 'magstripe';
export type TokenRead = { kind: 'token'; token: string; medium: TokenMedium } | { kind: 'refused'; medium: TokenMedium; reason: 'payment-card' | 'unreadable' };

export function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

/** True if the text holds something that may be a card number or financial track. */
export function looksLikePaymentCard(text: string): boolean {
  if (/%B\d/.test(text)) return true; // track 1, format code B (financial)
  for (const run of text.match(/\d{13,19}/g) ?? []) if (luhnValid(run)) return true;
  return false;
}

/** The value a line carries: a track's content, or a UID with separators removed. */
function normalise(line: string, medium: TokenMedium): string | undefined {
  const text = line.trim();
  if (medium === 'magstripe') {
    // Track 1 `%...?` or track 2/3 `;...?`; readers may send several tracks in one line.
    const tracks = text.match(/[%;][^?]{1,107}\?/g);
    return tracks ? tracks.join('') : undefined;
  }
  const uid = text.replace(/[:\s-]/g, '').toUpperCase();
  return /^[0-9A-F]{8,20}$/.test(uid) ? uid : undefined;
}

export function tokenFromLine(line: string, medium: TokenMedium, siteKey: Buffer): TokenRead {
  if (looksLikePaymentCard(line)) return { kind: 'refused', medium, reason: 'payment-card' };
  const value = normalise(line, medium);
  if (value === undefined) return { kind: 'refused', medium, reason: 'unreadable' };
  const digest = createHmac('sha256', siteKey).update(`${medium}\u0000${value}`).digest('base64url');
  return { kind: 'token', token: `tok_${digest.slice(0, 32)}`, medium };
}
