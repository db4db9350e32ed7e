import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { hasCardNumber } from '../../card-data.ts';
import { checkCpmQr, checkRelayCode, encodeTlv, fromBase64, makeCpmQr, makeMembershipId, makePaymentBarcode, parseTlv, toBase64 } from './index.ts';

const aid = Uint8Array.from([0xa0, 0, 0, 0x09, 0x99, 0, 0x01]);
const par = 'Q1J4AWSCKWOSQTT7QQ3MGP6D1X4VQ';
const qr = () => makeCpmQr({ aid, par, atc: 7, cryptogram: Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]) });

test('payment barcodes: 20 digits from 9, the check digit catches every single-digit misread', () => {
  const code = makePaymentBarcode('91', '1234567890123456');
  assert.equal(code.length, 20);
  assert.deepEqual(checkRelayCode(code), { ok: true, code: { format: 'payment-barcode', matchKey: 'barcode:91', oneTime: true } });
  for (let i = 0; i < 20; i++) {
    for (let d = 0; d <= 9; d++) {
      if (String(d) === code[i] || i === 0) continue;
      const bad = code.slice(0, i) + d + code.slice(i + 1);
      const r = checkRelayCode(bad);
      assert.equal(r.ok, false, bad);
    }
  }
  assert.deepEqual(checkRelayCode(code.slice(0, -1) + ((Number(code[19]) + 1) % 10)), { ok: false, reason: 'check-digit' });
  assert.deepEqual(checkRelayCode('8801234000011'), { ok: false, reason: 'unknown-format' });
  // Never a card number for the detector: too long, and the leading 9.
  assert.equal(hasCardNumber(code), false);
});

test('membership ids: M, program, member, check digit', () => {
  const id = makeMembershipId('01', '1234567');
  assert.match(id, /^M[0-9]{10}$/);
  assert.deepEqual(checkRelayCode(id), { ok: true, code: { format: 'membership-id', matchKey: 'member:01', oneTime: false } });
  assert.deepEqual(checkRelayCode(id.slice(0, -1) + ((Number(id[10]) + 3) % 10)), { ok: false, reason: 'check-digit' });
});

test('EMVCo CPM QR: CPV01, application template, cryptogram and counter; account numbers refused', () => {
  const code = qr();
  const r = checkCpmQr(code);
  assert.ok(r.ok);
  assert.deepEqual(r.qr, { aid: 'A000000999000 1'.replace(' ', ''), par, cryptogram: '0102030405060708', atc: 7, cid: '80' });
  assert.deepEqual(checkRelayCode(code), { ok: true, code: { format: 'cpm-qr', matchKey: 'cpm:A0000009990001', oneTime: true } });
  // CPV02 is not the format indicator.
  const bytes = fromBase64(code)!;
  const other = Uint8Array.from(bytes);
  other[6] = '2'.charCodeAt(0);
  assert.deepEqual(checkRelayCode(toBase64(other)), { ok: false, reason: 'payload-format' });
  // A code carrying an application PAN (5A) is refused whatever else it holds.
  const tlv = parseTlv(bytes)!;
  tlv[1]!.children!.push({ tag: '5A', value: Uint8Array.from([0x41, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11]) });
  assert.deepEqual(checkRelayCode(toBase64(encodeTlv(tlv))), { ok: false, reason: 'card-data' });
  // Without a cryptogram.
  const noCrypto = parseTlv(bytes)!;
  noCrypto[1]!.children = noCrypto[1]!.children!.filter((t) => t.tag !== '63');
  assert.deepEqual(checkRelayCode(toBase64(encodeTlv(noCrypto))), { ok: false, reason: 'missing-field' });
  // Truncated: a length past the end.
  assert.equal(checkRelayCode(toBase64(bytes.subarray(0, bytes.length - 3))).ok, false);
});

test('base64 and the code check never throw on arbitrary text', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), (b) => {
      assert.deepEqual(fromBase64(toBase64(b)), b);
    }),
  );
  fc.assert(
    fc.property(fc.string({ maxLength: 200 }), (s) => {
      const r = checkRelayCode(s);
      assert.equal(typeof r.ok, 'boolean');
    }),
  );
});
