/**
 * The gateway API's JSON body parser (issue 25): core's decodeStrictJson, the
 * one the server uses too (valid UTF-8 only, nesting bounded before parsing,
 * no NUL, lone surrogate or out-of-range number), after Fastify's own
 * protection against __proto__.
 */
import type { FastifyInstance } from 'fastify';
import { decodeStrictJson, hasCardNumber, redactCardNumbers } from '../../core/index.ts';

export function installStrictJsonParser(app: FastifyInstance): void {
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    // Fastify's parser answers at once (secure-json-parse is synchronous); it runs inside core's decoder.
    const parse = (text: string): unknown => {
      let result: { err: Error | null; value?: unknown } | undefined;
      parseJson(request, text, (err, value) => (result = { err, value }));
      if (!result) throw new Error('the JSON parser did not answer synchronously');
      if (result.err) throw result.err;
      return result.value;
    };
    try {
      done(null, decodeStrictJson(body as Buffer, parse));
    } catch (err) {
      done(err as Error, undefined);
    }
  });
}

/** An error answer never echoes a card number: redacted message, details dropped. */
export function withoutCardNumbers<T extends { message: string; details?: unknown }>(body: T): T {
  if (!hasCardNumber(JSON.stringify(body))) return body;
  const { details: _dropped, ...rest } = body;
  return { ...rest, message: redactCardNumbers(body.message) } as T;
}
