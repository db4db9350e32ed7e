/**
 * The gateway API's JSON body parser (issue 25), the same rules as the
 * server's (server/http/input-guard.ts; edge-services may not import server):
 * valid UTF-8 only (a fatal TextDecoder: never U+FFFD stored), nesting
 * bounded before parsing, no NUL, lone surrogate or out-of-range number
 * (core's checkJsonInput), and Fastify's own protection against __proto__.
 */
import type { FastifyInstance } from 'fastify';
import { checkJsonInput, EdgePayError, hasCardNumber, jsonDepthExceeds, MAX_JSON_DEPTH, redactCardNumbers } from '../../core/index.ts';

const utf8 = new TextDecoder('utf-8', { fatal: true });

export function installStrictJsonParser(app: FastifyInstance): void {
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    let text: string;
    try {
      text = utf8.decode(body as Buffer);
    } catch {
      return done(new EdgePayError('REQUEST_INVALID_TEXT', { reason: 'the body is not valid UTF-8' }), undefined);
    }
    if (jsonDepthExceeds(text)) return done(new EdgePayError('REQUEST_TOO_DEEP', { limit: MAX_JSON_DEPTH }), undefined);
    parseJson(request, text, (err, value) => {
      if (err) return done(err, undefined);
      const problem = checkJsonInput(value);
      if (problem?.kind === 'depth') return done(new EdgePayError('REQUEST_TOO_DEEP', { limit: MAX_JSON_DEPTH }), undefined);
      if (problem) return done(new EdgePayError('REQUEST_INVALID_TEXT', { reason: problem.reason }), undefined);
      done(null, value);
    });
  });
}

/** An error answer never echoes a card number: redacted message, details dropped. */
export function withoutCardNumbers<T extends { message: string; details?: unknown }>(body: T): T {
  if (!hasCardNumber(JSON.stringify(body))) return body;
  const { details: _dropped, ...rest } = body;
  return { ...rest, message: redactCardNumbers(body.message) } as T;
}
