import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createUuidV7Generator, isEdgePayError, isUuidV7, uuidV7, uuidV7Timestamp } from './index.ts';

function bits(id: string): bigint {
  return BigInt(`0x${id.replaceAll('-', '')}`);
}

describe('uuidV7()', () => {
  test('RFC 9562 layout: 48-bit ms timestamp, version 7, variant 10', () => {
    const before = Date.now();
    const id = uuidV7();
    const after = Date.now();
    assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    const value = bits(id);
    assert.equal((value >> 76n) & 0xfn, 7n, 'version nibble');
    assert.equal((value >> 62n) & 0x3n, 2n, 'variant bits 10');
    const ms = Number(value >> 80n);
    assert.ok(ms >= before && ms <= after + 1, `timestamp ${ms} within [${before}, ${after}]`);
    assert.equal(uuidV7Timestamp(id), ms);
    assert.ok(isUuidV7(id));
  });

  test('10,000 ids are unique and sort as strings in creation order', () => {
    const ids = Array.from({ length: 10_000 }, () => uuidV7());
    assert.equal(new Set(ids).size, ids.length);
    for (let i = 1; i < ids.length; i += 1) {
      assert.ok(ids[i - 1]! < ids[i]!, `id ${i} out of order: ${ids[i - 1]} !< ${ids[i]}`);
    }
    assert.deepEqual([...ids].sort(), ids);
  });

  test('random bits differ between generators (not a constant seed)', () => {
    const a = createUuidV7Generator({ now: () => 1_700_000_000_000 })();
    const b = createUuidV7Generator({ now: () => 1_700_000_000_000 })();
    assert.notEqual(a, b);
    assert.equal(a.slice(0, 13), b.slice(0, 13), 'same timestamp');
  });
});

describe('createUuidV7Generator() with an injected clock', () => {
  const zeros = (n: number) => new Uint8Array(n);

  test('same millisecond: rand_a counts up from the seed', () => {
    const next = createUuidV7Generator({ now: () => 0x0123_4567_89ab, randomBytes: zeros });
    assert.equal(next(), '01234567-89ab-7000-8000-000000000000');
    assert.equal(next(), '01234567-89ab-7001-8000-000000000000');
    assert.equal(next(), '01234567-89ab-7002-8000-000000000000');
  });

  test('the seed uses 11 bits, so at least 2048 ids fit in one millisecond', () => {
    const next = createUuidV7Generator({ now: () => 1000, randomBytes: (n) => new Uint8Array(n).fill(0xff) });
    const first = next();
    assert.equal(first.slice(14, 18), '77ff', 'seed 0x7ff');
    assert.equal(first.slice(19, 23), 'bfff', 'variant 10 then ones');
  });

  test('counter exhausted: borrows the next millisecond and stays ordered', () => {
    const next = createUuidV7Generator({ now: () => 5000, randomBytes: zeros });
    const ids = Array.from({ length: 4097 }, () => next());
    assert.equal(uuidV7Timestamp(ids[4095]!), 5000);
    assert.equal(ids[4095]!.slice(14, 18), '7fff');
    assert.equal(uuidV7Timestamp(ids[4096]!), 5001);
    assert.deepEqual([...ids].sort(), ids);
  });

  test('clock going backwards keeps ids increasing', () => {
    let now = 10_000;
    const next = createUuidV7Generator({ now: () => now, randomBytes: zeros });
    const a = next();
    now = 9_000;
    const b = next();
    now = 10_001;
    const c = next();
    assert.ok(a < b && b < c);
    assert.equal(uuidV7Timestamp(b), 10_000);
    assert.equal(uuidV7Timestamp(c), 10_001);
  });

  test('refuses an unusable clock or missing randomness', () => {
    for (const bad of [-1, 1.5, Number.NaN, 2 ** 48]) {
      assert.throws(
        () => createUuidV7Generator({ now: () => bad })(),
        (e) => isEdgePayError(e, 'ID_CLOCK_INVALID'),
      );
    }
    assert.throws(
      () => createUuidV7Generator({ randomBytes: () => new Uint8Array(3) })(),
      (e) => isEdgePayError(e, 'ID_RANDOM_UNAVAILABLE'),
    );
  });

  test('largest timestamp encodes as all ones', () => {
    const id = createUuidV7Generator({ now: () => 2 ** 48 - 1, randomBytes: zeros })();
    assert.equal(id.slice(0, 13), 'ffffffff-ffff');
    assert.equal(uuidV7Timestamp(id), 2 ** 48 - 1);
  });
});

describe('isUuidV7() and uuidV7Timestamp()', () => {
  test('accepts only canonical lowercase v7', () => {
    assert.ok(isUuidV7('01890a5d-ac96-774b-bcce-b302099a8057'));
    const refused = [
      '01890A5D-AC96-774B-BCCE-B302099A8057', // uppercase: a second spelling of one key
      '01890a5d-ac96-474b-bcce-b302099a8057', // version 4
      '01890a5d-ac96-774b-7cce-b302099a8057', // variant 0
      '01890a5d-ac96-774b-ccce-b302099a8057', // variant 110
      '01890a5dac96774bbcceb302099a8057', // no hyphens
      '{01890a5d-ac96-774b-bcce-b302099a8057}',
      '',
      42,
      undefined,
    ];
    for (const value of refused) assert.ok(!isUuidV7(value), String(value));
  });

  test('reads the timestamp of a known id', () => {
    // RFC 9562 appendix A.6 example: 2022-02-22T19:22:22Z = 0x017F22E279B0.
    assert.equal(uuidV7Timestamp('017f22e2-79b0-7cc3-98c4-dc0c0c07398f'), Date.UTC(2022, 1, 22, 19, 22, 22));
  });

  test('throws ID_INVALID on anything else', () => {
    assert.throws(
      () => uuidV7Timestamp('not-an-id'),
      (e) => isEdgePayError(e, 'ID_INVALID'),
    );
  });
});
