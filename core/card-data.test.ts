import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { findCardDataPath, findCardNumbers, hasCardNumber, isGtin, luhnValid, redactCardNumbers } from './card-data.ts';
import { CARD_RANGES, fitsCardNetwork } from './card-networks.ts';
import { uuidV7 } from './ids.ts';

// Fixed seed in `npm test`; FUZZ_RUNS=100000 (and FUZZ_SEED) for a longer run on demand.
const RUNS = Number(process.env.FUZZ_RUNS ?? 500);
const params = { numRuns: RUNS, ...(process.env.FUZZ_SEED ? { seed: Number(process.env.FUZZ_SEED) } : { seed: 25 }) };

/** A Luhn-valid card number of a listed network: a prefix in one of its ranges, a length it issues. */
const panArb = fc
  .tuple(fc.constantFrom(...CARD_RANGES), fc.nat(), fc.nat(), fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 19, maxLength: 19 }))
  .map(([[from, to, lengths], pick, lengthPick, rest]) => {
    const prefix = String(Number(from) + (pick % (Number(to) - Number(from) + 1))).padStart(from.length, '0');
    const length = lengths[lengthPick % lengths.length]!;
    const body = prefix + rest.slice(0, length - 1 - prefix.length).join('');
    for (let check = 0; check <= 9; check++) if (luhnValid(body + check)) return body + check;
    throw new Error('unreachable');
  })
  // The scan looks at runs of 13 to 19 digits (Maestro's 12 are too short to tell from ids).
  .filter((pan) => pan.length >= 13);

/** A Luhn-valid digit run of 13-19 digits, any first digit, with its check digit. */
const luhnRunArb = fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 12, maxLength: 18 }).map((d) => {
  const body = d.join('');
  for (let check = 0; check <= 9; check++) if (luhnValid(body + check)) return body + check;
  throw new Error('unreachable');
});

/** Ways of writing the number: groups split by one separator kind, or not at all. */
const splitArb = fc.tuple(panArb, fc.constantFrom('', ' ', '.', '-', '_', '/', ' - ', '\u00a0', '\u200b', '\t'), fc.integer({ min: 1, max: 6 })).map(([pan, sep, size]) => {
  const groups: string[] = [];
  for (let i = 0; i < pan.length; i += size) groups.push(pan.slice(i, i + size));
  return { pan, text: groups.join(sep) };
});

// Surroundings that end a digit run: letters, punctuation, tokens; never a digit or a separator next to the number.
const before = fc.constantFrom('', 'tok_', 'Visa', 'x', 'card:', '{"a":"', 'name=', '"', 'pay ', 'A', 'gw-', 'é', '#');
const after = fc.constantFrom('', 'A', 'exp', '"}', '&q=1', ' x', ';', 'zz', ',', 'é', '!');
const noiseArb = fc.string({ unit: fc.constantFrom(...'abcXYZ _-,;:!?é한{}"'.split('')), maxLength: 30 });

describe('card data detection', () => {
  it('finds test PANs of every major scheme, plain and grouped, and nothing that fails Luhn', () => {
    for (const pan of ['4111111111111111', '5555555555554444', '2223003122003222', '378282246310005', '6011111111111117', '4000056655665556', '3056930009020004', '6200000000000005']) {
      assert.deepEqual(findCardNumbers(`x ${pan} y`), [pan], pan);
    }
    assert.deepEqual(findCardNumbers('card: 4111 1111 1111 1111.'), ['4111111111111111']);
    assert.deepEqual(findCardNumbers('4111-1111-1111-1111'), ['4111111111111111']);
    assert.deepEqual(findCardNumbers('4111111111111112'), [], 'fails Luhn');
    assert.deepEqual(findCardNumbers('1764000000000.5 lwt, 01a209e0a565 uuid, 8801234000011 ean'), []);
    assert.deepEqual(findCardNumbers('"responseTime":8.220375000000786'), [], 'the fraction of a decimal number is not a card number');
    assert.deepEqual(findCardNumbers('4111111111111111.00'), ['4111111111111111'], 'the integer part of one is');
    assert.deepEqual(findCardNumbers('paid with 4111111111111111.'), ['4111111111111111'], 'a full stop after a number is not a decimal point');
    assert.equal(luhnValid('79927398713'), true);
    assert.equal(luhnValid('79927398710'), false);
  });

  it('finds the issue-25 hiding places: in a token, glued to letters, split by dots, dashes, spaces, next to other digits, fullwidth', () => {
    for (const text of [
      'tok_4111111111111111',
      'Visa4111111111111111',
      '4111111111111111A',
      '4111.1111.1111.1111',
      '4-1-1-1-1-1-1-1-1-1-1-1-1-1-1-1',
      '4111 1111 1111 1111 2029',
      '/payments/4111111111111111?x=1',
      '４１１１１１１１１１１１１１１１',
      'tok_375507178595618',
    ]) {
      assert.ok(hasCardNumber(text), text);
    }
  });

  it('property: a generated card number hidden in random text, however split or glued, is always found', () => {
    fc.assert(
      fc.property(noiseArb, before, splitArb, after, noiseArb, (pre, b, { pan, text }, a, post) => {
        const doc = `${pre}${b}${text}${a}${post}`;
        assert.ok(findCardNumbers(doc).includes(pan), JSON.stringify(doc));
        assert.ok(!hasCardNumber(redactCardNumbers(doc)), 'redaction leaves none');
        // And in any field or key of a document.
        assert.ok(findCardDataPath({ a: [{ b: doc }] }) !== undefined);
        assert.ok(findCardDataPath({ a: { [doc]: 1 } }) !== undefined);
      }),
      params,
    );
  });

  it('never takes an id for a card number: the UUID that once was, and 100,000 fresh ones', () => {
    assert.deepEqual(findCardNumbers('01a20a16-023c-7542-b375-507178595618'), []);
    assert.deepEqual(findCardNumbers('gw-01a20a16-023c-7542-b375-507178595618'), []);
    const flagged = Array.from({ length: 100_000 }, () => uuidV7()).filter((id) => findCardNumbers(id).length > 0);
    assert.deepEqual(flagged, []);
  });

  it('property: random UUIDs (v4, v7, bare), hex hashes and GTINs in their fields are not flagged', () => {
    const hex = (n: number) => fc.string({ unit: fc.constantFrom(...'0123456789abcdef'.split('')), minLength: n, maxLength: n });
    const gtinArb = fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 12, maxLength: 12 }).map((d) => {
      const body = d.join('');
      for (let c = 0; c <= 9; c++) if (isGtin(body + c)) return body + c;
      throw new Error('unreachable');
    });
    fc.assert(
      fc.property(fc.uuid({ version: [4, 7] }), hex(32), hex(40), hex(64), gtinArb, (uuid, h32, h40, h64, gtin) => {
        const doc = { id: uuid, ref: `req_${uuid}`, digest: h64, sha1: h40, key: h32, lineItems: [{ barcode: gtin, name: 'x' }], log: `id=${uuid} sha=${h64}` };
        assert.equal(findCardDataPath(doc), undefined, JSON.stringify(doc));
      }),
      params,
    );
  });

  it('finds the path of a card number inside a document, exempting valid GTIN barcodes, and never names the key that holds one', () => {
    assert.equal(findCardDataPath({ a: [{ name: 'fine' }, { name: 'pay 4111111111111111' }] }), '/a/1/name');
    assert.equal(findCardDataPath({ token: 'tok_abc', lineItems: [{ barcode: '4006381333931', name: 'Pen' }] }), undefined);
    assert.ok(isGtin('4006381333931') && !isGtin('4006381333932'));
    assert.equal(findCardDataPath({ lineItems: [{ barcode: '4111111111111111' }] }), '/lineItems/0/barcode', 'a 16-digit "barcode" is no GTIN');
    const path = findCardDataPath({ a: { ok: 1, Visa4111111111111111: 2 } });
    assert.equal(path, '/a/#1');
  });

  it('walks a value nested 200,000 levels deep without a stack overflow', () => {
    let deep: unknown = 'pay 4111111111111111';
    for (let i = 0; i < 200_000; i++) deep = i % 2 ? [deep] : { a: deep };
    assert.ok(findCardDataPath(deep)?.startsWith('/0/a/0/a'));
  });

  it('redacts card numbers in log and error text and leaves the rest', () => {
    assert.equal(redactCardNumbers('GET /payments/4111111111111111?x=tok_5555555555554444 done'), 'GET /payments/[card number]?x=tok_[card number] done');
    assert.equal(redactCardNumbers('nothing here 12345'), 'nothing here 12345');
  });

  it("does not refuse digit-run ids and idempotency keys: clock values in ms, µs and ns, runs outside the networks' ranges or lengths", () => {
    // Date.now() values over the next centuries, Luhn-valid ones included (one in ten).
    const start = 1_700_000_000_000;
    let luhnValidClock = 0;
    for (let t = start; t < start + 200_000; t += 7) {
      if (luhnValid(String(t))) luhnValidClock++;
      assert.equal(hasCardNumber(String(t)), false, String(t));
      assert.equal(hasCardNumber(`key-${t * 1000}`), false, 'µs ' + t);
    }
    assert.ok(luhnValidClock > 2000, 'Luhn-valid clock values were among them');
    assert.equal(hasCardNumber(String(BigInt(start) * 1_000_000n + 123_456n)), false, 'ns');
    const withCheck = (body: string) => body + [...'0123456789'].find((c) => luhnValid(body + c))!;
    // 7- and 8-series (no network but UnionPay/RuPay 81-82), 4-series at 17 and 18 digits (Visa issues 13, 16, 19), 3-series at 13.
    for (const id of ['7992739871300000', '800000000000000', '700000000000000', '4111111111111111', '41111111111111111', '340000000000'].map(withCheck)) {
      assert.equal(luhnValid(id), true, id);
      assert.equal(hasCardNumber(id), false, id);
    }
  });

  it('property: a Luhn-valid run is refused exactly when a network issues it (prefix and length)', () => {
    fc.assert(
      fc.property(luhnRunArb, (run) => {
        assert.equal(hasCardNumber(run), fitsCardNetwork(run), run);
      }),
      params,
    );
  });

  it('still finds the test PANs of every listed network in every disguise', () => {
    const pans = [
      '4111111111111111',
      '4222222222222',
      '4000000000000000006',
      '5555555555554444',
      '2223003122003222',
      '378282246310005',
      '371449635398431',
      '6011111111111117',
      '3530111333300000',
      '3056930009020004',
      '36227206271667',
      '6200000000000005',
      '6759649826438453',
      '2200000000000004',
      '9410000000000005',
      '122000000000003',
    ];
    for (const pan of pans) {
      assert.equal(luhnValid(pan), true, pan);
      for (const text of [pan, `tok_${pan}`, `Visa${pan}A`, pan.replace(/(\d{4})(?=\d)/g, '$1.'), pan.replace(/(\d{4})(?=\d)/g, '$1-'), pan.split('').join(' ')]) {
        assert.ok(hasCardNumber(text), text);
      }
    }
  });
});
