/**
 * Schema indexes as real SQLite indexes.
 *
 * Each schema index gets its own BLOB column holding RxDB's "indexable string"
 * for that index (the same key RxDB's memory and Dexie storages sort by, from
 * `getIndexableStringMonad`), and a SQLite index over (column, id). Queries then
 * run as a range scan on that index with the bounds RxDB's query planner
 * computed, so ordering and range semantics are exactly RxDB's.
 *
 * Why BLOB in UTF-16BE and not TEXT: RxDB compares these keys as JavaScript
 * strings, i.e. by UTF-16 code unit. SQLite's TEXT compares UTF-8 bytes, which
 * orders characters above U+FFFF before U+E000..U+FFFF differently (and RxDB's
 * INDEX_MAX is U+FFFF). Big-endian UTF-16 bytes compared with memcmp give
 * exactly the code-unit order.
 */
import { getIndexableStringMonad, type RxDocumentData, type RxJsonSchema } from 'rxdb';

export type IndexColumn = {
  /** Index fields as RxDB names them, e.g. ['_deleted', 'status', 'id']. */
  readonly fields: readonly string[];
  /** Column name in the documents table: i0, i1, ... */
  readonly column: string;
  readonly key: (doc: RxDocumentData<any>) => Buffer;
};

export function encodeIndexString(s: string): Buffer {
  return Buffer.from(s, 'utf16le').swap16();
}

export function indexName(fields: readonly string[]): string {
  return fields.join(',');
}

export function getIndexColumns(schema: RxJsonSchema<RxDocumentData<any>>): IndexColumn[] {
  const seen = new Set<string>();
  const out: IndexColumn[] = [];
  for (const idx of schema.indexes ?? []) {
    const fields = (Array.isArray(idx) ? [...idx] : [idx]) as string[];
    const name = indexName(fields);
    if (seen.has(name)) continue;
    seen.add(name);
    const indexString = getIndexableStringMonad(schema, fields);
    out.push({ fields, column: 'i' + out.length, key: (doc) => encodeIndexString(indexString(doc)) });
  }
  return out;
}
