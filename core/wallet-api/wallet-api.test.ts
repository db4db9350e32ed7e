/** Phone numbers and the approval binding's exact text. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { canonicalBinding, displayPhone, isEdgePayError, normalisePhone } from '../index.ts';

describe('wallet-api', () => {
  it('normalises Korean and international numbers to E.164', () => {
    for (const written of ['010-1234-5678', '010 1234 5678', '01012345678', '+82 10-1234-5678', '+82 (10) 1234.5678']) {
      assert.equal(normalisePhone(written), '+821012345678', written);
    }
    assert.equal(normalisePhone('+1 415 555 0100'), '+14155550100');
    assert.equal(displayPhone('+821012345678'), '010-1234-5678');
    for (const bad of ['', '12345', '1012345678', '+0123456789', 'call me', '+1234567890123456', '010-1234-5678; DROP']) {
      assert.throws(
        () => normalisePhone(bad),
        (e) => isEdgePayError(e, 'WALLET_PHONE_INVALID'),
        bad,
      );
    }
  });

  it('a binding has one text whatever the key order, and every field changes it', () => {
    const b = { requestId: 'r1', amount: 1000, currency: 'KRW', payeeId: 'm1' };
    const text = canonicalBinding(b);
    assert.equal(canonicalBinding({ payeeId: 'm1', currency: 'KRW', amount: 1000, requestId: 'r1' }), text);
    assert.equal(canonicalBinding({ ...b, extra: 'ignored' } as typeof b), text, 'only the four fields are bound');
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 40 }), fc.nat(), fc.constantFrom('KRW', 'USD', 'EUR'), fc.string({ minLength: 1, maxLength: 40 }), (requestId, amount, currency, payeeId) => {
        const other = { requestId, amount, currency, payeeId };
        const same = requestId === b.requestId && amount === b.amount && currency === b.currency && payeeId === b.payeeId;
        return (canonicalBinding(other) === text) === same;
      }),
    );
    for (const bad of [
      { ...b, amount: 1.5 },
      { ...b, amount: -1 },
      { ...b, currency: 'krw' },
      { ...b, requestId: '' },
      { ...b, payeeId: 5 },
    ]) {
      assert.throws(
        () => canonicalBinding(bad as typeof b),
        (e) => isEdgePayError(e, 'REQUEST_INVALID'),
      );
    }
  });
});
