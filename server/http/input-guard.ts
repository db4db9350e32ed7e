/**
 * What every request must be before a route sees it, a log line holds it or
 * a table stores it (issue 25):
 *   - a JSON body is valid UTF-8 (decoded with a fatal TextDecoder: invalid
 *     bytes are refused, never turned into U+FFFD and stored), nested at most
 *     MAX_JSON_DEPTH levels (counted before parsing), with no NUL, lone
 *     surrogate or out-of-range number (core's checkJsonInput): 400, not the
 *     500 PostgreSQL's refusal or a stack overflow made;
 *   - no card number in the path, the query, a header (an Idempotency-Key is
 *     stored in the keys table and the audit log) or any field or key of the
 *     body: CARD_DATA_REFUSED, before anything is stored;
 *   - bodies are validated as sent: no type coercion ("100" is not 100) and
 *     unknown fields are refused, not dropped (removeAdditional off); the
 *     path and query, which are text by nature, are still coerced to their
 *     schema's numbers.
 * Log lines carry the URL with card numbers redacted (logSerializers).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Ajv, type Options as AjvOptions } from 'ajv';
import { decodeStrictJson, EdgePayError, findCardDataPath, hasCardNumber, redactCardNumbers } from '../../core/index.ts';

/**
 * What a route may say about its body in Fastify's per-route `config`:
 *  - `acceptsCardData`: receiving a card number is the route's purpose (the
 *    acquirer's tokeniser, behind the wallet's session): its body is not
 *    scanned for one; the route keeps only the token, BIN and last 4, and its
 *    body is never logged. The URL and headers are still scanned.
 *  - `checksDocumentsPerRow`: the body is a batch of documents that the route
 *    checks one by one with the collection's own rules (text and card numbers:
 *    core/collections/document-text.ts), so that one bad document is refused
 *    alone and set aside by the gateway while the rest of the batch is stored
 *    (a whole-body refusal would stop the gateway's sync for good, issue 25).
 *    UTF-8, depth and number range are still checked here.
 */
export type InputGuardRouteConfig = { acceptsCardData?: boolean; checksDocumentsPerRow?: boolean };

declare module 'fastify' {
  interface FastifyContextConfig extends InputGuardRouteConfig {}
}

function routeConfig(request: FastifyRequest): InputGuardRouteConfig {
  return (request.routeOptions?.config ?? {}) as InputGuardRouteConfig;
}

/** The JSON body parser: core's decodeStrictJson (strict UTF-8, bounded depth, text that can be stored), shared with the gateway's API. */
export function installStrictJsonParser(app: FastifyInstance): void {
  // Fastify's own parser after our checks: it refuses __proto__ and constructor.prototype keys.
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
      done(null, decodeStrictJson(body as Buffer, parse, { text: !routeConfig(request).checksDocumentsPerRow }));
    } catch (err) {
      done(err as Error, undefined);
    }
  });
}

/** The URL (decoded as the router decodes it, and raw) and the headers, as one text to scan. */
function urlAndHeaders(request: FastifyRequest): string[] {
  const texts = [request.url];
  try {
    texts.push(decodeURIComponent(request.url.replace(/\+/g, ' ')));
  } catch {
    // Not decodable: the raw URL is scanned; the router refuses it anyway.
  }
  for (const [name, value] of Object.entries(request.headers)) {
    texts.push(name);
    if (typeof value === 'string') texts.push(value);
    else if (Array.isArray(value)) texts.push(...value);
  }
  return texts;
}

/** Card numbers are refused wherever they are, before a handler stores or logs anything. */
export function installCardDataGuard(app: FastifyInstance): void {
  app.addHook('onRequest', async (request) => {
    for (const text of urlAndHeaders(request)) {
      if (hasCardNumber(text)) throw new EdgePayError('CARD_DATA_REFUSED', { path: 'the request line or headers' });
    }
  });
  // After validation: a query or path number read from text such as `1e400`
  // is Infinity, which passes ajv's range checks and then fails in SQL (500).
  app.addHook('preHandler', async (request) => {
    for (const part of [request.query, request.params]) {
      if (!part || typeof part !== 'object') continue;
      for (const v of Object.values(part as Record<string, unknown>)) {
        const values = Array.isArray(v) ? v : [v];
        if (values.some((x) => typeof x === 'number' && !Number.isFinite(x))) throw new EdgePayError('REQUEST_INVALID_TEXT', { reason: 'a number out of range' });
      }
    }
  });
  app.addHook('preValidation', async (request) => {
    if (request.body === undefined) return;
    const config = routeConfig(request);
    if (config.acceptsCardData || config.checksDocumentsPerRow) return;
    const path = findCardDataPath(request.body);
    if (path !== undefined) throw new EdgePayError('CARD_DATA_REFUSED', { path: `body ${path}` });
  });
}

const ajvBase: AjvOptions = { useDefaults: true, allErrors: false, strict: false, strictNumbers: true, addUsedSchema: false };
// Bodies: as sent. Path and query: text by nature, read as their schema's numbers and booleans.
const bodyAjv = new Ajv({ ...ajvBase, coerceTypes: false, removeAdditional: false });
const textAjv = new Ajv({ ...ajvBase, coerceTypes: 'array', removeAdditional: false });

export function installStrictValidation(app: FastifyInstance): void {
  app.setValidatorCompiler(({ schema, httpPart }) => (httpPart === 'body' ? bodyAjv : textAjv).compile(schema));
}

/** pino serializers: the request line with card numbers redacted; errors without input in them. */
export const logSerializers: Record<string, (value: any) => unknown> = {
  req(req: { method?: string; url?: string; hostname?: string; ip?: string; socket?: { remotePort?: number } }) {
    return {
      method: req.method,
      url: redactCardNumbers(String(req.url ?? '')),
      host: redactCardNumbers(String(req.hostname ?? '')),
      remoteAddress: req.ip,
      remotePort: req.socket?.remotePort,
    };
  },
  err(err: { name?: string; message?: string; stack?: string; code?: string; statusCode?: number }) {
    return {
      type: err?.name,
      code: err?.code,
      statusCode: err?.statusCode,
      message: redactCardNumbers(String(err?.message ?? '')),
      stack: redactCardNumbers(String(err?.stack ?? '')),
    };
  },
};
