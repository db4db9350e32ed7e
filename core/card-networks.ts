/**
 * The card networks' number ranges (IIN prefixes) and lengths: what makes a
 * Luhn-valid digit run a card number rather than an id (issue 25).
 *
 * Why a table and not "13 to 19 digits starting 2-6": one digit run in ten
 * passes Luhn by chance, so an integrator whose idempotency keys or ids are
 * digit runs (a clock value, a database sequence, a snowflake id) got a
 * random CARD_DATA_REFUSED on one request in ten or so. A run is now refused
 * only when it is Luhn-valid AND starts with a network's range AND has a
 * length that network issues. What that leaves alone: clock values in ms, µs
 * and ns (they start with 1 and none of their lengths is UATP's 15), runs of a
 * length no network issues at that prefix (a 17-digit run starting with 4),
 * prefixes no network uses (7, 8 but 81-82, 1 but UATP's 15 digits).
 * What it still refuses: every number any listed network can issue, in every
 * disguise card-data.ts looks through.
 *
 * Sources: the networks' published ranges as collected in ISO/IEC 7812
 * registries (Visa, Mastercard, Amex, Discover, JCB, Diners, UnionPay,
 * Maestro, Mir, RuPay, UATP), and Korea's domestic-only cards (BC and the
 * other issuers' 9-series BINs, 16 digits): EdgePay sells in KRW first.
 * Ranges are kept broad where a network's is (Maestro's 50, 56-69): a false
 * refusal costs a retry with another key, a missed card number costs PCI scope.
 */

/** [first prefix, last prefix] (same number of digits), and the lengths issued there. */
type Range = readonly [from: string, to: string, lengths: readonly number[]];

const L16_19 = [16, 17, 18, 19] as const;
const L12_19 = [12, 13, 14, 15, 16, 17, 18, 19] as const;

export const CARD_RANGES: readonly Range[] = [
  ['4', '4', [13, 16, 19]], // Visa (and Visa Electron)
  ['51', '55', [16]], // Mastercard
  ['2221', '2720', [16]], // Mastercard 2-series
  ['34', '34', [15]], // American Express
  ['37', '37', [15]],
  ['300', '305', [14, 15, 16, 17, 18, 19]], // Diners Club
  ['36', '36', [14, 15, 16, 17, 18, 19]],
  ['38', '39', [14, 15, 16, 17, 18, 19]],
  ['3528', '3589', L16_19], // JCB
  ['6011', '6011', L16_19], // Discover
  ['644', '649', L16_19],
  ['65', '65', L16_19], // Discover, RuPay
  ['62', '62', L16_19], // UnionPay (and Discover's co-branded 622126-622925)
  ['81', '82', L16_19], // UnionPay 81, RuPay 81-82
  ['60', '60', L16_19], // RuPay
  ['508', '508', L16_19], // RuPay
  ['353', '353', L16_19], // RuPay
  ['356', '356', L16_19], // RuPay
  ['2200', '2204', L16_19], // Mir
  ['50', '50', L12_19], // Maestro
  ['56', '69', L12_19], // Maestro (covers the 6-series above too)
  ['1', '1', [15]], // UATP
  ['9', '9', [16]], // Korean domestic cards (BC and others, 9-series BINs)
];

/** Whether `digits` (digits only) starts with a listed range and has a length that range issues. */
export function fitsCardNetwork(digits: string): boolean {
  for (const [from, to, lengths] of CARD_RANGES) {
    if (!lengths.includes(digits.length)) continue;
    const prefix = digits.slice(0, from.length);
    if (prefix >= from && prefix <= to) return true;
  }
  return false;
}
