/**
 * The decoding floor of the storage bench's read steps, measured in the same run.
 *
 * RxDB's memory storage answers `find-by-ids-3000` and `find-by-query` with the
 * very objects it holds: nothing is decoded and nothing is allocated. Any storage
 * that keeps documents outside the JavaScript heap (a file, IndexedDB, a server)
 * must build fresh objects from bytes on every cold read, and the harness makes
 * every read cold: it closes and reopens the database before each read step.
 *
 * This module times only the decoding a storage of JSON rows cannot avoid:
 * `JSON.parse` of the harness's own documents (`averageSchemaData()` plus the
 * `_meta`, `_rev`, `_deleted` and `_attachments` fields RxDB stores), as flat
 * strings, as they come out of SQLite, with no SQL, no RxDB and no I/O. Its
 * ratio to memory is the lowest ratio a storage of JSON rows can reach on these
 * steps (our `sqlite-full-json` subject is one). Our default shaped rows
 * (sync/sqlite-storage/row-codec.ts) do not parse JSON and can go below it.
 *
 * The statistic is the harness's own (`averageOfTimeValues(samples, 95)`: the
 * mean of the fastest 5%, or the fastest sample below 20), so that the floor
 * and the steps it bounds are computed alike.
 */
import { averageOfTimeValues, averageSchemaData } from 'rxdb/plugins/test-utils';

/** One sample: parse `count` stored documents of the harness's shape; returns ms. */
function parseSample(stored: string[]): number {
  const t0 = performance.now();
  // The documents stay alive until the sample ends, as a storage's answer does
  // (the caller holds them): the garbage collector has to keep them, not drop them.
  const live: unknown[] = new Array(stored.length);
  for (let i = 0; i < stored.length; i++) live[i] = JSON.parse(stored[i]!);
  const ms = performance.now() - t0;
  if (live.length !== stored.length) throw new Error('unreachable');
  return ms;
}

/** The harness's documents as the storage holds them: JSON text with RxDB's meta fields, each a flat string. */
function storedHarnessDocuments(count: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const doc = { ...averageSchemaData(), _meta: { lwt: Date.now() + i / 1000 }, _rev: '1-' + i.toString(36).padStart(10, 'a'), _deleted: false, _attachments: {} };
    // Through a Buffer, as better-sqlite3 hands TEXT over: one flat string per row, not a rope.
    out.push(Buffer.from(JSON.stringify(doc), 'utf8').toString('utf8'));
  }
  return out;
}

/**
 * The floor in ms for decoding each of `counts` documents (harness statistic
 * over `samples` samples; the caller asks for at least 20, so that a burst of
 * load on a shared machine does not set it). The counts are sampled in turn,
 * from one set of stored documents, so that none of them alone pays for the
 * heap growing on first use.
 */
export function jsonParseFloorsMs(counts: number[], samples: number): number[] {
  const stored = storedHarnessDocuments(Math.max(...counts));
  const slices = counts.map((n) => stored.slice(0, n));
  for (let w = 0; w < 3; w++) for (const slice of slices) parseSample(slice); // JIT warm-up, not counted
  const times: number[][] = counts.map(() => []);
  for (let s = 0; s < samples; s++) for (const [k, slice] of slices.entries()) times[k]!.push(parseSample(slice));
  return times.map((t) => averageOfTimeValues(t, 95));
}
