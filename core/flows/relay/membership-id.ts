/**
 * Membership ids as a membership card shows them (barcode or text):
 * `M` | program (2 digits) | member (7 digits) | Luhn check digit, e.g. `M0112345674`.
 * Not secret and not one-time: a member shows the same id at every visit; what
 * is done with it (accrue, redeem) is decided at the terminal.
 */
import { checkDigitValid, withCheckDigit } from './check-digit.ts';

const SHAPE = /^M[0-9]{10}$/;

export type MembershipCheck = { ok: true; program: string; member: string } | { ok: false; reason: 'format' | 'check-digit' };

export function checkMembershipId(code: string): MembershipCheck {
  if (!SHAPE.test(code)) return { ok: false, reason: 'format' };
  if (!checkDigitValid(code.slice(1))) return { ok: false, reason: 'check-digit' };
  return { ok: true, program: code.slice(1, 3), member: code.slice(3, 10) };
}

export function makeMembershipId(program: string, member: string): string {
  if (!/^[0-9]{2}$/.test(program) || !/^[0-9]{7}$/.test(member)) throw new RangeError('program is 2 digits, member 7');
  return 'M' + withCheckDigit(program + member);
}
