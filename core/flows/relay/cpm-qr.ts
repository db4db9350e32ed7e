/**
 * EMVCo consumer-presented mode QR codes (EMV QR Code Specification for
 * Payment Systems, Consumer-Presented Mode): base64 of BER-TLV data objects,
 * starting with the Payload Format Indicator `85` = "CPV01", followed by one
 * or more Application Templates `61` (AID `4F`, and the cryptogram data, here
 * either directly or in an Application Specific Transparent Template `63`:
 * Application Cryptogram `9F26` (8 bytes), Application Transaction Counter
 * `9F36` (2 bytes), Cryptogram Information Data `9F27`).
 *
 * EdgePay takes only tokenised codes: the account is named by its Payment
 * Account Reference `9F24` (29 characters), and a code carrying an account
 * number (`5A` Application PAN, `57` Track 2 Equivalent Data) is refused
 * before any of it is read (no card number anywhere: DESIGN.md section 4).
 * The cryptogram itself is verified by the issuer (the destination), which
 * holds the key; here only the structure is checked.
 */
import { fromBase64, toBase64, toHex } from './base64.ts';
import { encodeTlv, parseTlv, type Tlv } from './ber-tlv.ts';

export type CpmQr = { aid: string; par: string; cryptogram: string; atc: number; cid: string | undefined };
export type CpmReason = 'format' | 'payload-format' | 'card-data' | 'missing-field';
export type CpmCheck = { ok: true; qr: CpmQr } | { ok: false; reason: CpmReason };

const ascii = { decode: (b: Uint8Array) => String.fromCharCode(...b) };

function flatten(items: readonly Tlv[]): Tlv[] {
  return items.flatMap((t) => (t.children ? [t, ...flatten(t.children)] : [t]));
}

export function checkCpmQr(code: string): CpmCheck {
  if (code.length < 16 || code.length > 512) return { ok: false, reason: 'format' };
  const bytes = fromBase64(code);
  if (!bytes) return { ok: false, reason: 'format' };
  const top = parseTlv(bytes);
  if (!top || top.length < 2) return { ok: false, reason: 'format' };
  if (top[0]!.tag !== '85' || ascii.decode(top[0]!.value) !== 'CPV01') return { ok: false, reason: 'payload-format' };
  const all = flatten(top);
  if (all.some((t) => t.tag === '5A' || t.tag === '57')) return { ok: false, reason: 'card-data' };
  const app = top.find((t) => t.tag === '61');
  if (!app?.children) return { ok: false, reason: 'missing-field' };
  const inApp = flatten(app.children);
  const get = (tag: string) => inApp.find((t) => t.tag === tag)?.value;
  const aid = get('4F');
  const cryptogram = get('9F26');
  const atc = get('9F36');
  const par = get('9F24');
  const cid = get('9F27');
  if (!aid || aid.length < 5 || aid.length > 16) return { ok: false, reason: 'missing-field' };
  if (!cryptogram || cryptogram.length !== 8 || !atc || atc.length !== 2) return { ok: false, reason: 'missing-field' };
  if (!par || !/^[0-9A-Z]{29}$/.test(ascii.decode(par))) return { ok: false, reason: 'missing-field' };
  return {
    ok: true,
    qr: { aid: toHex(aid), par: ascii.decode(par), cryptogram: toHex(cryptogram), atc: (atc[0]! << 8) | atc[1]!, cid: cid ? toHex(cid) : undefined },
  };
}

const bytesOf = (text: string) => Uint8Array.from([...text].map((c) => c.charCodeAt(0)));

/** Builds a CPM QR payload (what a wallet shows): the issuer computed `cryptogram` (8 bytes) over par and atc. */
export function makeCpmQr(input: { aid: Uint8Array; par: string; atc: number; cryptogram: Uint8Array }): string {
  return toBase64(
    encodeTlv([
      { tag: '85', value: bytesOf('CPV01') },
      {
        tag: '61',
        value: new Uint8Array(),
        children: [
          { tag: '4F', value: input.aid },
          { tag: '50', value: bytesOf('EDGEPAY') },
          { tag: '9F24', value: bytesOf(input.par) },
          {
            tag: '63',
            value: new Uint8Array(),
            children: [
              { tag: '9F27', value: Uint8Array.of(0x80) },
              { tag: '9F26', value: input.cryptogram },
              { tag: '9F36', value: Uint8Array.of((input.atc >> 8) & 255, input.atc & 255) },
            ],
          },
        ],
      },
    ]),
  );
}
