/**
 * The basket's arithmetic and the offline limits at each boundary: exactly
 * at a limit is accepted, one minor unit over is refused, and a currency
 * without limits is refused outright.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isEdgePayError } from '../errors.ts';
import type { ProductDoc } from '../schemas/products.ts';
import type { OfflineLimits } from '../schemas/sites.ts';
import { addProduct, basketTotal, emptyBasket, itemCount, removeLine, setQuantity, toLineItems } from './basket.ts';
import { checkOfflineLimits } from './offline-limits.ts';

const product = (id: string, amount: number, extra: Partial<ProductDoc> = {}): ProductDoc => ({
  id,
  siteId: 's',
  sku: id.toUpperCase(),
  barcode: '880' + id,
  name: id,
  price: { amount, currency: 'KRW' },
  active: true,
  updatedAt: '2026-01-01T00:00:00.000Z',
  ...extra,
});

describe('basket', () => {
  it('adds, merges, changes quantities, removes and totals in minor units', () => {
    let b = emptyBasket('KRW');
    b = addProduct(b, product('tea', 1500));
    b = addProduct(b, product('kimbap', 3500), 2);
    b = addProduct(b, product('tea', 1500));
    assert.equal(b.lines.length, 2);
    assert.equal(itemCount(b), 4);
    assert.deepEqual(basketTotal(b), { amount: 10_000, currency: 'KRW' });
    b = setQuantity(b, 'kimbap', 1);
    assert.equal(basketTotal(b).amount, 6500);
    assert.deepEqual(
      toLineItems(b).map((l) => [l.name, l.quantity, l.unitAmount, l.lineAmount]),
      [
        ['tea', 2, 1500, 3000],
        ['kimbap', 1, 3500, 3500],
      ],
    );
    b = setQuantity(b, 'tea', 0);
    b = removeLine(b, 'kimbap');
    assert.deepEqual(basketTotal(b), { amount: 0, currency: 'KRW' });
  });

  it('refuses bad quantities, inactive products and other currencies without changing the basket', () => {
    const b = addProduct(emptyBasket('KRW'), product('tea', 1500));
    for (const q of [-1, 1.5, 100, Number.NaN])
      assert.throws(
        () => setQuantity(b, 'tea', q),
        (e: unknown) => isEdgePayError(e, 'MONEY_INVALID_QUANTITY'),
      );
    assert.throws(
      () => setQuantity(b, 'nope', 1),
      (e: unknown) => isEdgePayError(e, 'CHECKOUT_LINE_NOT_FOUND'),
    );
    assert.throws(
      () => addProduct(b, product('old', 100, { active: false })),
      (e: unknown) => isEdgePayError(e, 'CHECKOUT_PRODUCT_UNAVAILABLE'),
    );
    assert.throws(
      () => addProduct(b, product('usd', 100, { price: { amount: 100, currency: 'USD' } })),
      (e: unknown) => isEdgePayError(e, 'MONEY_CURRENCY_MISMATCH'),
    );
    assert.equal(basketTotal(b).amount, 1500);
  });
});

describe('offline limits', () => {
  const limits: OfflineLimits = {
    perPayment: [{ amount: 50_000, currency: 'KRW' }],
    totalStored: [{ amount: 100_000, currency: 'KRW' }],
    maxAgeMinutes: 60,
  };
  const now = new Date('2026-06-01T12:00:00.000Z');
  const at = (minutesAgo: number) => new Date(now.getTime() - minutesAgo * 60_000).toISOString();

  it('per payment: at the limit yes, one unit over no', () => {
    assert.deepEqual(checkOfflineLimits(limits, { amount: 50_000, currency: 'KRW' }, [], now), { ok: true });
    const r = checkOfflineLimits(limits, { amount: 50_001, currency: 'KRW' }, [], now);
    assert.equal(r.ok, false);
    assert.equal(!r.ok && r.limit, 'per-payment');
  });

  it('total stored per currency: up to the limit yes, one unit over no; other currencies do not count', () => {
    const unsent = [
      { amount: 30_000, currency: 'KRW', createdAt: at(5) },
      { amount: 20_000, currency: 'KRW', createdAt: at(3) },
      { amount: 99_999, currency: 'USD', createdAt: at(1) },
    ];
    assert.deepEqual(checkOfflineLimits(limits, { amount: 50_000, currency: 'KRW' }, unsent, now), { ok: true });
    const r = checkOfflineLimits(limits, { amount: 50_000, currency: 'KRW' }, [...unsent, { amount: 1, currency: 'KRW', createdAt: at(1) }], now);
    assert.equal(!r.ok && r.limit, 'total-stored');
    assert.deepEqual(!r.ok && r.current, { amount: 50_001, currency: 'KRW' });
  });

  it('oldest unsent payment: younger than the limit yes, at the limit no', () => {
    assert.deepEqual(checkOfflineLimits(limits, { amount: 100, currency: 'KRW' }, [{ amount: 1, currency: 'KRW', createdAt: new Date(now.getTime() - 60 * 60_000 + 1).toISOString() }], now), {
      ok: true,
    });
    const r = checkOfflineLimits(limits, { amount: 100, currency: 'KRW' }, [{ amount: 1, currency: 'KRW', createdAt: at(60) }], now);
    assert.equal(!r.ok && r.limit, 'oldest-age');
  });

  it('a currency without limits is online-only', () => {
    const r = checkOfflineLimits(limits, { amount: 1, currency: 'USD' }, [], now);
    assert.equal(!r.ok && r.limit, 'currency');
  });
});
