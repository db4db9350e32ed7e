/**
 * The one strict JSON body decoder of the server and the gateway's local API
 * (issue 25): valid UTF-8 only (a fatal TextDecoder: invalid bytes are
 * refused, never turned into U+FFFD and stored), nesting bounded before
 * parsing (a body nested 100,000 levels deep is a refusal, not a stack
 * overflow), then the value checked by checkJsonInput (no NUL, lone surrogate
 * or out-of-range number). The parse itself is the caller's (Fastify's, which
 * refuses __proto__ and constructor.prototype keys). Pure: TextDecoder is a
 * standard of both Node and browsers.
 */
import { EdgePayError } from './errors.ts';
import { checkJsonInput, jsonDepthExceeds, MAX_JSON_DEPTH } from './json-input.ts';

// TextDecoder is standard in Node and every browser, but core is type-checked with ES2023's
// lib alone (no DOM, no Node: core/tsconfig.json), which does not declare it; so its one use
// here is typed locally instead of pulling either environment's types into core.
type Utf8Decoder = { decode(input: Uint8Array): string };
type Utf8DecoderConstructor = new (label: 'utf-8', options: { fatal: boolean; ignoreBOM: boolean }) => Utf8Decoder;
const utf8 = new (globalThis as unknown as { TextDecoder: Utf8DecoderConstructor }).TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

export type StrictJsonOptions = {
  /**
   * Check the strings for text a database cannot hold (default true). Off for
   * a batch of documents whose route checks each one with its collection's
   * rules, so that one bad document is refused alone.
   */
  text?: boolean;
};

/**
 * The body's value, or throws EdgePayError REQUEST_INVALID_TEXT or
 * REQUEST_TOO_DEEP (never echoing the input). `parse` may throw its own
 * error (a syntax error): it is passed on as it is.
 */
export function decodeStrictJson(body: Uint8Array, parse: (text: string) => unknown, options: StrictJsonOptions = {}): unknown {
  let text: string;
  try {
    text = utf8.decode(body);
  } catch {
    throw new EdgePayError('REQUEST_INVALID_TEXT', { reason: 'the body is not valid UTF-8' });
  }
  if (jsonDepthExceeds(text)) throw new EdgePayError('REQUEST_TOO_DEEP', { limit: MAX_JSON_DEPTH });
  const value = parse(text);
  const problem = checkJsonInput(value, MAX_JSON_DEPTH, { text: options.text ?? true });
  if (problem?.kind === 'depth') throw new EdgePayError('REQUEST_TOO_DEEP', { limit: MAX_JSON_DEPTH });
  if (problem) throw new EdgePayError('REQUEST_INVALID_TEXT', { reason: problem.reason });
  return value;
}
