/**
 * The shaped row format's contract: a document that goes in shaped comes out
 * exactly as JSON.parse(JSON.stringify(doc)) would give it, and whatever the
 * format cannot carry exactly is left to JSON.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { shapeDocument, shapedRow, SHAPED_SEPARATOR, MAX_SHAPE_VALUES } from './row-codec.ts';
import { compileDecoder, compileEncoder, ShapeTemplateError } from './row-compile.ts';

/** Encodes and decodes without SQLite; undefined when the document goes to JSON. */
function roundTrip(doc: unknown): unknown {
  const shaped = shapeDocument(doc);
  if (!shaped) return undefined;
  const row = shapedRow(7, shaped.values);
  if (row === undefined) return undefined;
  const decoder = compileDecoder(shaped.shape);
  const parts = row.split(SHAPED_SEPARATOR);
  assert.equal(parts[0], '7');
  assert.equal(parts.length, decoder.width);
  return decoder.build(parts);
}

/** Deep equality that also demands the same key order, plain prototypes and Object.is on numbers. */
function assertSameJsonValue(actual: unknown, expected: unknown, path = '$'): void {
  if (typeof expected !== 'object' || expected === null) {
    assert.ok(Object.is(actual, expected), `${path}: ${String(actual)} is not ${String(expected)}`);
    return;
  }
  assert.equal(typeof actual, 'object', path);
  assert.notEqual(actual, null, path);
  assert.equal(Array.isArray(actual), Array.isArray(expected), path);
  assert.equal(Object.getPrototypeOf(actual), Object.getPrototypeOf(expected), `${path}: prototype`);
  assert.deepEqual(Object.keys(actual as object), Object.keys(expected), `${path}: keys and their order`);
  for (const key of Object.keys(expected)) {
    assertSameJsonValue((actual as any)[key], (expected as any)[key], `${path}.${key}`);
  }
}

/** A small seeded generator, so that a failure names a seed that reproduces it. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PIECES = ['a', 'Z', '0', ' ', 'ß', 'ü', '😃', '🍌', '"', '\\', '\n', '\t', '\u2028', '{', '}', ',', ':', '\u0002', '\u001f', '€', 'ツ'];
const NUMBERS = [0, -0, 1, -1, 42, 1.5, -2.75, 0.1 + 0.2, 1e21, 1e-7, 5e-324, Number.MAX_SAFE_INTEGER, 2 ** 53 + 2, -1796144931940.01, NaN, Infinity, -Infinity];
const KEYS = ['id', 'name', 'var1', 'deep', 'list', '', 'a b', 'quo"te', 'back\\slash', '0', '7', '12', 'constructor', 'toString', 'ü', '😃', '_meta', 'line\u2028sep'];

function randomValue(r: () => number, depth: number): unknown {
  const pick = r();
  if (depth > 3 || pick < 0.35) {
    const leaf = r();
    if (leaf < 0.45) return Array.from({ length: Math.floor(r() * 6) }, () => PIECES[Math.floor(r() * PIECES.length)]).join('');
    if (leaf < 0.75) return NUMBERS[Math.floor(r() * NUMBERS.length)];
    if (leaf < 0.85) return r() < 0.5;
    if (leaf < 0.9) return null;
    if (leaf < 0.95) return undefined;
    return () => 1;
  }
  if (pick < 0.6) return Array.from({ length: Math.floor(r() * 4) }, () => randomValue(r, depth + 1));
  return randomObject(r, depth + 1);
}

function randomObject(r: () => number, depth: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const n = Math.floor(r() * 6);
  for (let i = 0; i < n; i++) out[KEYS[Math.floor(r() * KEYS.length)]!] = randomValue(r, depth);
  return out;
}

/** Copies of `doc` that differ from it in one place. */
function nearVariants(doc: Record<string, unknown>, r: () => number): unknown[] {
  const keys = Object.keys(doc);
  const out: unknown[] = [];
  const copy = () => structuredCloneLoose(doc);
  if (keys.length > 0) {
    const k = keys[Math.floor(r() * keys.length)]!;
    const v = doc[k];
    out.push({ ...copy(), [k]: typeof v === 'string' ? 1 : 'x' });
    const removed = copy();
    delete removed[k];
    out.push(removed);
    out.push({ ...copy(), [k]: undefined });
    out.push({ ...copy(), [k]: NaN });
    out.push(Object.fromEntries(Object.entries(copy()).reverse()));
    if (Array.isArray(v)) out.push({ ...copy(), [k]: [...v, 'extra'] });
  }
  out.push({ ...copy(), added: 1 });
  out.push(Object.assign(Object.create({ inherited: 1 }), copy()));
  return out;
}

/** A deep copy that keeps undefined, NaN and functions where they were (structuredClone refuses functions). */
function structuredCloneLoose(v: any): any {
  if (Array.isArray(v)) return v.map(structuredCloneLoose);
  if (typeof v === 'object' && v !== null) return Object.fromEntries(Object.entries(v).map(([k, e]) => [k, structuredCloneLoose(e)]));
  return v;
}

function hasSkippedValues(v: unknown): boolean {
  if (v === undefined || typeof v === 'function' || (typeof v === 'number' && !Number.isFinite(v))) return true;
  if (typeof v === 'object' && v !== null) return Object.values(v).some(hasSkippedValues);
  return false;
}

describe('shaped rows: a document comes back exactly as JSON would give it', () => {
  it('round-trips 5,000 random documents (unicode, odd numbers, integer-like keys, undefined and functions)', () => {
    let shaped = 0;
    for (let seed = 1; seed <= 5_000; seed++) {
      const doc = randomObject(rng(seed), 0);
      const expected = JSON.parse(JSON.stringify(doc));
      const back = roundTrip(doc);
      if (back === undefined) continue;
      shaped++;
      try {
        assertSameJsonValue(back, expected);
      } catch (err) {
        throw new Error(`seed ${seed}: ${JSON.stringify(doc)}: ${(err as Error).message}`);
      }
    }
    // The generator's pieces never include the separator, NUL or a lone surrogate: every document is shaped.
    assert.equal(shaped, 5_000);
  });

  it('takes the fast path only for a document of exactly the shape, and then gives the same values as the general path', () => {
    let accepted = 0;
    let refused = 0;
    for (let seed = 1; seed <= 3_000; seed++) {
      const r = rng(seed);
      const a = randomObject(r, 0);
      const shapedA = shapeDocument(a);
      if (!shapedA) continue;
      const encode = compileEncoder(shapedA.shape);
      // A itself, a fresh document and near variants of A: a type, a key, an order, a length changed.
      const variants: unknown[] = [a, randomObject(r, 0), ...nearVariants(a, r)];
      for (const b of variants) {
        const values: string[] = [];
        const fast = encode(b, values);
        const general = shapeDocument(b);
        if (fast) {
          accepted++;
          assert.ok(general, `seed ${seed}: fast path took a document the general path leaves to JSON`);
          assert.equal(general.shape, shapedA.shape, `seed ${seed}: fast path took another shape`);
          assert.deepEqual(values, general.values, `seed ${seed}`);
        } else {
          refused++;
          if (b === a && !JSON.stringify(a).includes('null') && !hasSkippedValues(a)) assert.fail(`seed ${seed}: refused its own document`);
        }
      }
    }
    assert.ok(accepted > 1_000 && refused > 1_000, `accepted ${accepted}, refused ${refused}`);
  });

  it("round-trips RxDB's own document fields and a payment with line items", () => {
    const payment = {
      id: '0192f0a4-6c1e-7cc5-8d5e-3b1c0f2a9e11',
      siteId: 'site-1',
      amount: 4500,
      currency: 'EUR',
      lineItems: [
        { sku: 'A-1', name: 'Kaffee «groß»', qty: 2, unitPrice: 1500 },
        { sku: 'B-2', name: 'Brezel', qty: 1, unitPrice: 1500 },
      ],
      statusHistory: [{ status: 'created', at: 1796144931940 }],
      _deleted: false,
      _attachments: {},
      _meta: { lwt: 1796144931940.01 },
      _rev: '1-aavuzcqokn',
    };
    assertSameJsonValue(roundTrip(payment), JSON.parse(JSON.stringify(payment)));
  });

  it('gives documents of the same keys but different value types different shapes', () => {
    const a = shapeDocument({ x: 1, y: 'a' })!;
    const b = shapeDocument({ x: '1', y: 'a' })!;
    const c = shapeDocument({ y: 'a', x: 1 })!;
    assert.notEqual(a.shape, b.shape);
    assert.notEqual(a.shape, c.shape, 'key order is part of the shape');
    assert.deepEqual(shapeDocument({ x: 2, y: 'b' })!.shape, a.shape);
  });

  it('leaves to JSON what it cannot carry exactly', () => {
    const proto = JSON.parse('{"__proto__": {"polluted": true}, "a": 1}');
    class Receipt {
      total = 1;
    }
    const cases: [string, unknown][] = [
      ['a string holding the separator', { a: 'x' + SHAPED_SEPARATOR + 'y' }],
      ['a string holding NUL', { a: 'x\u0000y' }],
      ['a lone surrogate', { a: 'x\ud800y' }],
      ['a __proto__ key', proto],
      ['a Date (toJSON)', { at: new Date(0) }],
      ['an object with toJSON', { a: { toJSON: () => 'z' } }],
      ['a class instance', { r: new Receipt() }],
      ['a bigint', { n: 10n }],
      ['an array at the top', [1, 2]],
      ['too many values', { list: Array.from({ length: MAX_SHAPE_VALUES + 1 }, (_, i) => i) }],
      ['too deep', JSON.parse('{"a":'.repeat(40) + '1' + '}'.repeat(40))],
    ];
    for (const [why, doc] of cases) assert.equal(roundTrip(doc), undefined, why);
    assert.equal(Object.hasOwn({}, 'polluted'), false);
  });

  it('refuses templates it did not write, instead of generating code from them', () => {
    for (const bad of ['not json', '[1]', '"s"', '{"a":"x"}', '{"__proto__":"s"}', '{"a":1}', '{"a":{"b":true}}']) {
      assert.throws(() => compileDecoder(bad), ShapeTemplateError, bad);
    }
    // A key is only ever a JSON string literal in the generated code.
    const d = compileDecoder(JSON.stringify({ '"]; throw 1; //': 's', '\u2028': 'n' }));
    assert.deepEqual(d.build(['0', 'v', '3']), { '"]; throw 1; //': 'v', '\u2028': 3 });
  });
});
