import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  EdgePayError,
  edgePayErrorFromJSON,
  errorCodes,
  errorRegistry,
  errorResponseSchema,
  errorResponses,
  isEdgePayError,
  isErrorCode,
  renderErrorMessage,
  toEdgePayError,
  type ErrorCode,
} from './index.ts';

describe('errorRegistry', () => {
  test('codes are UPPER_SNAKE with an HTTP status and an English sentence', () => {
    for (const [code, spec] of Object.entries(errorRegistry)) {
      assert.match(code, /^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$/, code);
      assert.ok(Number.isInteger(spec.httpStatus) && spec.httpStatus >= 400 && spec.httpStatus < 600, code);
      // A sentence starting with a capital; the end may be a `{reason}` that brings its own punctuation.
      assert.match(spec.message, /^[A-Z"].*[^\s]$/, `${code}: message should be a sentence`);
    }
  });

  test('has the codes other parts rely on, with the statuses DESIGN.md names', () => {
    const expected: Partial<Record<ErrorCode, number>> = {
      MONEY_CURRENCY_MISMATCH: 400,
      MONEY_OVERFLOW: 400,
      MONEY_INVALID_AMOUNT: 400,
      MONEY_UNKNOWN_CURRENCY: 400,
      MONEY_PARSE: 400,
      ID_INVALID: 400,
      SCHEMA_VALIDATION: 400,
      SCHEMA_VERSION_OUTDATED: 426,
      AUTH_REQUIRED: 401,
      AUTH_FORBIDDEN: 403,
      STORAGE_CLOSED: 503,
      STORAGE_CORRUPT: 500,
      STORAGE_CONFLICT: 409,
      LEDGER_OPEN_FAILED: 503,
      LEDGER_MIGRATION_FAILED: 500,
      PAYMENT_FIELD_NOT_WRITABLE: 403,
      PAYMENT_IMMUTABLE_FIELD: 403,
      IDEMPOTENCY_KEY_REUSED: 409,
    };
    for (const [code, status] of Object.entries(expected)) {
      assert.equal(errorRegistry[code as ErrorCode].httpStatus, status, code);
    }
  });

  test('isErrorCode ignores inherited keys', () => {
    assert.ok(isErrorCode('MONEY_OVERFLOW'));
    assert.ok(!isErrorCode('toString'));
    assert.ok(!isErrorCode('money_overflow'));
  });
});

describe('EdgePayError', () => {
  test('carries code, status, details and a templated message', () => {
    const error = new EdgePayError('MONEY_CURRENCY_MISMATCH', { left: 'USD', right: 'KRW' });
    assert.ok(error instanceof Error);
    assert.equal(error.name, 'EdgePayError');
    assert.equal(error.code, 'MONEY_CURRENCY_MISMATCH');
    assert.equal(error.httpStatus, 400);
    assert.equal(error.message, 'Cannot combine amounts in USD and KRW.');
    assert.deepEqual(error.details, { left: 'USD', right: 'KRW' });
    assert.match(String(error.stack), /EdgePayError/);
  });

  test('toJSON is {code, message, details?} and survives JSON.stringify', () => {
    const withDetails = new EdgePayError('PAYMENT_IMMUTABLE_FIELD', { field: 'amount' });
    assert.deepEqual(JSON.parse(JSON.stringify(withDetails)), {
      code: 'PAYMENT_IMMUTABLE_FIELD',
      message: 'The payment field "amount" cannot change after the payment was created.',
      details: { field: 'amount' },
    });
    const without = new EdgePayError('STORAGE_CONFLICT');
    assert.deepEqual(without.toJSON(), { code: 'STORAGE_CONFLICT', message: 'The document was changed by someone else.' });
    assert.ok(!('details' in without.toJSON()));
  });

  test('missing placeholders stay visible; placeholders are not re-expanded', () => {
    assert.equal(renderErrorMessage('MONEY_UNKNOWN_CURRENCY'), 'Unknown or unsupported currency "{currency}".');
    assert.equal(renderErrorMessage('MONEY_UNKNOWN_CURRENCY', { currency: '{currency}x' }), 'Unknown or unsupported currency "{currency}x".');
  });

  test('keeps a cause', () => {
    const cause = new RangeError('boom');
    assert.equal(new EdgePayError('INTERNAL', undefined, { cause }).cause, cause);
  });

  test('isEdgePayError: instances, look-alikes from another copy of core, and code narrowing', () => {
    const error = new EdgePayError('ID_INVALID', { id: 'x' });
    assert.ok(isEdgePayError(error));
    assert.ok(isEdgePayError(error, 'ID_INVALID'));
    assert.ok(!isEdgePayError(error, 'MONEY_OVERFLOW'));
    const lookAlike = Object.assign(new Error('x'), { name: 'EdgePayError', code: 'STORAGE_CLOSED' });
    assert.ok(isEdgePayError(lookAlike, 'STORAGE_CLOSED'));
    assert.ok(!isEdgePayError(Object.assign(new Error('x'), { name: 'EdgePayError', code: 'NOPE' })));
    assert.ok(!isEdgePayError(new Error('plain')));
    assert.ok(!isEdgePayError(null));
    assert.ok(!isEdgePayError({ code: 'ID_INVALID' }));
  });

  test('edgePayErrorFromJSON rebuilds what toJSON produced', () => {
    const original = new EdgePayError('PAYMENT_FIELD_NOT_WRITABLE', { field: 'status' });
    const rebuilt = edgePayErrorFromJSON(JSON.parse(JSON.stringify(original)));
    assert.deepEqual(rebuilt.toJSON(), original.toJSON());
    assert.equal(rebuilt.httpStatus, 403);
    const unknown = edgePayErrorFromJSON({ code: 'FROM_THE_FUTURE', message: '?' });
    assert.equal(unknown.code, 'INTERNAL');
    assert.deepEqual(unknown.details, { originalCode: 'FROM_THE_FUTURE' });
    assert.equal(edgePayErrorFromJSON('garbage').code, 'INTERNAL');
  });
});

describe('toEdgePayError (the one mapping of HTTP handler errors, server and gateway)', () => {
  const fastifyError = (code: string, statusCode: number, message = 'x') => Object.assign(new Error(message), { code, statusCode });

  test('passes EdgePay errors through unchanged', () => {
    const e = new EdgePayError('PAYMENT_NOT_FOUND', { paymentId: 'p1' });
    assert.equal(toEdgePayError(e), e);
  });

  test("maps the framework's request errors to 4xx registry codes", () => {
    assert.equal(toEdgePayError(fastifyError('FST_ERR_CTP_INVALID_MEDIA_TYPE', 415)).code, 'REQUEST_UNSUPPORTED_MEDIA_TYPE');
    const tooLarge = toEdgePayError(fastifyError('FST_ERR_CTP_BODY_TOO_LARGE', 413), { bodyLimit: 1024 });
    assert.deepEqual(tooLarge.toJSON(), { code: 'REQUEST_TOO_LARGE', message: 'The request body is larger than the 1024 bytes allowed.', details: { limit: 1024 } });
    assert.equal(toEdgePayError(fastifyError('FST_ERR_CTP_EMPTY_JSON_BODY', 400)).code, 'REQUEST_BAD_JSON');
    assert.equal(toEdgePayError(fastifyError('FST_ERR_CTP_INVALID_JSON_BODY', 400)).code, 'REQUEST_BAD_JSON');
    assert.equal(toEdgePayError(new SyntaxError('Unexpected token')).code, 'REQUEST_BAD_JSON');
    assert.equal(toEdgePayError(fastifyError('FST_WHATEVER', 400, 'Body is not valid JSON')).code, 'REQUEST_BAD_JSON');
    const invalid = toEdgePayError(
      Object.assign(new Error('bad'), {
        statusCode: 400,
        validation: [{ instancePath: '/siteId', message: 'must match pattern' }],
        validationContext: 'body',
      }),
    );
    assert.equal(invalid.code, 'REQUEST_INVALID');
    assert.equal(invalid.details?.reason, 'body/siteId must match pattern');
    assert.equal(toEdgePayError(fastifyError('FST_ERR_OTHER', 404, 'nope')).httpStatus, 400);
  });

  test('anything else is INTERNAL (a 500 that says nothing of the cause)', () => {
    for (const thrown of [new Error('boom'), fastifyError('FST_X', 500), 'a string', null, undefined, { code: 'ID_INVALID' }]) {
      const e = toEdgePayError(thrown);
      assert.equal(e.code, 'INTERNAL');
      assert.deepEqual(e.toJSON(), { code: 'INTERNAL', message: 'Internal error.' });
    }
  });
});

describe('errorResponseSchema (the one schema of an error answer)', () => {
  test("requires code and message and allows exactly the registry's codes", () => {
    assert.deepEqual(errorResponseSchema.required, ['code', 'message']);
    assert.deepEqual([...errorResponseSchema.properties.code.enum].sort(), Object.keys(errorRegistry).sort());
    assert.equal(errorCodes.length, Object.keys(errorRegistry).length);
  });

  test('errorResponses puts it under each status given', () => {
    assert.deepEqual(errorResponses(401, 404), { 401: errorResponseSchema, 404: errorResponseSchema });
  });
});
