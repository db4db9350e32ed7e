/**
 * The shaped row format: a document stored as its values only, without its keys.
 *
 * Why: reading documents back is most of the cost of a large read (RxDB's
 * storage bench, 3,000 documents of about 380 characters: JSON.parse took two
 * thirds of the storage call). Documents of one collection share a handful of
 * shapes (the same keys, nesting and value types), so a row can hold just its
 * values joined by a separator, and a function generated once per shape builds
 * the object with one literal (row-compile.ts). Measured on those 3,000
 * documents, read from SQLite in a standalone script: decoding 3.8x faster than
 * JSON.parse, the whole read about 2.5x; the bench's `sqlite-full-json` subject
 * shows the gain in every run.
 *
 * A shaped row is `<shape id>\u0001<value 1>\u0001<value 2>...`; the shape's
 * template (the document with every string replaced by "s", number by "n",
 * boolean by "b") is kept in the `rxdb_shapes` table (row-shapes.ts). A JSON
 * row always starts with `{`, a shaped row with a digit, so both formats can
 * live in one table and every reader takes both.
 *
 * The contract, tested on random documents: decoding a shaped row gives exactly
 * what `JSON.parse(JSON.stringify(doc))` gives (same keys in the same order,
 * same values, plain objects). Everything this format cannot carry with that
 * guarantee is left to JSON: a string holding the separator or NUL, a lone
 * surrogate (SQLite would store U+FFFD; JSON escapes it), a `__proto__` key
 * (a literal would set the prototype), a `toJSON` method or a class instance,
 * a bigint, and documents too deep or too wide to be worth a generated function.
 */

/** Separates the values of a shaped row. Strings holding it are stored as JSON. */
export const SHAPED_SEPARATOR = '\u0001';

/** Strings that cannot sit in a shaped row: the separator, and NUL (TEXT handling in tools). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching these two control characters is the point.
export const UNSAFE_STRING = /[\u0000\u0001]/;

/** A document with more values than this is stored as JSON (its decoder would be a huge function). */
export const MAX_SHAPE_VALUES = 1024;
/** Nesting deeper than this is stored as JSON. */
export const MAX_SHAPE_DEPTH = 32;
/** A shape whose template text is longer than this is stored as JSON. */
export const MAX_SHAPE_CHARS = 16 * 1024;

export type ShapedDocument = {
  /** The template as JSON text: the key of the shape. */
  readonly shape: string;
  /** The values in template order, each as text. */
  readonly values: string[];
};

/**
 * The shape and values of `doc`, or undefined when the document must be
 * stored as JSON. Follows JSON.stringify's rules exactly: properties whose
 * value is undefined, a function or a symbol are left out; such an element of
 * an array, and a number that is not finite, become null.
 */
export function shapeDocument(doc: unknown): ShapedDocument | undefined {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return undefined;
  const values: string[] = [];
  const shape = templateOf(doc, values, 0);
  if (shape === undefined || values.length > MAX_SHAPE_VALUES || shape.length > MAX_SHAPE_CHARS) return undefined;
  return { shape, values };
}

function skippedByJson(v: unknown): boolean {
  return v === undefined || typeof v === 'function' || typeof v === 'symbol';
}

/**
 * `"key":` for a key, as it appears in template text. Keys come from schemas,
 * so a few hundred cover a gateway; the cache stops growing at 4,096 keys
 * (documents keyed by ids would otherwise fill it), after which keys are
 * quoted each time.
 */
const QUOTED_KEYS = new Map<string, string>();
function quotedKey(key: string): string {
  let q = QUOTED_KEYS.get(key);
  if (q === undefined) {
    q = JSON.stringify(key) + ':';
    if (QUOTED_KEYS.size < 4096) QUOTED_KEYS.set(key, q);
  }
  return q;
}

/**
 * The template text of `v`, pushing its values; undefined when JSON must
 * carry it. Runs on every written document, so it builds the text by
 * concatenation in one walk (arrays of parts and join were 40% slower).
 */
function templateOf(v: unknown, values: string[], depth: number): string | undefined {
  switch (typeof v) {
    case 'string':
      if (UNSAFE_STRING.test(v)) return undefined;
      values.push(v);
      return '"s"';
    case 'number':
      if (!Number.isFinite(v)) return 'null';
      // String() gives the shortest text that reads back as the same double,
      // as JSON.stringify does (and, like it, writes -0 as 0).
      values.push(String(v));
      return '"n"';
    case 'boolean':
      values.push(v ? '1' : '0');
      return '"b"';
    case 'object': {
      if (v === null) return 'null';
      if (depth >= MAX_SHAPE_DEPTH) return undefined;
      const proto = Object.getPrototypeOf(v);
      if (Array.isArray(v)) {
        if (proto !== Array.prototype) return undefined;
        let out = '[';
        for (let i = 0; i < v.length; i++) {
          const e = v[i];
          const t = skippedByJson(e) ? 'null' : templateOf(e, values, depth + 1);
          if (t === undefined) return undefined;
          out += i === 0 ? t : ',' + t;
        }
        return out + ']';
      }
      if (proto !== Object.prototype && proto !== null) return undefined;
      if (typeof (v as { toJSON?: unknown }).toJSON === 'function') return undefined;
      let out = '{';
      let first = true;
      const keys = Object.keys(v);
      for (let i = 0; i < keys.length; i++) {
        const key = keys[i]!;
        if (key === '__proto__') return undefined;
        const e = (v as Record<string, unknown>)[key];
        if (skippedByJson(e)) continue;
        const t = templateOf(e, values, depth + 1);
        if (t === undefined) return undefined;
        out += (first ? '' : ',') + quotedKey(key) + t;
        first = false;
      }
      return out + '}';
    }
    default:
      // bigint (JSON.stringify throws, and so will the JSON path), undefined at the top.
      return undefined;
  }
}

/** The row text for a document of shape `shapeId`; undefined when SQLite could not hold it exactly. */
export function shapedRow(shapeId: number, values: string[]): string | undefined {
  const row = values.length === 0 ? String(shapeId) : shapeId + SHAPED_SEPARATOR + values.join(SHAPED_SEPARATOR);
  // A lone surrogate would be stored as U+FFFD; JSON escapes it instead.
  return (row as WellFormedCheck).isWellFormed() ? row : undefined;
}

/** `String.prototype.isWellFormed` (Node 20; TypeScript's lib here predates ES2024). */
type WellFormedCheck = string & { isWellFormed(): boolean };
