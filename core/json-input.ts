/**
 * What a JSON value from outside must be before anything stores it (issue 25):
 * text PostgreSQL and SQLite can hold (no NUL, no lone UTF-16 surrogate, in
 * strings and keys), finite numbers (JSON's `1e400` parses to Infinity), and a
 * bounded nesting depth. Pure and iterative: a body nested 100,000 levels
 * deep is a refusal, not a stack overflow. Used by the server's and the
 * gateway's body parsers.
 */

/** Deepest nesting of arrays and objects a request body may have. */
export const MAX_JSON_DEPTH = 64;

// A high surrogate not followed by a low one, or a low one not preceded by a high one.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export type JsonInputProblem = { kind: 'text' | 'number' | 'depth'; reason: string };

/** Why a string cannot be stored, or undefined. */
export function invalidTextReason(text: string): string | undefined {
  if (text.includes('\u0000')) return 'a NUL character';
  if (LONE_SURROGATE.test(text)) return 'a lone UTF-16 surrogate';
  return undefined;
}

/**
 * Whether JSON text nests deeper than `max`, counted on the text before it is
 * parsed (brackets inside strings do not count), so a deep body costs one
 * linear pass and no parse.
 */
export function jsonDepthExceeds(text: string, max = MAX_JSON_DEPTH): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \ */) i++;
      else if (c === 34 /* " */) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 91 /* [ */ || c === 123 /* { */) {
      if (++depth > max) return true;
    } else if (c === 93 || c === 125) depth--;
  }
  return false;
}

/**
 * The first problem of a parsed JSON value (strings, keys, numbers, depth), or
 * undefined. `text: false` skips the string and key checks, for a route that
 * checks the text of each document it holds on its own (a replication push
 * sets one bad document aside instead of refusing the whole batch).
 */
export function checkJsonInput(value: unknown, maxDepth = MAX_JSON_DEPTH, options: { text?: boolean } = {}): JsonInputProblem | undefined {
  const checkText = options.text !== false;
  const stack: { v: unknown; depth: number }[] = [{ v: value, depth: 0 }];
  while (stack.length > 0) {
    const { v, depth } = stack.pop()!;
    if (typeof v === 'string') {
      if (!checkText) continue;
      const reason = invalidTextReason(v);
      if (reason) return { kind: 'text', reason };
    } else if (typeof v === 'number') {
      if (!Number.isFinite(v)) return { kind: 'number', reason: 'a number out of range' };
    } else if (v !== null && typeof v === 'object') {
      if (depth >= maxDepth) return { kind: 'depth', reason: `nested deeper than ${maxDepth} levels` };
      if (Array.isArray(v)) for (const x of v) stack.push({ v: x, depth: depth + 1 });
      else
        for (const [k, x] of Object.entries(v)) {
          const reason = checkText ? invalidTextReason(k) : undefined;
          if (reason) return { kind: 'text', reason: reason + ' in a key' };
          stack.push({ v: x, depth: depth + 1 });
        }
    }
  }
  return undefined;
}
