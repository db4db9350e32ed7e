/**
 * What a relay terminal or the server makes of a scanned or sent code, before
 * anything is relayed: which format it is, whether its check digit or
 * structure holds, and the key the app registry matches it by
 * (`barcode:<issuer>`, `cpm:<AID>`, `member:<program>`).
 */
import { checkCpmQr } from './cpm-qr.ts';
import { checkMembershipId } from './membership-id.ts';
import { checkPaymentBarcode, looksLikePaymentBarcode } from './payment-barcode.ts';

export type RelayCodeFormat = 'payment-barcode' | 'cpm-qr' | 'membership-id';
export type RelayCodeRefusal = 'unknown-format' | 'check-digit' | 'payload-format' | 'card-data' | 'missing-field';

export type RelayCode = {
  format: RelayCodeFormat;
  /** The app registry's match key. */
  matchKey: string;
  /** Payment codes are good once; a membership id is shown at every visit. */
  oneTime: boolean;
};

export type RelayCodeCheck = { ok: true; code: RelayCode } | { ok: false; reason: RelayCodeRefusal };

export function checkRelayCode(code: string): RelayCodeCheck {
  if (/^[0-9]+$/.test(code)) {
    if (!looksLikePaymentBarcode(code)) return { ok: false, reason: 'unknown-format' };
    const b = checkPaymentBarcode(code);
    if (!b.ok) return { ok: false, reason: b.reason === 'check-digit' ? 'check-digit' : 'unknown-format' };
    return { ok: true, code: { format: 'payment-barcode', matchKey: `barcode:${b.barcode.issuer}`, oneTime: true } };
  }
  if (code.startsWith('M')) {
    const m = checkMembershipId(code);
    if (!m.ok) return { ok: false, reason: m.reason === 'check-digit' ? 'check-digit' : 'unknown-format' };
    return { ok: true, code: { format: 'membership-id', matchKey: `member:${m.program}`, oneTime: false } };
  }
  const q = checkCpmQr(code);
  if (!q.ok) return { ok: false, reason: q.reason === 'format' ? 'unknown-format' : q.reason };
  return { ok: true, code: { format: 'cpm-qr', matchKey: `cpm:${q.qr.aid}`, oneTime: true } };
}
