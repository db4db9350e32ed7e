/**
 * Shaped rows in a real SQLite file: both row formats in one table, shapes
 * registered by another connection, a rolled-back write, the per-collection
 * cap on shapes, and damaged rows.
 *
 * A second connection to the same file is opened through a symlinked
 * directory: the storage shares one connection per path in a process, so the
 * other path gets its own connection and its own shape cache, exactly as
 * another gateway process would.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { fillWithDefaultSettings, normalizeMangoQuery, prepareQuery, now, randomToken, type RxJsonSchema, type RxDocumentData, type RxStorage, type RxStorageInstance } from 'rxdb';
import { getRxStorageSQLite, databaseFileName, openConnectionCount } from './index.ts';
import { MAX_SHAPES_PER_TABLE } from './row-shapes.ts';
import { isEdgePayError } from '../../core/index.ts';

type Item = { id: string; name: string; age: number; extra?: Record<string, unknown> };
type Doc = RxDocumentData<Item>;

const schema: RxJsonSchema<Doc> = fillWithDefaultSettings<Item>({
  version: 0,
  primaryKey: 'id',
  type: 'object',
  properties: {
    id: { type: 'string', maxLength: 40 },
    name: { type: 'string', maxLength: 40 },
    age: { type: 'integer', minimum: 0, maximum: 1000, multipleOf: 1 },
    extra: { type: 'object' },
  },
  required: ['id', 'name', 'age'],
  indexes: ['name', 'age'],
} as RxJsonSchema<Item>);

function doc(id: string, fields: Partial<Item> = {}): Doc {
  return { id, name: 'n-' + id, age: 30, _deleted: false, _attachments: {}, _rev: '1-aaaa', _meta: { lwt: now() }, ...fields };
}

let dir: string;
let otherDir: string;
const open: RxStorageInstance<Item, any, any>[] = [];

async function instance(storage: RxStorage<any, any>, databaseName: string): Promise<RxStorageInstance<Item, any, any>> {
  const inst = await storage.createStorageInstance<Item>({
    databaseInstanceToken: randomToken(10),
    databaseName,
    collectionName: 'items',
    schema,
    options: {},
    multiInstance: false,
    devMode: true,
  });
  open.push(inst);
  return inst;
}

function all(inst: RxStorageInstance<Item, any, any>, selector: Record<string, unknown> = {}) {
  return inst.query(prepareQuery(schema, normalizeMangoQuery(schema, { selector, sort: [{ id: 'asc' }] })));
}

function rawRows(databaseName: string): { id: string; data: string }[] {
  const db = new Database(join(dir, databaseFileName(databaseName)), { readonly: true });
  try {
    return db.prepare('SELECT id, data FROM "docs:items:v0" ORDER BY id').all() as { id: string; data: string }[];
  } finally {
    db.close();
  }
}

function withoutMeta(d: Doc): Record<string, unknown> {
  const { _meta, _rev, _attachments, _deleted, ...rest } = d;
  return rest;
}

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'edgepay-shapes-'));
  otherDir = dir + '-other';
  symlinkSync(dir, otherDir);
});
after(async () => {
  for (const inst of open) await inst.close().catch(() => undefined);
  assert.equal(openConnectionCount(), 0);
  rmSync(otherDir, { force: true });
  rmSync(dir, { recursive: true, force: true });
});

describe('sqlite storage: shaped rows', () => {
  it('stores documents without their keys by default, JSON when asked, and reads both formats in one table', async () => {
    const name = 'mixed';
    const json = await instance(getRxStorageSQLite({ directory: dir, rowFormat: 'json' }), name);
    await json.bulkWrite([{ document: doc('a', { extra: { note: 'json row' } }) }, { document: doc('b') }], 'test');
    await json.close();
    const shaped = await instance(getRxStorageSQLite({ directory: dir }), name);
    await shaped.bulkWrite([{ document: doc('c', { extra: { note: 'shaped row' } }) }, { document: doc('d') }], 'test');

    const rows = rawRows(name);
    assert.deepEqual(
      rows.map((r) => r.data[0] === '{'),
      [true, true, false, false],
    );
    assert.equal(rows[2]!.data.includes('"note"'), false, 'a shaped row holds no keys');
    assert.ok(rows[2]!.data.includes('shaped row'));

    const found = await shaped.findDocumentsById(['a', 'b', 'c', 'd'], false);
    assert.deepEqual(
      found.map((d) => d.extra?.note ?? null),
      ['json row', null, 'shaped row', null],
    );
    assert.deepEqual(
      (await all(shaped)).documents.map((d) => d.id),
      ['a', 'b', 'c', 'd'],
    );
    // An update of a JSON row rewrites it shaped; its conflict check read the JSON row.
    const a = found[0]!;
    const res = await shaped.bulkWrite([{ previous: a, document: { ...a, age: 31, _rev: '2-bbbb', _meta: { lwt: now() } } }], 'test');
    assert.deepEqual(res.error, []);
    assert.notEqual(rawRows(name)[0]!.data[0], '{');
    assert.equal((await shaped.findDocumentsById(['a'], false))[0]!.age, 31);
  });

  it('reads rows whose shape another connection registered after it loaded its shapes (by id, by query, in a write)', async () => {
    const name = 'two-connections';
    const mine = await instance(getRxStorageSQLite({ directory: dir }), name);
    await mine.bulkWrite([{ document: doc('base') }], 'test');
    const other = await instance(getRxStorageSQLite({ directory: otherDir }), name);
    assert.notEqual((mine as any).connection, (other as any).connection, 'two connections, two shape caches');

    // Before each way of reading, `other` writes a shape `mine` has not seen.
    await other.bulkWrite([{ document: doc('by-id', { extra: { a: 1 } }) }], 'test');
    assert.deepEqual((await mine.findDocumentsById(['by-id'], false)).map(withoutMeta), [withoutMeta(doc('by-id', { extra: { a: 1 } }))]);

    // A selector the index cannot decide is matched row by row while SQLite iterates.
    await other.bulkWrite([{ document: doc('by-iterate', { name: 'iter', extra: { d: [1, 2] } }) }], 'test');
    const iterated = await all(mine, { name: 'iter', extra: { $exists: true } });
    assert.deepEqual(
      iterated.documents.map((d) => d.extra),
      [{ d: [1, 2] }],
    );
    await other.bulkWrite([{ document: doc('by-count', { extra: { b: 'x' } }) }], 'test');
    assert.equal((await mine.count(prepareQuery(schema, normalizeMangoQuery(schema, { selector: { extra: { $exists: true } } })))).count, 3);

    // A write whose conflict check reads a row of a shape `mine` has not seen.
    await other.bulkWrite([{ document: doc('late', { extra: { e: null } }) }], 'test');
    const late = await other.findDocumentsById(['late'], false);
    const res = await mine.bulkWrite([{ previous: late[0]!, document: { ...late[0]!, age: 99, _rev: '2-cccc', _meta: { lwt: now() } } }], 'test');
    assert.deepEqual(res.error, []);
    assert.equal((await other.findDocumentsById(['late'], false))[0]!.age, 99);

    // Both connections see the same documents.
    const a = (await all(mine)).documents.map(withoutMeta);
    const b = (await all(other)).documents.map(withoutMeta);
    assert.deepEqual(a, b);
    assert.equal(a.length, 5);
  });

  it('does not keep a shape registered by a write that rolled back', async () => {
    const name = 'rollback';
    const mine = await instance(getRxStorageSQLite({ directory: dir }), name);
    const other = await instance(getRxStorageSQLite({ directory: otherDir }), name);
    // The same id twice in one bulk fails on the second insert, after the first registered its shape.
    await assert.rejects(mine.bulkWrite([{ document: doc('x', { extra: { mine: 1 } }) }, { document: doc('x', { extra: { mine: 2 } }) }], 'test'), (e: unknown) =>
      isEdgePayError(e, 'STORAGE_WRITE_FAILED'),
    );
    assert.deepEqual(rawRows(name), []);
    // The other connection now registers a different shape, and SQLite may hand it the rolled-back id.
    await other.bulkWrite([{ document: doc('y', { extra: { theirs: 'y' } }) }], 'test');
    await mine.bulkWrite([{ document: doc('x', { extra: { mine: 1 } }) }], 'test');
    for (const inst of [mine, other]) {
      const docs = (await all(inst)).documents;
      assert.deepEqual(
        docs.map((d) => d.extra),
        [{ mine: 1 }, { theirs: 'y' }],
      );
    }
  });

  it(`stores documents of a collection's shape number ${MAX_SHAPES_PER_TABLE + 1} and beyond as JSON, and reads them all`, async () => {
    const name = 'many-shapes';
    const inst = await instance(getRxStorageSQLite({ directory: dir }), name);
    const docs = Array.from({ length: MAX_SHAPES_PER_TABLE + 8 }, (_, i) => doc('s' + String(i).padStart(4, '0'), { extra: { ['k' + i]: i } }));
    await inst.bulkWrite(
      docs.map((document) => ({ document })),
      'test',
    );
    const rows = rawRows(name);
    assert.equal(rows.filter((r) => r.data[0] !== '{').length, MAX_SHAPES_PER_TABLE);
    assert.equal(rows.filter((r) => r.data[0] === '{').length, 8);
    const back = (await all(inst)).documents;
    assert.deepEqual(back.map(withoutMeta), docs.map(withoutMeta));
  });

  it('refuses a row of a shape the file does not hold, or with the wrong number of values, with STORAGE_CORRUPT', async () => {
    const name = 'damaged-rows';
    const inst = await instance(getRxStorageSQLite({ directory: dir }), name);
    await inst.bulkWrite([{ document: doc('ok') }, { document: doc('unknown') }, { document: doc('short') }], 'test');
    const raw = new Database(join(dir, databaseFileName(name)));
    const shaped = raw.prepare(`SELECT data FROM "docs:items:v0" WHERE id = 'short'`).pluck().get() as string;
    raw.prepare(`UPDATE "docs:items:v0" SET data = ? WHERE id = 'unknown'`).run('999999' + shaped.slice(shaped.indexOf('\u0001')));
    raw.prepare(`UPDATE "docs:items:v0" SET data = ? WHERE id = 'short'`).run(shaped.slice(0, shaped.lastIndexOf('\u0001')));
    raw.close();
    assert.equal((await inst.findDocumentsById(['ok'], false)).length, 1);
    for (const id of ['unknown', 'short']) {
      await assert.rejects(inst.findDocumentsById([id], false), (e: unknown) => isEdgePayError(e, 'STORAGE_CORRUPT'), id);
    }
    await assert.rejects(all(inst), (e: unknown) => isEdgePayError(e, 'STORAGE_CORRUPT'));
  });
});
