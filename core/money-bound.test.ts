import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { boundedMoney, currencies, maxAmount, type CurrencyCode } from './index.ts';
import { checkPaymentAmounts } from './schemas/payment-amounts.ts';

describe('a written upper bound per currency (issue 25)', () => {
  it('every currency has one, and 2^53-1 KRW is refused with MONEY_TOO_LARGE', () => {
    for (const c of Object.keys(currencies) as CurrencyCode[]) {
      assert.ok(Number.isSafeInteger(maxAmount(c)) && maxAmount(c) > 0, c);
      assert.equal(boundedMoney(maxAmount(c), c).amount, maxAmount(c));
      assert.throws(() => boundedMoney(maxAmount(c) + 1, c), { code: 'MONEY_TOO_LARGE' });
    }
    assert.throws(() => boundedMoney(2 ** 53 - 1, 'KRW'), { code: 'MONEY_TOO_LARGE' });
    assert.equal(checkPaymentAmounts({ amount: 2 ** 53 - 1, currency: 'KRW', lineItems: [] }).ok, false);
    assert.equal(checkPaymentAmounts({ amount: 2500, currency: 'KRW', lineItems: [] }).ok, true);
  });
});
