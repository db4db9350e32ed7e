/**
 * Finding card numbers where none may be (DESIGN.md section 4: no PAN is ever
 * stored, logged or replicated). Used on every document, header, path and
 * query the server and the gateway accept, on log lines, and by the scan
 * test over every place data lands. Pure: no Node or browser API.
 *
 * A card number here is 13 to 19 digits that pass the Luhn check and start
 * with a card network's range at a length that network issues
 * (card-networks.ts: Visa 4 at 13/16/19, Mastercard 51-55 and 2221-2720 at
 * 16, Amex 34/37 at 15, Discover, JCB, Diners, UnionPay, Maestro, Mir,
 * RuPay, UATP, Korea's 9-series domestic cards), wherever they hide (issue 25):
 *   - glued to letters or inside a token: `Visa4111...`, `4111...A`, `tok_4111...`;
 *   - split into groups by spaces, dots, dashes, underscores, slashes, tabs,
 *     no-break or zero-width spaces (`4111.1111.1111.1111`, `4 1 1 1 ...`), and
 *     next to other digit groups (`4111 1111 1111 1111 2029`): every run of
 *     whole consecutive groups is checked;
 *   - in fullwidth digits (`４１１１...`).
 * The false positives are handled by where they stand, by shape, not by luck:
 *   - a canonical UUID (8-4-4-4-12 hex with a version and RFC 4122 variant:
 *     `01a20a16-023c-7542-b375-507178595618` holds `375-507178595618`, which
 *     passes Luhn) and a bare hex hash of a digest's length (32, 40, 64, 96,
 *     128 hex digits) are masked before the scan;
 *   - a decimal number (`8.220375000000786` in a log's response time): its
 *     fraction is not checked (its integer part is: `4111...1111.00` is a card);
 *   - a 13-digit barcode: valid GTINs in `barcode` fields are exempt by field
 *     (findCardDataPath), since a GTIN is a Luhn-valid run by chance 1 time in 10.
 * Clock values (Date.now(), µs, ns: they start with 1) and digit runs of a
 * length no network issues at their prefix never match the range rule, so an
 * idempotency key or id made of digits is not refused by chance (one run in
 * ten passes Luhn). A crafted UUID or 32-hex token can still carry digits
 * past the scan; such fields are identifiers the server makes or checks by
 * pattern, not free text.
 */

import { fitsCardNetwork } from './card-networks.ts';

// Between two digit groups: 1 to 3 of these (`4111 - 1111` too).
const SEPARATOR = /^[ \t._\-/\u00a0\u00ad\u2007\u2010-\u2015\u200b-\u200d\u2060]{1,3}$/;
const SEPARATOR_CHAR = /[ \t._\-/\u00a0\u00ad\u2007\u2010-\u2015\u200b-\u200d\u2060]/;
// A UUID of any version 1-8 with the RFC 4122 variant, or a digest-length hex run, not part of a longer word.
const UUID = /(?<![0-9A-Za-z])[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[1-8][0-9a-fA-F]{3}-[89abAB][0-9a-fA-F]{3}-[0-9a-fA-F]{12}(?![0-9A-Za-z])/g;
const HEX_HASH = /(?<![0-9A-Za-z])(?:[0-9a-fA-F]{128}|[0-9a-fA-F]{96}|[0-9a-fA-F]{64}|[0-9a-fA-F]{40}|[0-9a-fA-F]{32})(?![0-9A-Za-z])/g;
const FULLWIDTH_DIGIT = /[\uff10-\uff19]/g;

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

const isDigit = (c: number) => c >= 48 && c <= 57;
const isCardLike = (digits: string) => digits.length >= 13 && digits.length <= 19 && fitsCardNetwork(digits) && luhnValid(digits);

/** The text with UUIDs and hashes masked (same length, no digits) and fullwidth digits made ASCII. */
function prepare(text: string): string {
  let t = text;
  if (FULLWIDTH_DIGIT.test(t)) t = t.replace(FULLWIDTH_DIGIT, (c) => String.fromCharCode(c.charCodeAt(0) - 0xff10 + 48));
  FULLWIDTH_DIGIT.lastIndex = 0;
  return t.replace(UUID, (m) => 'u'.repeat(m.length)).replace(HEX_HASH, (m) => 'h'.repeat(m.length));
}

type Span = { start: number; end: number; digits: string };

/**
 * The card-number-like spans of a prepared text: [start, end) in the text and
 * the digits. Linear in the text: groups are found once, and only runs of
 * groups of at most 19 digits are tried.
 */
function cardSpans(t: string): Span[] {
  const spans: Span[] = [];
  let i = 0;
  const n = t.length;
  while (i < n) {
    if (!isDigit(t.charCodeAt(i))) {
      i++;
      continue;
    }
    // One chain: digit groups joined by short separators.
    const groups: { start: number; end: number }[] = [];
    const seps: string[] = [];
    let j = i;
    for (;;) {
      const gs = j;
      while (j < n && isDigit(t.charCodeAt(j))) j++;
      groups.push({ start: gs, end: j });
      let k = j;
      while (k < n && k - j < 3 && SEPARATOR_CHAR.test(t[k]!)) k++;
      if (k > j && k < n && isDigit(t.charCodeAt(k)) && SEPARATOR.test(t.slice(j, k))) {
        seps.push(t.slice(j, k));
        j = k;
        continue;
      }
      break;
    }
    // A decimal number (one group, a dot, one group): only its integer part counts.
    if (groups.length === 2 && seps[0] === '.') groups.pop();
    for (let a = 0; a < groups.length; a++) {
      // The longest card-like run from this group on (a 13-digit prefix of a
      // 16-digit number may pass Luhn too; the whole number is what is redacted).
      let digits = '';
      let best: Span | undefined;
      for (let b = a; b < groups.length; b++) {
        digits += t.slice(groups[b]!.start, groups[b]!.end);
        if (digits.length > 19) break;
        if (isCardLike(digits)) best = { start: groups[a]!.start, end: groups[b]!.end, digits };
      }
      if (best) {
        spans.push(best);
        // Runs starting inside this one are the same number again.
        while (a + 1 < groups.length && groups[a + 1]!.start < best.end) a++;
      }
    }
    i = j;
  }
  return spans;
}

/** The card-number-like runs in a text (digits only), for reports. */
export function findCardNumbers(text: string): string[] {
  return cardSpans(prepare(text)).map((s) => s.digits);
}

/** Fewer than 13 digits in all (most names, codes and amounts): no card number, without the regexes. */
function tooFewDigits(text: string): boolean {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if ((c >= 48 && c <= 57) || (c >= 0xff10 && c <= 0xff19)) if (++n >= 13) return false;
  }
  return true;
}

/** Whether a text holds a card number anywhere. */
export function hasCardNumber(text: string): boolean {
  if (tooFewDigits(text)) return false;
  return cardSpans(prepare(text)).length > 0;
}

/** The text with every card number replaced by `[card number]` (log lines, error messages). */
export function redactCardNumbers(text: string): string {
  const spans = cardSpans(prepare(text));
  if (spans.length === 0) return text;
  let out = '';
  let at = 0;
  for (const s of spans) {
    if (s.start < at) continue;
    out += text.slice(at, s.start) + '[card number]';
    at = s.end;
  }
  return out + text.slice(at);
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
 * The path of the first string or key in a value that holds a card number,
 * or undefined. Fields named `barcode` are exempt when they are valid GTINs.
 * Iterative, with its own stack: a body nested 100,000 levels deep is a
 * refusal, not a stack overflow (issue 25).
 */
export function findCardDataPath(value: unknown, path = ''): string | undefined {
  const stack: { value: unknown; path: string }[] = [{ value, path }];
  while (stack.length > 0) {
    const top = stack.pop()!;
    const v = top.value;
    if (typeof v === 'string') {
      if (hasCardNumber(v)) return top.path || '/';
    } else if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push({ value: v[i], path: `${top.path}/${i}` });
    } else if (v && typeof v === 'object') {
      const entries = Object.entries(v);
      for (let i = entries.length - 1; i >= 0; i--) {
        const [k, child] = entries[i]!;
        // The path names the key by position, never by itself: it may be the card number.
        if (hasCardNumber(k)) return `${top.path}/#${i}`;
        if (k === 'barcode' && typeof child === 'string' && isGtin(child)) continue;
        stack.push({ value: child, path: `${top.path}/${k}` });
      }
    }
  }
  return undefined;
}
