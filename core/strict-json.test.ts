/** core's strict JSON body decoder, shared by the server and the gateway's API. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decodeStrictJson } from './strict-json.ts';
import { isEdgePayError } from './errors.ts';
import { MAX_JSON_DEPTH } from './json-input.ts';

const bytes = (s: string) => new TextEncoder().encode(s);
const code = (f: () => unknown) => {
  try {
    f();
  } catch (err) {
    return isEdgePayError(err) ? err.code : (err as Error).name;
  }
  return 'ok';
};

describe('decodeStrictJson', () => {
  it("decodes valid JSON with the caller's parser", () => {
    assert.deepEqual(decodeStrictJson(bytes('{"a":[1,"é한"]}'), JSON.parse), { a: [1, 'é한'] });
  });
  it('refuses invalid UTF-8, deep nesting, NUL, lone surrogates and out-of-range numbers, without echoing them', () => {
    assert.equal(
      code(() => decodeStrictJson(new Uint8Array([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d]), JSON.parse)),
      'REQUEST_INVALID_TEXT',
    );
    assert.equal(
      code(() => decodeStrictJson(bytes('['.repeat(100_000) + ']'.repeat(100_000)), JSON.parse)),
      'REQUEST_TOO_DEEP',
    );
    assert.equal(
      code(() => decodeStrictJson(bytes('['.repeat(MAX_JSON_DEPTH) + ']'.repeat(MAX_JSON_DEPTH)), JSON.parse)),
      'ok',
    );
    assert.equal(
      code(() => decodeStrictJson(bytes('{"a":"x\\u0000"}'), JSON.parse)),
      'REQUEST_INVALID_TEXT',
    );
    assert.equal(
      code(() => decodeStrictJson(bytes('{"a":"\\ud800"}'), JSON.parse)),
      'REQUEST_INVALID_TEXT',
    );
    assert.equal(
      code(() => decodeStrictJson(bytes('{"lwt":1e400}'), JSON.parse)),
      'REQUEST_INVALID_TEXT',
    );
    try {
      decodeStrictJson(bytes('{"a":"secret\\u0000"}'), JSON.parse);
    } catch (err) {
      assert.ok(!JSON.stringify({ m: (err as Error).message, d: (err as { details?: unknown }).details }).includes('secret'));
    }
  });
  it("leaves text checks to the route when asked (a batch checked document by document), and passes the parser's own errors on", () => {
    assert.deepEqual(decodeStrictJson(bytes('[{"a":"x\\u0000"}]'), JSON.parse, { text: false }), [{ a: 'x\u0000' }]);
    assert.equal(
      code(() => decodeStrictJson(bytes('{"lwt":1e400}'), JSON.parse, { text: false })),
      'REQUEST_INVALID_TEXT',
    );
    assert.equal(
      code(() => decodeStrictJson(bytes('{oops'), JSON.parse)),
      'SyntaxError',
    );
  });
});
