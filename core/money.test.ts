import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  add,
  allocate,
  compare,
  currencyExponent,
  difference,
  equals,
  formatMoney,
  isEdgePayError,
  isNegative,
  isZero,
  money,
  multiply,
  negate,
  parseMoney,
  signedMoney,
  split,
  subtract,
  sum,
  toDecimalString,
  zero,
  type ErrorCode,
  type Money,
} from './index.ts';

const MAX = Number.MAX_SAFE_INTEGER;

function throwsCode(fn: () => unknown, code: ErrorCode): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(isEdgePayError(error), `expected an EdgePayError, got ${String(error)}`);
    assert.equal(error.code, code);
    return true;
  });
}

describe('money()', () => {
  test('builds frozen integer minor units of a known currency', () => {
    const m = money(1234, 'USD');
    assert.deepEqual(m, { amount: 1234, currency: 'USD' });
    assert.ok(Object.isFrozen(m));
  });

  test('refuses fractions, NaN, Infinity and non-numbers', () => {
    for (const bad of [12.5, Number.NaN, Number.POSITIVE_INFINITY, '12' as unknown as number]) {
      throwsCode(() => money(bad, 'USD'), 'MONEY_INVALID_AMOUNT');
    }
  });

  test('refuses unsafe integers as overflow', () => {
    throwsCode(() => money(MAX + 1, 'USD'), 'MONEY_OVERFLOW');
    assert.equal(money(MAX, 'USD').amount, MAX);
  });

  test('refuses unknown currencies, including inherited object keys and lowercase', () => {
    for (const bad of ['XXX', 'usd', 'toString', 'constructor', '']) {
      throwsCode(() => money(1, bad), 'MONEY_UNKNOWN_CURRENCY');
    }
  });

  test('refuses negatives; signedMoney allows them', () => {
    throwsCode(() => money(-1, 'USD'), 'MONEY_NEGATIVE');
    assert.equal(signedMoney(-1, 'USD').amount, -1);
  });

  test('exponents follow ISO 4217', () => {
    assert.deepEqual((['KRW', 'JPY', 'USD', 'EUR', 'GBP', 'CNY', 'KWD', 'BHD'] as const).map(currencyExponent), [0, 0, 2, 2, 2, 2, 3, 3]);
  });
});

describe('arithmetic', () => {
  const usd = (n: number) => money(n, 'USD');

  test('add, subtract, difference, negate, multiply', () => {
    assert.equal(add(usd(10), usd(5)).amount, 15);
    assert.equal(subtract(usd(10), usd(4)).amount, 6);
    throwsCode(() => subtract(usd(4), usd(10)), 'MONEY_NEGATIVE');
    assert.equal(difference(usd(4), usd(10)).amount, -6);
    assert.equal(negate(usd(7)).amount, -7);
    assert.ok(Object.is(negate(usd(0)).amount, 0), 'negating zero must not give -0');
    assert.equal(multiply(usd(199), 3).amount, 597);
    assert.equal(multiply(usd(199), 0).amount, 0);
  });

  test('multiply refuses fractional or negative quantities', () => {
    throwsCode(() => multiply(usd(100), 1.5), 'MONEY_INVALID_QUANTITY');
    throwsCode(() => multiply(usd(100), -1), 'MONEY_INVALID_QUANTITY');
  });

  test('mixed currencies throw MONEY_CURRENCY_MISMATCH', () => {
    const krw = money(1000, 'KRW');
    throwsCode(() => add(usd(1), krw), 'MONEY_CURRENCY_MISMATCH');
    throwsCode(() => subtract(usd(1), krw), 'MONEY_CURRENCY_MISMATCH');
    throwsCode(() => difference(usd(1), krw), 'MONEY_CURRENCY_MISMATCH');
    throwsCode(() => compare(usd(1), krw), 'MONEY_CURRENCY_MISMATCH');
    throwsCode(() => sum([usd(1), krw], 'USD'), 'MONEY_CURRENCY_MISMATCH');
    throwsCode(() => sum([krw], 'USD'), 'MONEY_CURRENCY_MISMATCH');
  });

  test('overflow beyond MAX_SAFE_INTEGER throws instead of rounding', () => {
    throwsCode(() => add(usd(MAX), usd(1)), 'MONEY_OVERFLOW');
    throwsCode(() => multiply(usd(2 ** 52), 2), 'MONEY_OVERFLOW');
    throwsCode(() => multiply(usd(MAX), MAX), 'MONEY_OVERFLOW');
    throwsCode(() => difference(signedMoney(-MAX, 'USD'), usd(1)), 'MONEY_OVERFLOW');
    throwsCode(() => sum([usd(MAX - 1), usd(1), usd(1)], 'USD'), 'MONEY_OVERFLOW');
    assert.equal(add(usd(MAX - 1), usd(1)).amount, MAX);
  });

  test('sum, zero, isZero, isNegative, compare, equals', () => {
    assert.deepEqual(sum([], 'KRW'), { amount: 0, currency: 'KRW' });
    assert.equal(sum([usd(1), usd(2), usd(3)], 'USD').amount, 6);
    assert.ok(isZero(zero('EUR')));
    assert.ok(!isZero(usd(1)));
    assert.ok(isNegative(signedMoney(-1, 'USD')));
    assert.equal(compare(usd(1), usd(2)), -1);
    assert.equal(compare(usd(2), usd(2)), 0);
    assert.equal(compare(usd(3), usd(2)), 1);
    assert.ok(equals(usd(5), usd(5)));
    assert.ok(!equals(usd(5), money(5, 'EUR')));
  });
});

describe('allocate() and split()', () => {
  const amounts = (list: Money[]) => list.map((m) => m.amount);

  test('largest remainder, earliest first on ties', () => {
    assert.deepEqual(amounts(allocate(money(100, 'USD'), [1, 1, 1])), [34, 33, 33]);
    assert.deepEqual(amounts(allocate(money(5, 'USD'), [3, 7])), [2, 3]); // 1.5 / 3.5: tie → first
    assert.deepEqual(amounts(allocate(money(10, 'KRW'), [1, 0, 1])), [5, 0, 5]);
    assert.deepEqual(amounts(allocate(money(1, 'USD'), [1, 1, 1])), [1, 0, 0]);
    // 499.5, 299.7, 199.8: two spare units go to the .8 and .7 remainders, not to the first share.
    assert.deepEqual(amounts(allocate(money(999, 'USD'), [50, 30, 20])), [499, 300, 200]);
  });

  test('shares always add up to the original, for many amounts and ratio sets', () => {
    const ratioSets = [[1], [1, 2], [3, 3, 3], [7, 11, 13, 17], [1, 0, 0, 1, 5], [MAX, 1], [2 ** 40, 2 ** 40 + 1, 3]];
    for (const ratios of ratioSets) {
      for (const amount of [0, 1, 2, 7, 99, 100, 1001, 123457, MAX, -1, -100, -MAX]) {
        const m = signedMoney(amount, 'USD');
        const shares = allocate(m, ratios);
        assert.equal(shares.length, ratios.length);
        assert.equal(sum(shares, 'USD').amount, amount, `ratios ${ratios} amount ${amount}`);
        for (const s of shares) assert.ok(Number.isSafeInteger(s.amount) && s.currency === 'USD');
      }
    }
  });

  test('a negative amount splits symmetrically', () => {
    assert.deepEqual(amounts(allocate(signedMoney(-100, 'USD'), [1, 1, 1])), [-34, -33, -33]);
  });

  test('split into equal parts', () => {
    assert.deepEqual(amounts(split(money(1000, 'KRW'), 3)), [334, 333, 333]);
    assert.deepEqual(amounts(split(money(1, 'KWD'), 2)), [1, 0]);
  });

  test('refuses empty, negative, fractional or all-zero ratios', () => {
    for (const ratios of [[], [0, 0], [1, -1], [0.5, 0.5], [Number.NaN]]) {
      throwsCode(() => allocate(money(10, 'USD'), ratios), 'MONEY_INVALID_RATIOS');
    }
    throwsCode(() => split(money(10, 'USD'), 0), 'MONEY_INVALID_RATIOS');
  });
});

describe('parseMoney()', () => {
  test('reads decimal strings exactly into minor units', () => {
    assert.deepEqual(parseMoney('12.34', 'USD'), { amount: 1234, currency: 'USD' });
    assert.equal(parseMoney('12.3', 'USD').amount, 1230);
    assert.equal(parseMoney('12', 'USD').amount, 1200);
    assert.equal(parseMoney('0.01', 'USD').amount, 1);
    assert.equal(parseMoney('15000', 'KRW').amount, 15000);
    assert.equal(parseMoney('1.005', 'KWD').amount, 1005);
    assert.equal(parseMoney('0.1', 'BHD').amount, 100);
    // A float would make 0.29 * 100 = 28.999999999999996.
    assert.equal(parseMoney('0.29', 'USD').amount, 29);
    assert.equal(parseMoney('90071992547409.91', 'USD').amount, MAX);
  });

  test('refuses too many decimals instead of rounding', () => {
    throwsCode(() => parseMoney('12.345', 'USD'), 'MONEY_PARSE');
    throwsCode(() => parseMoney('100.5', 'KRW'), 'MONEY_PARSE');
    throwsCode(() => parseMoney('100.0', 'JPY'), 'MONEY_PARSE');
    throwsCode(() => parseMoney('1.0005', 'KWD'), 'MONEY_PARSE');
  });

  test('refuses junk', () => {
    const junk = ['', ' 12.34', '12.34 ', '+12', '1,000', '1e3', '.5', '5.', '12..3', '0x10', 'Infinity', 'NaN', '12.3a', '١٢', '--1', '1_000'];
    for (const text of junk) throwsCode(() => parseMoney(text, 'USD'), 'MONEY_PARSE');
    throwsCode(() => parseMoney(12 as unknown as string, 'USD'), 'MONEY_PARSE');
    throwsCode(() => parseMoney('9'.repeat(41), 'USD'), 'MONEY_PARSE');
  });

  test('does not echo the text in the error (it might be a card number)', () => {
    try {
      parseMoney('4111 1111 1111 1111', 'USD');
      assert.fail('should throw');
    } catch (error) {
      assert.ok(isEdgePayError(error, 'MONEY_PARSE'));
      assert.ok(!JSON.stringify(error.toJSON()).includes('4111'));
    }
  });

  test('overflow and unknown currency', () => {
    throwsCode(() => parseMoney('90071992547409.92', 'USD'), 'MONEY_OVERFLOW');
    throwsCode(() => parseMoney('99999999999999999999', 'KRW'), 'MONEY_OVERFLOW');
    throwsCode(() => parseMoney('1', 'XYZ'), 'MONEY_UNKNOWN_CURRENCY');
  });

  test('negative only when asked for', () => {
    throwsCode(() => parseMoney('-1.00', 'USD'), 'MONEY_NEGATIVE');
    assert.equal(parseMoney('-1.25', 'USD', { allowNegative: true }).amount, -125);
    assert.ok(Object.is(parseMoney('-0', 'USD').amount, 0));
  });

  test('round-trips with toDecimalString', () => {
    for (const [amount, currency] of [
      [0, 'USD'],
      [5, 'USD'],
      [1234, 'USD'],
      [15000, 'KRW'],
      [1, 'KWD'],
      [MAX, 'BHD'],
      [-5, 'USD'],
    ] as const) {
      const m = signedMoney(amount, currency);
      assert.deepEqual(parseMoney(toDecimalString(m), currency, { allowNegative: true }), m);
    }
  });
});

describe('toDecimalString() and formatMoney()', () => {
  test('decimal strings', () => {
    assert.equal(toDecimalString(money(1234, 'USD')), '12.34');
    assert.equal(toDecimalString(money(5, 'USD')), '0.05');
    assert.equal(toDecimalString(signedMoney(-5, 'USD')), '-0.05');
    assert.equal(toDecimalString(money(15000, 'KRW')), '15000');
    assert.equal(toDecimalString(money(1500, 'KWD')), '1.500');
    assert.equal(toDecimalString(money(7, 'BHD')), '0.007');
    assert.equal(toDecimalString(money(MAX, 'USD')), '90071992547409.91');
  });

  // Intl puts a no-break space (U+00A0) between an ISO code and the number.
  const nbsp = '\u00a0';

  test('en-US', () => {
    assert.equal(formatMoney(money(1234, 'USD'), 'en-US'), '$12.34');
    assert.equal(formatMoney(signedMoney(-1234, 'USD'), 'en-US'), '-$12.34');
    assert.equal(formatMoney(money(15000, 'KRW'), 'en-US'), '₩15,000');
    assert.equal(formatMoney(money(1000, 'JPY'), 'en-US'), '¥1,000');
    assert.equal(formatMoney(money(1500, 'KWD'), 'en-US'), `KWD${nbsp}1.500`);
  });

  test('ko-KR', () => {
    assert.equal(formatMoney(money(15000, 'KRW'), 'ko-KR'), '₩15,000');
    assert.equal(formatMoney(money(1234, 'USD'), 'ko-KR'), 'US$12.34');
    assert.equal(formatMoney(money(1000, 'JPY'), 'ko-KR'), 'JP¥1,000');
    assert.equal(formatMoney(money(1500, 'KWD'), 'ko-KR'), `KWD${nbsp}1.500`);
  });

  test('exact near 2^53, where dividing by 100 as a float is off by a cent', () => {
    const amount = 9007199254740901;
    // The float path rounds to …409.02: this is what formatMoney must avoid.
    assert.equal((amount / 100).toFixed(2), '90071992547409.02');
    assert.equal(formatMoney(money(amount, 'USD'), 'en-US'), '$90,071,992,547,409.01');
  });

  test('shows exactly the currency exponent, and refuses a bad locale', () => {
    assert.equal(formatMoney(money(100, 'USD'), 'en-US'), '$1.00');
    assert.equal(formatMoney(money(1, 'BHD'), 'en-US'), `BHD${nbsp}0.001`);
    throwsCode(() => formatMoney(money(1, 'USD'), 'not a locale!'), 'MONEY_INVALID_LOCALE');
  });
});
