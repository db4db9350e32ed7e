/**
 * The text rules every replicated document obeys, beside its JSON schema:
 * the one check the gateway's ledger runs on every write and the server runs
 * on every push and every write of its own (issue 25: a payment whose item
 * name held a NUL was stored by the gateway and then refused by the server's
 * database with a 500, which stopped the gateway's sync for good).
 *
 * - no NUL (PostgreSQL's jsonb cannot hold U+0000);
 * - no lone UTF-16 surrogate (not text: it cannot be encoded as UTF-8, and
 *   jsonb refuses it);
 * - no C0 control character, except tab, line feed and carriage return in
 *   the fields a collection declares multi-line;
 * - every string at most MAX_TEXT_LENGTH code units, every key at most
 *   MAX_KEY_LENGTH, nesting at most MAX_DEPTH levels (the schema's own
 *   maxLength is tighter where it says one; this bounds the free-form maps);
 * - no card number anywhere (core/card-data.ts), run after the depth check so
 *   that its recursion never meets a hostile depth.
 *
 * Written here rather than as JSON-schema keywords because ajv has no keyword
 * for "no lone surrogate" and both sides must run exactly the same rule.
 * A problem names the field's path and a fixed reason, never the text itself
 * (it may be a card number); keys that are not plain names appear as `*`.
 */
import { findCardDataPath, findCardNumbers } from '../card-data.ts';
import type { ErrorCode } from '../errors.ts';

// Above every schema maxLength (enrolment keypoints: 12,000): the schema is the tighter bound where it names one.
export const MAX_TEXT_LENGTH = 65_536;
export const MAX_KEY_LENGTH = 128;
export const MAX_DEPTH = 32;

export type TextRules = {
  /** Paths (as `/lineItems/*\/name`, `*` for any key or index) where tab, LF and CR are allowed. */
  readonly multiline?: readonly string[];
};

export type TextProblemReason = 'NUL character' | 'lone UTF-16 surrogate' | 'control character' | 'text too long' | 'key too long' | 'nested too deeply' | 'card number';

/** Why a document is refused before it is stored: the code, the field and a fixed reason. */
export type DocumentProblem = { readonly code: ErrorCode; readonly path: string; readonly reason: TextProblemReason };

const PLAIN_KEY = /^[A-Za-z_][A-Za-z0-9_-]{0,63}$/;

/**
 * A path that can be shown and logged: keys that are not plain names (they may
 * hold anything), and plain-looking ones with 13 or more digits (a card number
 * can hide in a key such as `n4111...`), become `*`.
 */
function safePath(segments: string[]): string {
  const shown = (s: string) => (PLAIN_KEY.test(s) && (s.match(/\d/g)?.length ?? 0) < 13) || /^\d{1,6}$/.test(s);
  return '/' + segments.map((s) => (shown(s) ? s : '*')).join('/');
}

/** The first character of `text` that breaks the rules, as a reason, or undefined. */
export function textProblem(text: string, multiline: boolean): TextProblemReason | undefined {
  if (text.length > MAX_TEXT_LENGTH) return 'text too long';
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20) {
      if (c === 0) return 'NUL character';
      if (multiline && (c === 0x09 || c === 0x0a || c === 0x0d)) continue;
      return 'control character';
    }
    if (c >= 0xd800 && c <= 0xdfff) {
      // A high surrogate must be followed by a low one; a low one must follow a high one.
      if (c <= 0xdbff) {
        const next = text.charCodeAt(i + 1);
        if (next >= 0xdc00 && next <= 0xdfff) {
          i++;
          continue;
        }
      }
      return 'lone UTF-16 surrogate';
    }
  }
  return undefined;
}

function compilePatterns(paths: readonly string[] = []): ((segments: string[]) => boolean)[] {
  return paths.map((p) => {
    const parts = p.split('/').filter((s) => s !== '');
    return (segments) => segments.length === parts.length && parts.every((part, i) => part === '*' || part === segments[i]);
  });
}

/**
 * The first text problem of a document (its own fields: top-level keys
 * starting with `_` are RxDB's and the replication's), or null.
 */
export function checkDocumentText(doc: Record<string, unknown>, rules: TextRules = {}): DocumentProblem | null {
  const multiline = compilePatterns(rules.multiline);
  const own: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(doc)) if (!k.startsWith('_')) own[k] = v;
  // Iterative, so that a deep document is refused instead of overflowing the stack.
  const stack: { value: unknown; segments: string[] }[] = [{ value: own, segments: [] }];
  const problem = (segments: string[], reason: TextProblemReason): DocumentProblem => ({ code: 'DOCUMENT_TEXT_INVALID', path: safePath(segments), reason });
  while (stack.length > 0) {
    const { value, segments } = stack.pop()!;
    if (typeof value === 'string') {
      const reason = textProblem(
        value,
        multiline.some((m) => m(segments)),
      );
      if (reason) return problem(segments, reason);
      continue;
    }
    if (value === null || typeof value !== 'object') continue;
    if (segments.length >= MAX_DEPTH) return problem(segments, 'nested too deeply');
    const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v] as const) : Object.entries(value);
    for (let i = entries.length - 1; i >= 0; i--) {
      const [key, child] = entries[i]!;
      if (!Array.isArray(value)) {
        if (key.length > MAX_KEY_LENGTH) return problem(segments, 'key too long');
        const reason = textProblem(key, false);
        if (reason) return problem([...segments, key], reason);
        // findCardDataPath scans values; a free-form map's key is stored as well.
        if (findCardNumbers(key).length > 0) return { code: 'CARD_DATA_REFUSED', path: safePath([...segments, key]), reason: 'card number' };
      }
      stack.push({ value: child, segments: [...segments, key] });
    }
  }
  const cardPath = findCardDataPath(own);
  if (cardPath) return { code: 'CARD_DATA_REFUSED', path: safePath(cardPath.split('/').filter((x) => x !== '')), reason: 'card number' };
  return null;
}
