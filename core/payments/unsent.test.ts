import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { isUnsentPayment, paymentStatuses, summariseUnsent, UNSENT_PAYMENTS_SELECTOR } from '../index.ts';
import { examplePayment, exampleStoredPayment } from '../schemas/fixtures.ts';

describe('the one "unsent" rule', () => {
  test('a payment is unsent exactly while it is stored, receipt or not', () => {
    for (const status of paymentStatuses) assert.equal(isUnsentPayment({ status }), status === 'stored', status);
    assert.equal(isUnsentPayment(exampleStoredPayment({ serverUpdatedAt: '2025-03-01T09:31:00.000Z' })), true, 'received, not yet forwarded');
    assert.equal(isUnsentPayment(examplePayment()), false, 'online: went with its authorisation request');
    assert.deepEqual({ ...UNSENT_PAYMENTS_SELECTOR }, { status: 'stored' });
  });

  test('sums per currency, in first-seen order, and counts only the unsent', () => {
    const summary = summariseUnsent([
      exampleStoredPayment({ amount: 1200, currency: 'KRW', lineItems: [] }),
      exampleStoredPayment({ amount: 999, currency: 'USD', lineItems: [] }),
      examplePayment({ amount: 5000, currency: 'KRW' }),
      exampleStoredPayment({ amount: 800, currency: 'KRW', lineItems: [] }),
      exampleStoredPayment({ amount: 1, currency: 'USD', status: 'forwarded' }),
    ]);
    assert.deepEqual(summary, {
      count: 3,
      sums: [
        { amount: 2000, currency: 'KRW' },
        { amount: 999, currency: 'USD' },
      ],
    });
    assert.deepEqual(summariseUnsent([]), { count: 0, sums: [] });
  });
});
