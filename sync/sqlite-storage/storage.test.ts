/**
 * The SQLite RxStorage against the RxStorageInstance contract, written anew
 * from RxDB's documented behaviour, plus what only a SQLite storage has to
 * prove (real indexes, durability settings, corrupt files).
 *
 * Where behaviour is subtle (query ordering, ranges, skip/limit), the test
 * runs the same operations on RxDB's memory storage and demands equal answers.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import {
  createRxDatabase,
  fillWithDefaultSettings,
  normalizeMangoQuery,
  prepareQuery,
  now,
  randomToken,
  type RxJsonSchema,
  type RxDocumentData,
  type RxStorage,
  type RxStorageInstance,
  type MangoQuery,
} from 'rxdb';
import { getRxStorageMemory } from 'rxdb/plugins/storage-memory';
import { wrappedValidateAjvStorage } from 'rxdb/plugins/validate-ajv';
import { firstValueFrom } from 'rxjs';
import { filter } from 'rxjs/operators';
import { getRxStorageSQLite, querySql, databaseFileName, openConnectionCount } from './index.ts';
import { isEdgePayError } from '../../core/index.ts';

type Item = { id: string; name: string; age: number; flag: boolean; nested: { tag: string } };

const REV_1 = '1-aaaa';
const REV_2 = '2-bbbb';

function itemSchema(attachments = false): RxJsonSchema<RxDocumentData<Item>> {
  return fillWithDefaultSettings<Item>({
    version: 0,
    primaryKey: 'id',
    type: 'object',
    properties: {
      id: { type: 'string', maxLength: 40 },
      name: { type: 'string', maxLength: 20 },
      age: { type: 'integer', minimum: 0, maximum: 150, multipleOf: 1 },
      flag: { type: 'boolean' },
      nested: { type: 'object', properties: { tag: { type: 'string', maxLength: 10 } }, required: ['tag'] },
    },
    required: ['id', 'name', 'age', 'flag', 'nested'],
    indexes: ['name', ['age', 'name'], 'flag', 'nested.tag'],
    ...(attachments ? { attachments: {} } : {}),
  } as RxJsonSchema<Item>);
}

function doc(id: string, fields: Partial<Item> = {}, meta: Partial<RxDocumentData<Item>> = {}): RxDocumentData<Item> {
  return {
    id,
    name: 'n-' + id,
    age: 30,
    flag: false,
    nested: { tag: 't' },
    _deleted: false,
    _attachments: {},
    _rev: REV_1,
    _meta: { lwt: now() },
    ...fields,
    ...meta,
  };
}

let dir: string;
const open: RxStorageInstance<Item, any, any>[] = [];

async function instance(
  storage: RxStorage<any, any>,
  opts: { databaseName?: string; collectionName?: string; schema?: RxJsonSchema<RxDocumentData<Item>> } = {},
): Promise<RxStorageInstance<Item, any, any>> {
  const inst = await storage.createStorageInstance<Item>({
    databaseInstanceToken: randomToken(10),
    databaseName: opts.databaseName ?? 'db' + randomToken(8),
    collectionName: opts.collectionName ?? 'items',
    schema: opts.schema ?? itemSchema(),
    options: {},
    multiInstance: false,
    devMode: true,
  });
  open.push(inst);
  return inst;
}

function sqlite(extra: { synchronous?: 'FULL' | 'NORMAL' } = {}) {
  return getRxStorageSQLite({ directory: dir, ...extra });
}

function prepared(schema: RxJsonSchema<RxDocumentData<Item>>, q: MangoQuery<Item>) {
  return prepareQuery(schema, normalizeMangoQuery(schema, q));
}

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'edgepay-storage-'));
});
after(async () => {
  for (const inst of open) await inst.close().catch(() => undefined);
  assert.equal(openConnectionCount(), 0, 'every connection is released once its instances close');
  rmSync(dir, { recursive: true, force: true });
});

describe('sqlite storage: bulkWrite', () => {
  it('writes a document and finds it by id', async () => {
    const s = await instance(sqlite());
    const d = doc('a');
    const res = await s.bulkWrite([{ document: d }], 'test');
    assert.deepEqual(res.error, []);
    const found = await s.findDocumentsById(['a'], false);
    assert.deepEqual(found, [d]);
  });

  it('returns a 409 with the stored document, without internal fields, on a revision conflict', async () => {
    const s = await instance(sqlite());
    const d = doc('a', { name: 'first' });
    await s.bulkWrite([{ document: d }], 'test');
    const res = await s.bulkWrite([{ document: doc('a', { name: 'second' }) }], 'test');
    assert.equal(res.error.length, 1);
    const e = res.error[0]!;
    assert.equal(e.status, 409);
    assert.equal(e.documentId, 'a');
    assert.ok(e.status === 409 && e.documentInDb);
    assert.deepEqual(e.documentInDb, d);
    assert.deepEqual(Object.keys(e.documentInDb).sort(), Object.keys(d).sort());
    const [stored] = await s.findDocumentsById(['a'], false);
    assert.equal(stored!.name, 'first', 'the conflicting write changed nothing');
  });

  it('lets the first of two simultaneous inserts win and gives the second a 409', async () => {
    const s = await instance(sqlite());
    const [first, second] = await Promise.all([s.bulkWrite([{ document: doc('x', { name: 'first' }) }], 'test'), s.bulkWrite([{ document: doc('x', { name: 'second' }) }], 'test')]);
    assert.deepEqual(first.error, []);
    assert.equal(second.error[0]?.status, 409);
    assert.equal((await s.findDocumentsById(['x'], false))[0]!.name, 'first');
  });

  it('updates with the right previous revision, deletes, and hides deleted documents unless asked', async () => {
    const s = await instance(sqlite());
    const d1 = doc('a');
    await s.bulkWrite([{ document: d1 }], 'test');
    const d2 = { ...d1, name: 'changed', _rev: REV_2, _meta: { lwt: now() } };
    assert.deepEqual((await s.bulkWrite([{ previous: d1, document: d2 }], 'test')).error, []);
    const d3 = { ...d2, _deleted: true, _rev: '3-cccc', _meta: { lwt: now() } };
    assert.deepEqual((await s.bulkWrite([{ previous: d2, document: d3 }], 'test')).error, []);
    assert.deepEqual(await s.findDocumentsById(['a'], false), []);
    assert.deepEqual(await s.findDocumentsById(['a'], true), [d3]);
    // An update that assumes an old revision is a conflict.
    const stale = await s.bulkWrite([{ previous: d1, document: { ...d1, _rev: '4-dddd' } }], 'test');
    assert.equal(stale.error[0]?.status, 409);
  });

  it('rolls back the whole bulk when one row cannot be written (duplicate id in one bulk)', async () => {
    const s = await instance(sqlite());
    await assert.rejects(s.bulkWrite([{ document: doc('dup') }, { document: doc('other') }, { document: doc('dup') }], 'test'), (err: unknown) => isEdgePayError(err, 'STORAGE_WRITE_FAILED'));
    assert.deepEqual(await s.findDocumentsById(['dup', 'other'], true), []);
  });

  it('commits a write of more than 1,000 rows in chunks, in order, yielding to the event loop between them', async () => {
    const s = await instance(sqlite());
    await s.bulkWrite([{ document: doc('d-2400', { name: 'already' }) }], 'test');
    const bulks: number[] = [];
    const sub = s.changeStream().subscribe((bulk) => bulks.push(bulk.events.length));
    const rows = Array.from({ length: 2500 }, (_, i) => ({ document: doc(`d-${String(i).padStart(4, '0')}`) }));
    let turned = false;
    setImmediate(() => (turned = true));
    const writing = s.bulkWrite(rows, 'test');
    // Issued during the chunked write: it must wait for it (it updates a row of the last chunk).
    const after = writing
      .then(() => s.findDocumentsById(['d-2499'], false))
      .then(([d]) => s.bulkWrite([{ previous: d!, document: { ...d!, name: 'after', _rev: REV_2, _meta: { lwt: now() } } }], 'test'));
    const res = await writing;
    assert.ok(turned, 'other work ran while the write was under way');
    assert.deepEqual(
      res.error.map((e) => [e.status, e.documentId]),
      [[409, 'd-2400']],
      'a conflict in a later chunk is reported as data',
    );
    assert.deepEqual((await after).error, []);
    sub.unsubscribe();
    assert.deepEqual(bulks, [1000, 1000, 499, 1], 'one change bulk per chunk (the conflict is no event), then the later write');
    const all = await s.findDocumentsById(
      rows.map((r) => r.document.id),
      false,
    );
    assert.equal(all.length, 2500);
    assert.equal(all.find((d) => d.id === 'd-2400')!.name, 'already');
    assert.equal(all.find((d) => d.id === 'd-2499')!.name, 'after');
  });

  it('refuses a large write that names a document twice before writing any of it', async () => {
    const s = await instance(sqlite());
    const rows = Array.from({ length: 1500 }, (_, i) => ({ document: doc(`e-${i}`) }));
    rows.push({ document: doc('e-3') });
    await assert.rejects(s.bulkWrite(rows, 'test'), (err: unknown) => isEdgePayError(err, 'STORAGE_WRITE_FAILED'));
    assert.deepEqual(await s.findDocumentsById(['e-0', 'e-999', 'e-1400'], true), []);
  });

  it('returns documents by id in the order asked, skipping unknown ids', async () => {
    const s = await instance(sqlite());
    await s.bulkWrite(
      ['a', 'b', 'c'].map((id) => ({ document: doc(id) })),
      'test',
    );
    const found = await s.findDocumentsById(['c', 'zz', 'a'], false);
    assert.deepEqual(
      found.map((d) => d.id),
      ['c', 'a'],
    );
  });
});

describe('sqlite storage: queries behave exactly like RxDB memory storage', () => {
  const names = ['alpha', 'beta', 'Beta', 'gamma', 'éclair', '😀smile', '\uE000private', 'zeta', ''];
  function randomDocs(n: number, seed: number): RxDocumentData<Item>[] {
    let x = seed;
    const rnd = () => (x = (x * 1103515245 + 12345) % 2147483648) / 2147483648;
    const lwt = now();
    return Array.from({ length: n }, (_, i) =>
      doc(
        'id' + String(i).padStart(4, '0') + names[Math.floor(rnd() * names.length)]!.slice(0, 2),
        {
          name: names[Math.floor(rnd() * names.length)]!,
          age: Math.floor(rnd() * 100),
          flag: rnd() < 0.5,
          nested: { tag: ['t1', 't2', 't3'][Math.floor(rnd() * 3)]! },
        },
        { _meta: { lwt: lwt + i }, _deleted: rnd() < 0.1 },
      ),
    );
  }

  const queries: MangoQuery<Item>[] = [
    { selector: {} },
    { selector: {}, sort: [{ name: 'asc' }] },
    { selector: {}, sort: [{ name: 'desc' }], limit: 7 },
    { selector: { age: { $gt: 20, $lte: 60 } }, sort: [{ age: 'asc' }] },
    { selector: { age: { $gte: 50 } }, sort: [{ age: 'desc' }, { name: 'asc' }], skip: 3, limit: 5 },
    { selector: { name: 'beta' } },
    { selector: { name: { $in: ['alpha', 'zeta', '😀smile'] } }, sort: [{ name: 'asc' }] },
    { selector: { name: { $regex: '^[a-e]' } }, sort: [{ age: 'asc' }] },
    { selector: { flag: true, age: { $lt: 30 } }, limit: 4 },
    { selector: { 'nested.tag': 't2' }, sort: [{ id: 'asc' }], skip: 2 },
    { selector: { $or: [{ age: { $lt: 5 } }, { name: 'gamma' }] }, sort: [{ id: 'desc' }] },
    { selector: { name: { $gt: '\uE000' } }, sort: [{ name: 'asc' }] },
    { selector: { name: { $ne: 'alpha' }, age: { $nin: [1, 2, 3] } }, sort: [{ age: 'asc' }, { id: 'asc' }], limit: 10 },
    { selector: { _deleted: { $eq: true } } as any },
    { selector: { age: { $exists: true } }, sort: [{ age: 'asc' }], skip: 100, limit: 1000 },
    { selector: {}, limit: 0 },
  ];

  it('gives the same documents, order and counts as the memory storage for every query', async () => {
    const schema = itemSchema();
    const s = await instance(sqlite(), { schema });
    const m = await instance(getRxStorageMemory(), { schema });
    const docs = randomDocs(300, 7);
    assert.deepEqual(
      (
        await s.bulkWrite(
          docs.map((document) => ({ document })),
          'test',
        )
      ).error,
      [],
    );
    assert.deepEqual(
      (
        await m.bulkWrite(
          docs.map((document) => ({ document })),
          'test',
        )
      ).error,
      [],
    );
    for (const q of queries) {
      const p = prepared(schema, q);
      const ours = await s.query(p);
      const theirs = await m.query(p);
      assert.deepEqual(
        ours.documents.map((d) => d.id),
        theirs.documents.map((d) => d.id),
        'query ' + JSON.stringify(q),
      );
      if (q.limit === undefined && !q.skip && !q.sort) {
        assert.deepEqual(await s.count(p), await m.count(p), 'count ' + JSON.stringify(q));
      }
    }
  });

  it('runs queries as SQLite index range scans (EXPLAIN QUERY PLAN)', async () => {
    const schema = itemSchema();
    const s = await instance(sqlite(), { schema });
    const db = new Database(s.internals.filePath, { readonly: true });
    try {
      // RxQuery always adds `_deleted: false`; with it the planner can use the
      // schema indexes (which all start with _deleted).
      const live = { _deleted: { $eq: false } } as any;
      const cases: [MangoQuery<Item>, RegExp][] = [
        [{ selector: { ...live, age: { $gt: 20 } }, sort: [{ age: 'asc' }] }, /SEARCH docs:items:v0 USING INDEX docs:items:v0:i1 \(i1>\? AND i1<\?\)/],
        [{ selector: { ...live, name: 'beta' } }, /SEARCH docs:items:v0 USING INDEX docs:items:v0:i0 \(i0>\? AND i0<\?\)/],
        [{ selector: { ...live, 'nested.tag': 't1' } }, /SEARCH docs:items:v0 USING INDEX docs:items:v0:i3 \(i3>\? AND i3<\?\)/],
      ];
      for (const [q, expected] of cases) {
        const p = prepared(schema, q);
        const { sql, params } = querySql({ tableName: s.internals.tableName, schema, indexColumns: (s as any).indexColumns }, p);
        const plan = db
          .prepare('EXPLAIN QUERY PLAN ' + sql)
          .all(...params)
          .map((r: any) => r.detail as string)
          .join('\n');
        assert.match(plan, expected, `plan for ${JSON.stringify(q)}: ${plan}`);
        assert.doesNotMatch(plan, /\bSCAN\b/, 'no full table scan');
        assert.doesNotMatch(plan, /USE TEMP B-TREE FOR ORDER BY/, 'the index gives the order');
      }
    } finally {
      db.close();
    }
  });

  it('finds documents by id with one primary-key lookup per id (EXPLAIN QUERY PLAN)', async () => {
    const s = await instance(sqlite());
    const db = new Database(s.internals.filePath, { readonly: true });
    try {
      for (const name of ['selectByIds', 'selectByIdsNotDeleted']) {
        const source = (s as any).stmts[name].source as string;
        const plan = db
          .prepare('EXPLAIN QUERY PLAN ' + source)
          .all('["a","b"]')
          .map((r: any) => r.detail as string);
        // The id list is the outer loop; the table is searched by its key.
        assert.match(plan[0]!, /SCAN j VIRTUAL TABLE/, plan.join(' | '));
        assert.match(plan[1]!, /SEARCH t USING INDEX sqlite_autoindex_.* \(id=\?\)/, plan.join(' | '));
      }
    } finally {
      db.close();
    }
  });

  it('refuses a query that names an index the schema does not have', async () => {
    const schema = itemSchema();
    const s = await instance(sqlite(), { schema });
    const p = prepared(schema, { selector: {}, index: ['age', 'flag', 'id'] } as MangoQuery<Item>);
    await assert.rejects(s.query(p), (e: unknown) => isEdgePayError(e, 'STORAGE_INDEX_MISSING'));
  });
});

describe('sqlite storage: changes', () => {
  it('pages through getChangedDocumentsSince without missing or repeating a document, even with equal lwt', async () => {
    const s = await instance(sqlite());
    const lwt = now();
    const docs = Array.from({ length: 57 }, (_, i) => doc('d' + String(i).padStart(3, '0'), {}, { _meta: { lwt: lwt + Math.floor(i / 10) } }));
    await s.bulkWrite(
      docs.map((document) => ({ document })),
      'test',
    );
    const seen: string[] = [];
    let checkpoint: any;
    for (;;) {
      const page = await s.getChangedDocumentsSince!(8, checkpoint);
      if (page.documents.length === 0) break;
      seen.push(...page.documents.map((d) => d.id));
      checkpoint = page.checkpoint;
    }
    assert.deepEqual(
      seen,
      docs.map((d) => d.id),
    );
    const empty = await s.getChangedDocumentsSince!(8, checkpoint);
    assert.deepEqual(empty.checkpoint, checkpoint, 'an empty page keeps the checkpoint');
  });

  it('emits one event bulk per write, after the commit, with a checkpoint that resumes after it', async () => {
    const s = await instance(sqlite());
    const got = firstValueFrom(s.changeStream().pipe(filter((b) => b.context === 'ctx-1')));
    await s.bulkWrite([{ document: doc('e1') }, { document: doc('e2') }], 'ctx-1');
    const bulk = await got;
    assert.deepEqual(
      bulk.events.map((e) => [e.operation, e.documentId]),
      [
        ['INSERT', 'e1'],
        ['INSERT', 'e2'],
      ],
    );
    const after = await s.getChangedDocumentsSince!(10, bulk.checkpoint);
    assert.deepEqual(after.documents, []);
    // The event's data is what a reader sees after the commit.
    const db = new Database(s.internals.filePath, { readonly: true });
    try {
      const n = db.prepare(`SELECT COUNT(*) AS n FROM "${s.internals.tableName}"`).get() as { n: number };
      assert.equal(n.n, 2);
    } finally {
      db.close();
    }
  });

  it('shares change events between instances of the same collection in one process', async () => {
    const databaseName = 'shared' + randomToken(6);
    const a = await instance(sqlite(), { databaseName });
    const b = await instance(sqlite(), { databaseName });
    const got = firstValueFrom(b.changeStream());
    await a.bulkWrite([{ document: doc('s1') }], 'test');
    assert.equal((await got).events[0]?.documentId, 's1');
    assert.equal((await b.findDocumentsById(['s1'], false)).length, 1);
  });
});

describe('sqlite storage: cleanup, attachments, close, remove', () => {
  it('cleanup removes only deleted documents older than the given time', async () => {
    const s = await instance(sqlite());
    const old = now() - 10_000;
    await s.bulkWrite(
      [
        { document: doc('old-del', {}, { _deleted: true, _meta: { lwt: old } }) },
        { document: doc('new-del', {}, { _deleted: true, _meta: { lwt: now() } }) },
        { document: doc('old-live', {}, { _meta: { lwt: old } }) },
      ],
      'test',
    );
    assert.equal(await s.cleanup(5_000), true);
    const left = await s.findDocumentsById(['old-del', 'new-del', 'old-live'], true);
    assert.deepEqual(left.map((d) => d.id).sort(), ['new-del', 'old-live']);
  });

  it('stores, replaces and removes attachments', async () => {
    const schema = itemSchema(true);
    const s = await instance(sqlite(), { schema });
    const body = new Blob(['hello receipt'], { type: 'text/plain' });
    const d1: any = doc('att');
    d1._attachments = { receipt: { length: body.size, type: 'text/plain', digest: 'md5-1', data: body } };
    assert.deepEqual((await s.bulkWrite([{ document: d1 }], 'test')).error, []);
    const [stored] = await s.findDocumentsById(['att'], false);
    assert.deepEqual(stored!._attachments, { receipt: { length: body.size, type: 'text/plain', digest: 'md5-1' } });
    const blob = await s.getAttachmentData('att', 'receipt', 'md5-1');
    assert.equal(await blob.text(), 'hello receipt');
    assert.equal(blob.type, 'text/plain');
    await assert.rejects(s.getAttachmentData('att', 'receipt', 'md5-wrong'), (e: unknown) => isEdgePayError(e, 'STORAGE_ATTACHMENT_MISSING'));

    const body2 = new Blob(['v2'], { type: 'text/plain' });
    const d2: any = { ...stored, _rev: REV_2, _meta: { lwt: now() }, _attachments: { receipt: { length: 2, type: 'text/plain', digest: 'md5-2', data: body2 } } };
    assert.deepEqual((await s.bulkWrite([{ previous: stored!, document: d2 }], 'test')).error, []);
    assert.equal(await (await s.getAttachmentData('att', 'receipt', 'md5-2')).text(), 'v2');

    const [stored2] = await s.findDocumentsById(['att'], false);
    const d3: any = { ...stored2, _rev: '3-cccc', _meta: { lwt: now() }, _attachments: {} };
    assert.deepEqual((await s.bulkWrite([{ previous: stored2!, document: d3 }], 'test')).error, []);
    await assert.rejects(s.getAttachmentData('att', 'receipt', 'md5-2'));
  });

  it('refuses every operation after close with STORAGE_CLOSED, and close is idempotent', async () => {
    const s = await instance(sqlite());
    await s.close();
    await s.close();
    for (const op of [
      () => s.bulkWrite([{ document: doc('z') }], 'test'),
      () => s.findDocumentsById(['z'], false),
      () => s.query(prepared(itemSchema(), { selector: {} })),
      () => s.count(prepared(itemSchema(), { selector: {} })),
      () => s.getChangedDocumentsSince!(1),
      () => s.cleanup(0),
    ]) {
      await assert.rejects(op(), (e: unknown) => isEdgePayError(e, 'STORAGE_CLOSED') && (e as any).rxdb === true);
    }
  });

  it('remove() drops the collection: a new instance starts empty', async () => {
    const databaseName = 'rm' + randomToken(6);
    const s = await instance(sqlite(), { databaseName });
    await s.bulkWrite([{ document: doc('r1') }], 'test');
    await s.remove();
    const again = await instance(sqlite(), { databaseName });
    assert.deepEqual(await again.findDocumentsById(['r1'], true), []);
  });

  it('keeps documents across close and reopen (it is a file)', async () => {
    const databaseName = 'persist' + randomToken(6);
    const s = await instance(sqlite(), { databaseName });
    await s.bulkWrite([{ document: doc('p1') }], 'test');
    await s.close();
    const again = await instance(sqlite(), { databaseName });
    assert.equal((await again.findDocumentsById(['p1'], false)).length, 1);
    assert.ok(existsSync(join(dir, databaseFileName(databaseName))));
  });

  it('keeps collections of one database in one file and databases in separate files', async () => {
    const databaseName = 'multi' + randomToken(6);
    const a = await instance(sqlite(), { databaseName, collectionName: 'one' });
    const b = await instance(sqlite(), { databaseName, collectionName: 'two' });
    assert.equal(a.internals.filePath, b.internals.filePath);
    assert.notEqual(a.internals.tableName, b.internals.tableName);
    await a.bulkWrite([{ document: doc('same-id', { name: 'in one' }) }], 'test');
    await b.bulkWrite([{ document: doc('same-id', { name: 'in two' }) }], 'test');
    assert.equal((await a.findDocumentsById(['same-id'], false))[0]!.name, 'in one');
    assert.equal((await b.findDocumentsById(['same-id'], false))[0]!.name, 'in two');
  });
});

describe('sqlite storage: durability settings and bad files', () => {
  it('uses WAL with synchronous=FULL by default and NORMAL only when asked', async () => {
    const full = await instance(sqlite(), { databaseName: 'full' + randomToken(5) });
    const normal = await instance(sqlite({ synchronous: 'NORMAL' }), { databaseName: 'normal' + randomToken(5) });
    // Read the settings of the very connections the storage uses.
    const conn = (inst: any) => inst.connection.db as Database.Database;
    assert.equal(conn(full).pragma('journal_mode', { simple: true }), 'wal');
    assert.equal(conn(full).pragma('synchronous', { simple: true }), 2, 'FULL');
    assert.equal(conn(normal).pragma('synchronous', { simple: true }), 1, 'NORMAL');
  });

  it('keeps FULL on a reopened WAL file, where better-sqlite3 alone falls back to NORMAL', async () => {
    const databaseName = 'reopen' + randomToken(5);
    const first = await instance(sqlite(), { databaseName });
    const filePath = first.internals.filePath;
    await first.close();
    // better-sqlite3 is compiled with SQLITE_DEFAULT_WAL_SYNCHRONOUS=1: a
    // connection to a file already in WAL mode starts at NORMAL.
    const plain = new Database(filePath);
    assert.equal(plain.pragma('synchronous', { simple: true }), 1);
    plain.close();
    const again = await instance(sqlite(), { databaseName });
    assert.equal((again as any).connection.db.pragma('synchronous', { simple: true }), 2);
  });

  it('refuses a file that is not a database with STORAGE_CORRUPT and leaves it untouched', async () => {
    const databaseName = 'garbage';
    const file = join(dir, databaseFileName(databaseName));
    const junk = Buffer.from('this is not an SQLite database, it is a receipt printer log\n'.repeat(100));
    writeFileSync(file, junk);
    await assert.rejects(instance(sqlite(), { databaseName }), (e: unknown) => isEdgePayError(e, 'STORAGE_CORRUPT'));
    assert.deepEqual(readFileSync(file), junk);
    assert.equal(existsSync(file + '-wal'), false);
  });

  it('refuses a database whose pages are damaged when integrity checking is on', async () => {
    const databaseName = 'damaged';
    const s = await instance(sqlite(), { databaseName });
    await s.bulkWrite(
      Array.from({ length: 400 }, (_, i) => ({ document: doc('dmg' + i, { name: 'x'.repeat(20) }) })),
      'test',
    );
    await s.close();
    const file = join(dir, databaseFileName(databaseName));
    // Fold the WAL into the main file, then overwrite the middle of the file.
    const raw = new Database(file);
    raw.pragma('wal_checkpoint(TRUNCATE)');
    raw.close();
    const bytes = readFileSync(file);
    const page = 4096;
    for (let i = 2 * page; i < bytes.length - page; i++) bytes[i] = 0xa5;
    writeFileSync(file, bytes);
    await assert.rejects(
      getRxStorageSQLite({ directory: dir, checkIntegrityOnOpen: true }).createStorageInstance<Item>({
        databaseInstanceToken: 't',
        databaseName,
        collectionName: 'items',
        schema: itemSchema(),
        options: {},
        multiInstance: false,
        devMode: true,
      }),
      (e: unknown) => isEdgePayError(e, 'STORAGE_CORRUPT'),
    );
  });

  it('refuses to reopen a collection with a different index layout', async () => {
    const databaseName = 'layout' + randomToken(5);
    await instance(sqlite(), { databaseName });
    const other = fillWithDefaultSettings<Item>({ ...(itemSchema() as any), indexes: ['age'] });
    await assert.rejects(instance(sqlite(), { databaseName, schema: other as any }), (e: unknown) => isEdgePayError(e, 'STORAGE_SCHEMA_MISMATCH'));
  });
});

describe('sqlite storage under an RxDatabase', () => {
  it('rejects a document that breaks the schema with RxDB validation error and stores nothing', async () => {
    const db = await createRxDatabase({
      name: 'rx' + randomToken(6),
      storage: wrappedValidateAjvStorage({ storage: sqlite() }),
    });
    try {
      const schema = {
        version: 0,
        primaryKey: 'id',
        type: 'object',
        properties: {
          id: { type: 'string', maxLength: 40 },
          name: { type: 'string', maxLength: 20 },
          age: { type: 'integer', minimum: 0, maximum: 150, multipleOf: 1 },
        },
        required: ['id', 'name', 'age'],
        indexes: ['age'],
      } as const;
      const { people } = await db.addCollections({ people: { schema } });
      await people!.insert({ id: 'ok', name: 'Kim', age: 40 });
      await assert.rejects(people!.insert({ id: 'bad', name: 'Lee', age: 'forty' as any }), (e: any) => e.code === 'VD2');
      assert.equal(await people!.count().exec(), 1);
      assert.equal(await people!.findOne('bad').exec(), null);
      const found = await people!.find({ selector: { age: { $gte: 18 } }, sort: [{ age: 'asc' }] }).exec();
      assert.deepEqual(
        found.map((d) => d.id),
        ['ok'],
      );
    } finally {
      await db.close();
    }
  });
});
