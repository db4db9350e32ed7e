/**
 * Phone numbers as the wallet keeps them: E.164 (`+821012345678`), so that
 * "010-1234-5678", "010 1234 5678" and "+82 10-1234-5678" are one user.
 * A number written nationally (leading 0) is taken as Korean, the wallet's
 * home market; anything else must carry its country code.
 */
import { EdgePayError } from '../errors.ts';

export function normalisePhone(input: string): string {
  const trimmed = String(input ?? '').trim();
  if (!/^\+?[0-9 ()\-.]{6,24}$/.test(trimmed)) throw new EdgePayError('WALLET_PHONE_INVALID');
  const digits = trimmed.replace(/[^0-9]/g, '');
  let e164: string;
  if (trimmed.startsWith('+')) e164 = '+' + digits;
  else if (digits.startsWith('0')) e164 = '+82' + digits.slice(1);
  else throw new EdgePayError('WALLET_PHONE_INVALID');
  // E.164: at most 15 digits; 8 is the shortest a Korean mobile number leaves after +82.
  if (!/^\+[1-9][0-9]{7,14}$/.test(e164)) throw new EdgePayError('WALLET_PHONE_INVALID');
  return e164;
}

/** How the page shows a number back: Korean mobiles nationally, others as stored. */
export function displayPhone(e164: string): string {
  const kr = /^\+82(1[0-9])(\d{3,4})(\d{4})$/.exec(e164);
  return kr ? `0${kr[1]}-${kr[2]}-${kr[3]}` : e164;
}
