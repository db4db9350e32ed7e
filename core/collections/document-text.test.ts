/**
 * Core's one document check (text rules + card-data scan), as every declared
 * collection carries it: what it refuses, what it lets through, and that a
 * refusal names the field and a fixed reason, never the text.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { checkDocumentText, defineCollection, edgePayCollections, findCardNumbers, MAX_DEPTH, MAX_TEXT_LENGTH, WRITE_OK } from '../index.ts';
import { examplePayment, exampleProduct } from '../schemas/fixtures.ts';

const payments = edgePayCollections.get('payments');
const withItemName = (name: string) => examplePayment({ lineItems: [{ name, quantity: 1, unitAmount: 1000, lineAmount: 1000 }], amount: 1000 });

describe('core document check', () => {
  it('refuses NUL, lone surrogates, control characters and card numbers in an item name, naming the field only', () => {
    const cases: [string, string, string][] = [
      ['tea\u0000', 'DOCUMENT_TEXT_INVALID', 'NUL character'],
      ['\u0000', 'DOCUMENT_TEXT_INVALID', 'NUL character'],
      ['cake \ud83c', 'DOCUMENT_TEXT_INVALID', 'lone UTF-16 surrogate'],
      ['\udc00 cake', 'DOCUMENT_TEXT_INVALID', 'lone UTF-16 surrogate'],
      ['\ud83c\ud83c\udf70', 'DOCUMENT_TEXT_INVALID', 'lone UTF-16 surrogate'],
      ['bell\u0007', 'DOCUMENT_TEXT_INVALID', 'control character'],
      ['two\nlines', 'DOCUMENT_TEXT_INVALID', 'control character'],
      ['escape\u001b[2J', 'DOCUMENT_TEXT_INVALID', 'control character'],
      ['card 4111 1111 1111 1111', 'CARD_DATA_REFUSED', 'card number'],
      ['card 5555-5555-5555-4444', 'CARD_DATA_REFUSED', 'card number'],
    ];
    for (const [name, code, reason] of cases) {
      const problem = payments.checkDocument(withItemName(name));
      assert.deepEqual(problem, { code, path: '/lineItems/0/name', reason }, JSON.stringify(name));
      assert.deepEqual(findCardNumbers(JSON.stringify(problem)), []);
    }
  });

  it('lets ordinary text through: accents, Hangul, emoji (paired surrogates), tabs nowhere, the example documents', () => {
    for (const name of ['Café au lait', '김밥', 'cake 🍰', 'Tee – 0,5 l', '"quoted" \\ slash']) assert.equal(payments.checkDocument(withItemName(name)), null, name);
    assert.equal(payments.checkDocument(examplePayment()), null);
    assert.equal(edgePayCollections.get('products').checkDocument(exampleProduct()), null);
  });

  it("ignores RxDB's own top-level fields and checks keys of free-form maps", () => {
    assert.equal(checkDocumentText({ id: 'x', _meta: { lwt: 1 }, _rev: '1-\u0000' }), null);
    assert.deepEqual(checkDocumentText({ id: 'x', details: { 'k\u0000': 'v' } }), { code: 'DOCUMENT_TEXT_INVALID', path: '/details/*', reason: 'NUL character' });
    assert.deepEqual(checkDocumentText({ id: 'x', details: { k: 'v\ud800' } }), { code: 'DOCUMENT_TEXT_INVALID', path: '/details/k', reason: 'lone UTF-16 surrogate' });
    // A key holding a card number is refused, and the path does not repeat it.
    const hit = checkDocumentText({ id: 'x', details: { '4111111111111111': 'v' } });
    assert.equal(hit?.code, 'CARD_DATA_REFUSED');
    assert.deepEqual(findCardNumbers(JSON.stringify(hit)), []);
  });

  it('bounds length and depth without recursion', () => {
    assert.equal(checkDocumentText({ t: 'x'.repeat(MAX_TEXT_LENGTH) }), null);
    assert.equal(checkDocumentText({ t: 'x'.repeat(MAX_TEXT_LENGTH + 1) })?.reason, 'text too long');
    let deep: unknown = 'leaf';
    for (let i = 0; i < 100_000; i++) deep = [deep];
    assert.equal(checkDocumentText({ deep })?.reason, 'nested too deeply');
    let ok: unknown = 'leaf';
    for (let i = 0; i < MAX_DEPTH - 1; i++) ok = { a: ok };
    assert.equal(checkDocumentText({ ok } as Record<string, unknown>), null);
  });

  it('never refuses what a declared schema allows by length: every schema maxLength is within MAX_TEXT_LENGTH', () => {
    const lengths: number[] = [];
    const walk = (node: unknown) => {
      if (!node || typeof node !== 'object') return;
      const m = (node as { maxLength?: unknown }).maxLength;
      if (typeof m === 'number') lengths.push(m);
      for (const v of Object.values(node)) walk(v);
    };
    for (const c of edgePayCollections.list()) walk(c.schema);
    assert.ok(lengths.length > 10);
    assert.ok(Math.max(...lengths) <= MAX_TEXT_LENGTH, `largest schema maxLength ${Math.max(...lengths)}`);
  });

  it('allows tab, LF and CR only in the fields a declaration names multi-line', () => {
    const notes = defineCollection({
      name: 'notes',
      schema: { version: 0, primaryKey: 'id', type: 'object', properties: { id: { type: 'string', maxLength: 40 }, body: { type: 'string' }, title: { type: 'string' } } } as any,
      checkGatewayWrite: () => WRITE_OK,
      sync: { push: true, pull: true },
      textRules: { multiline: ['/body'] },
    });
    assert.equal(notes.checkDocument({ id: 'n', body: 'a\nb\tc\r\n', title: 't' }), null);
    assert.equal(notes.checkDocument({ id: 'n', body: 'a\u0000', title: 't' })?.reason, 'NUL character');
    assert.equal(notes.checkDocument({ id: 'n', body: 'ok', title: 't\n' })?.reason, 'control character');
  });
});
