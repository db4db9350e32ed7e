import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { findCardDataPath, findCardNumbers, isGtin, luhnValid } from './card-data.ts';
import { uuidV7 } from './ids.ts';

describe('card data detection', () => {
  it('finds test PANs of every major scheme, plain and grouped, and nothing that fails Luhn', () => {
    for (const pan of ['4111111111111111', '5555555555554444', '2223003122003222', '378282246310005', '6011111111111117', '4000056655665556', '3056930009020004', '6200000000000005']) {
      assert.deepEqual(findCardNumbers(`x ${pan} y`), [pan], pan);
    }
    assert.deepEqual(findCardNumbers('card: 4111 1111 1111 1111.'), ['4111111111111111']);
    assert.deepEqual(findCardNumbers('4111-1111-1111-1111'), ['4111111111111111']);
    assert.deepEqual(findCardNumbers('4111111111111112'), [], 'fails Luhn');
    assert.deepEqual(findCardNumbers('1764000000000.5 lwt, 01a209e0a565 uuid, 8801234000011 ean'), []);
    assert.deepEqual(findCardNumbers('"responseTime":8.220375000000786, 4086910000005446.25'), [], 'floats are not card numbers');
    assert.deepEqual(findCardNumbers('paid with 4111111111111111.'), ['4111111111111111'], 'a full stop after a number is not a decimal point');
    assert.equal(luhnValid('79927398713'), true);
    assert.equal(luhnValid('79927398710'), false);
  });

  it('never takes an id for a card number: the UUID that once was, and 100,000 fresh ones', () => {
    assert.deepEqual(findCardNumbers('01a20a16-023c-7542-b375-507178595618'), []);
    assert.deepEqual(findCardNumbers('gw-01a20a16-023c-7542-b375-507178595618 tok_375507178595618'), []);
    const flagged = Array.from({ length: 100_000 }, () => uuidV7()).filter((id) => findCardNumbers(id).length > 0);
    assert.deepEqual(flagged, []);
  });

  it('finds the path of a card number inside a document, exempting valid GTIN barcodes', () => {
    assert.equal(findCardDataPath({ a: [{ name: 'fine' }, { name: 'pay 4111111111111111' }] }), '/a/1/name');
    assert.equal(findCardDataPath({ token: 'tok_abc', lineItems: [{ barcode: '4006381333931', name: 'Pen' }] }), undefined);
    assert.ok(isGtin('4006381333931') && !isGtin('4006381333932'));
    assert.equal(findCardDataPath({ lineItems: [{ barcode: '4111111111111111' }] }), '/lineItems/0/barcode', 'a 16-digit "barcode" is no GTIN');
  });
});
