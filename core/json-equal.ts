/**
 * Structural equality of JSON values, used to tell whether a pushed document
 * changed a field.
 *
 * JSON semantics on purpose: key order does not matter, and a key holding
 * `undefined` equals a missing key — after a round trip through JSON (HTTP,
 * SQLite, PostgreSQL) the two are indistinguishable, so treating them as
 * different would report changes nobody made.
 */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;

  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((item, i) => jsonEqual(item, b[i]));
  }

  const left = a as Record<string, unknown>;
  const right = b as Record<string, unknown>;
  const keys = new Set([...Object.keys(left), ...Object.keys(right)]);
  for (const key of keys) {
    if (!jsonEqual(left[key], right[key])) return false;
  }
  return true;
}
