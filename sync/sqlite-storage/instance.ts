/**
 * One RxStorageInstance: one collection at one schema version, in one table of
 * the database's SQLite file.
 *
 * Writes: RxDB's `categorizeBulkWriteRows` decides inserts, updates and 409
 * conflicts against the rows read from the table, and all of it runs inside
 * one synchronous SQLite transaction, so no other write of this process can
 * interleave and the caller hears back only after the commit (fsynced with
 * synchronous=FULL). Change events are emitted after the commit. A write of
 * more than WRITE_CHUNK_ROWS rows is several such transactions, in order.
 */
import type Database from 'better-sqlite3';
import { Subject, type Observable } from 'rxjs';
import {
  categorizeBulkWriteRows,
  ensureNotFalsy,
  getPrimaryFieldOfPrimaryKey,
  now,
  type BulkWriteRow,
  type EventBulk,
  type PreparedQuery,
  type RxDocumentData,
  type RxJsonSchema,
  type RxStorageBulkWriteResponse,
  type RxStorageChangeEvent,
  type RxStorageCountResult,
  type RxStorageInstance,
  type RxStorageQueryResult,
  type RxAttachmentWriteData,
  type RxStorageDefaultCheckpoint,
} from 'rxdb';
import type { SharedConnection } from './connection.ts';
import { releaseConnection } from './connection.ts';
import { storageError } from './errors.ts';
import { isEdgePayError } from '../../core/index.ts';
import type { IndexColumn } from './index-keys.ts';
import { runCount, runQuery, type QueryContext } from './query.ts';
import { dropTables, quoteIdent } from './tables.ts';
import type { SQLiteInstanceCreationOptions, SQLiteInternals } from './types.ts';
import type { PendingShapes, RowFormat, RowShapes } from './row-shapes.ts';

type Doc<T> = RxDocumentData<T>;
type ChangeBulk<T> = EventBulk<RxStorageChangeEvent<Doc<T>>, RxStorageDefaultCheckpoint>;

/**
 * Instances of one table in this process share their change events, as the
 * instances of RxDB's memory storage do: two RxDatabases on the same name in
 * one process see each other's writes.
 */
const LISTENERS = new Map<string, Set<Subject<ChangeBulk<any>>>>();

/**
 * A bulkWrite of more rows is committed in chunks of this many, one
 * transaction each, with a turn of the event loop between them. The gateway
 * process also runs the device bus and the kiosk's API: RxDB's bookkeeping
 * after a catch-up push call of 12,000 payments was one write of about 140 ms
 * during which nothing else ran. Each chunk is a normal write (conflicts per
 * row, change events after its commit). A document given twice is refused
 * before anything is written, as in one transaction; a crash or I/O error
 * between chunks keeps the chunks before it, which RxDB's replication treats
 * like any write it has to repeat (its checkpoints move only after the call).
 */
const WRITE_CHUNK_ROWS = 1000;

/** Writes of any instance in this process that are queued or under way across turns of the event loop. */
let writesAcrossTurns = 0;
const onWritesDone = new Set<() => void>();

/**
 * Resolves at the first turn of the event loop at which no write of this
 * storage, in any instance of this process, is queued or under way (writes
 * that run within one call are never seen). For code that must act only
 * after a caller's chain of writes is in the file, such as RxDB's
 * replication bookkeeping after a push (sync/replication/pushes-in-flight.ts):
 * that chain issues its next write in promise callbacks, so at a turn with
 * nothing under way it has none left.
 */
export async function sqliteWritesSettled(): Promise<void> {
  for (;;) {
    await new Promise<void>((resolve) => setImmediate(resolve));
    if (writesAcrossTurns === 0) return;
    await new Promise<void>((resolve) => onWritesDone.add(resolve));
  }
}

export class RxStorageInstanceSQLite<RxDocType> implements RxStorageInstance<RxDocType, SQLiteInternals, SQLiteInstanceCreationOptions, RxStorageDefaultCheckpoint> {
  readonly primaryPath: string;
  readonly internals: SQLiteInternals;
  private closed = false;
  private removed = false;
  private readonly changes$ = new Subject<ChangeBulk<RxDocType>>();
  private readonly listenerKey: string;
  private readonly db: Database.Database;
  private readonly stmts: ReturnType<typeof prepareStatements>;
  private readonly queryContext: QueryContext;
  private readonly shapes: RowShapes;
  /** Writes wait here while an earlier write converts attachment Blobs. */
  private writeChain: Promise<unknown> = Promise.resolve();
  private pendingWrites = 0;

  constructor(
    readonly databaseName: string,
    readonly collectionName: string,
    readonly schema: Readonly<RxJsonSchema<Doc<RxDocType>>>,
    readonly options: Readonly<SQLiteInstanceCreationOptions>,
    private readonly connection: SharedConnection,
    readonly tableName: string,
    private readonly indexColumns: IndexColumn[],
    private readonly rowFormat: RowFormat = 'shaped',
  ) {
    this.primaryPath = getPrimaryFieldOfPrimaryKey(schema.primaryKey) as string;
    this.internals = { filePath: connection.filePath, tableName };
    this.db = connection.db;
    this.shapes = connection.shapes;
    this.stmts = prepareStatements(this.db, tableName, indexColumns);
    this.queryContext = { db: this.db, tableName, schema: this.schema, indexColumns, shapes: this.shapes };
    this.listenerKey = connection.filePath + '\u0000' + tableName;
    let set = LISTENERS.get(this.listenerKey);
    if (!set) LISTENERS.set(this.listenerKey, (set = new Set()));
    set.add(this.changes$);
  }

  private ensureOpen(operation: string): void {
    if (this.closed) {
      throw storageError(this.removed ? 'STORAGE_REMOVED' : 'STORAGE_CLOSED', {
        operation,
        databaseName: this.databaseName,
        collectionName: this.collectionName,
      });
    }
  }

  bulkWrite(rows: BulkWriteRow<RxDocType>[], context: string): Promise<RxStorageBulkWriteResponse<RxDocType>> {
    try {
      this.ensureOpen('bulkWrite');
    } catch (err) {
      return Promise.reject(err);
    }
    if (rows.length === 0) return Promise.resolve({ error: [] });
    const hasBlobs = !!this.schema.attachments && rows.some((r) => hasAttachmentData(r.document._attachments));
    // Fast path: nothing to await and nobody queued before us, so run now and
    // keep call order = commit order.
    if (!hasBlobs && this.pendingWrites === 0 && rows.length <= WRITE_CHUNK_ROWS) {
      try {
        return Promise.resolve(this.writeNow(rows, context, new Map()));
      } catch (err) {
        return Promise.reject(err);
      }
    }
    this.pendingWrites++;
    writesAcrossTurns++;
    const run = async () => {
      try {
        const bodies = hasBlobs ? await readAttachmentBodies(rows, this.primaryPath) : new Map<Blob, Buffer>();
        this.ensureOpen('bulkWrite');
        if (rows.length <= WRITE_CHUNK_ROWS) return this.writeNow(rows, context, bodies);
        // The one bad input SQLite itself would refuse mid-way: refused before any chunk is written.
        this.refuseDuplicateIds(rows, context);
        const error: RxStorageBulkWriteResponse<RxDocType>['error'] = [];
        for (let i = 0; i < rows.length; i += WRITE_CHUNK_ROWS) {
          // Later writes of this instance wait in writeChain, and close() waits for it too.
          if (i > 0) await new Promise<void>((resolve) => setImmediate(resolve));
          for (const e of this.writeNow(rows.slice(i, i + WRITE_CHUNK_ROWS), context, bodies).error) error.push(e);
        }
        return { error };
      } finally {
        this.pendingWrites--;
        if (--writesAcrossTurns === 0) {
          for (const done of [...onWritesDone]) done();
          onWritesDone.clear();
        }
      }
    };
    const result = this.writeChain.then(run, run);
    this.writeChain = result.catch(() => undefined);
    return result;
  }

  private refuseDuplicateIds(rows: BulkWriteRow<RxDocType>[], context: string): void {
    const seen = new Set<string>();
    for (const r of rows) {
      const id = (r.document as any)[this.primaryPath] as string;
      if (seen.has(id)) {
        throw storageError('STORAGE_WRITE_FAILED', {
          databaseName: this.databaseName,
          collectionName: this.collectionName,
          context,
          reason: `document ${id} appears twice in one bulkWrite`,
        });
      }
      seen.add(id);
    }
  }

  /** The whole write, synchronously: read current rows, decide, write, commit. */
  private writeNow(rows: BulkWriteRow<RxDocType>[], context: string, bodies: Map<Blob, Buffer>): RxStorageBulkWriteResponse<RxDocType> {
    const primaryPath = this.primaryPath;
    const ids = rows.map((r) => (r.document as any)[primaryPath] as string);
    const { stmts, indexColumns, shapes, tableName, rowFormat } = this;
    let categorized!: ReturnType<typeof categorizeBulkWriteRows<RxDocType>>;
    // Shapes this write registers; cached only once its transaction committed.
    let pending: PendingShapes = new Map();
    const data = (doc: Doc<RxDocType>) => shapes.encode(tableName, doc, rowFormat, pending);
    const transaction = this.db.transaction(() => {
      pending = new Map();
      const docsInDb = new Map<string, Doc<RxDocType>>();
      for (const row of stmts.selectByIds.all(JSON.stringify(ids)) as string[]) {
        const doc = shapes.decode(row) as Doc<RxDocType>;
        docsInDb.set((doc as any)[primaryPath], doc);
      }
      categorized = categorizeBulkWriteRows<RxDocType>(this, primaryPath as any, docsInDb, rows, context);
      for (const row of categorized.bulkInsertDocs) {
        const doc = row.document;
        stmts.insert.run(rowParams(doc, data(doc), primaryPath, indexColumns));
      }
      for (const row of categorized.bulkUpdateDocs) {
        const doc = row.document;
        const params = rowParams(doc, data(doc), primaryPath, indexColumns);
        params.push(params.shift());
        stmts.update.run(params);
      }
      if (this.schema.attachments) {
        for (const a of [...categorized.attachmentsAdd, ...categorized.attachmentsUpdate]) {
          const body = bodies.get(a.attachmentData.data);
          if (!body) throw storageError('STORAGE_WRITE_FAILED', { reason: 'attachment body was not read', documentId: a.documentId });
          stmts.putAttachment.run(a.documentId, a.attachmentId, a.digest, a.attachmentData.type, body);
        }
        for (const a of categorized.attachmentsRemove) stmts.deleteAttachment.run(a.documentId, a.attachmentId);
      }
    });
    try {
      // IMMEDIATE takes the write lock before reading, so another process
      // cannot change the rows between our conflict check and our write.
      // A stored row of a shape another process registered since we loaded
      // them rolls the transaction back before anything is written; reading()
      // reloads the shapes and runs it again.
      shapes.reading(() => transaction.immediate());
      shapes.adopt(pending);
    } catch (err) {
      if (isEdgePayError(err)) throw err;
      throw storageError('STORAGE_WRITE_FAILED', { databaseName: this.databaseName, collectionName: this.collectionName, context, reason: String((err as Error)?.message ?? err) }, err);
    }
    const bulk = categorized.eventBulk as ChangeBulk<RxDocType>;
    if (bulk.events.length > 0) {
      const newest = ensureNotFalsy(categorized.newestRow).document;
      bulk.checkpoint = { id: (newest as any)[primaryPath], lwt: newest._meta.lwt };
      for (const subject of LISTENERS.get(this.listenerKey) ?? []) subject.next(bulk);
    }
    return { error: categorized.errors };
  }

  /*
   * Why big reads (here and in query.ts) decode every row and keep no cache of
   * decoded documents. Measured with RxDB's storage bench (3000 documents of
   * about 380 characters each, most with non-ASCII strings): with JSON rows,
   * JSON.parse was about two thirds of the step, and v8.deserialize,
   * structuredClone, .iterate()/.raw(), a larger cache_size or mmap_size, an
   * `id IN (...)` list or one get() per id were no better. Shaped rows
   * (row-codec.ts) cut the decoding itself by about 3.8x. A cache of decoded
   * documents would help the bench only if it outlived close() (the bench
   * reopens the database before each read step, to measure cold reads), which
   * would defeat its intent, and it would give every caller the same object.
   */
  findDocumentsById(ids: string[], withDeleted: boolean): Promise<Doc<RxDocType>[]> {
    try {
      this.ensureOpen('findDocumentsById');
      if (ids.length === 0) return Promise.resolve([]);
      const stmt = withDeleted ? this.stmts.selectByIds : this.stmts.selectByIdsNotDeleted;
      const out = this.shapes.reading(() => this.shapes.decodeAll(stmt.all(JSON.stringify(ids)) as string[]) as Doc<RxDocType>[]);
      return Promise.resolve(out);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  query(preparedQuery: PreparedQuery<RxDocType>): Promise<RxStorageQueryResult<RxDocType>> {
    try {
      this.ensureOpen('query');
      return Promise.resolve({ documents: this.shapes.reading(() => runQuery(this.queryContext, preparedQuery)) });
    } catch (err) {
      return Promise.reject(err);
    }
  }

  count(preparedQuery: PreparedQuery<RxDocType>): Promise<RxStorageCountResult> {
    try {
      this.ensureOpen('count');
      return Promise.resolve({ count: this.shapes.reading(() => runCount(this.queryContext, preparedQuery)), mode: 'fast' });
    } catch (err) {
      return Promise.reject(err);
    }
  }

  getChangedDocumentsSince(limit: number, checkpoint?: RxStorageDefaultCheckpoint): Promise<{ documents: Doc<RxDocType>[]; checkpoint: RxStorageDefaultCheckpoint }> {
    try {
      this.ensureOpen('getChangedDocumentsSince');
      const documents = this.shapes.reading(() => {
        const rows = (checkpoint ? this.stmts.changesSince.all(checkpoint.lwt, checkpoint.id, limit) : this.stmts.changesFromStart.all(limit)) as string[];
        return this.shapes.decodeAll(rows) as Doc<RxDocType>[];
      });
      const last = documents[documents.length - 1];
      return Promise.resolve({
        documents,
        checkpoint: last ? { id: (last as any)[this.primaryPath] as string, lwt: last._meta.lwt } : (checkpoint ?? { id: '', lwt: 0 }),
      });
    } catch (err) {
      return Promise.reject(err);
    }
  }

  changeStream(): Observable<ChangeBulk<RxDocType>> {
    return this.changes$.asObservable();
  }

  getAttachmentData(documentId: string, attachmentId: string, digest: string): Promise<Blob> {
    try {
      this.ensureOpen('getAttachmentData');
      const row = this.stmts.getAttachment.get(documentId, attachmentId) as { digest: string; type: string; data: Buffer } | undefined;
      if (!row || row.digest !== digest) {
        throw storageError('STORAGE_ATTACHMENT_MISSING', { documentId, attachmentId, digest });
      }
      return Promise.resolve(new Blob([new Uint8Array(row.data)], { type: row.type }));
    } catch (err) {
      return Promise.reject(err);
    }
  }

  cleanup(minimumDeletedTime: number): Promise<boolean> {
    try {
      this.ensureOpen('cleanup');
      const maxDeletionTime = now() - minimumDeletedTime;
      this.db
        .transaction(() => {
          if (this.schema.attachments) this.stmts.cleanupAttachments.run(maxDeletionTime);
          this.stmts.cleanup.run(maxDeletionTime);
        })
        .immediate();
      return Promise.resolve(true);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    // Let queued writes finish: they were accepted before close was called.
    await this.writeChain;
    if (this.closed) return;
    this.closed = true;
    const set = LISTENERS.get(this.listenerKey);
    set?.delete(this.changes$);
    if (set && set.size === 0) LISTENERS.delete(this.listenerKey);
    this.changes$.complete();
    releaseConnection(this.connection);
  }

  async remove(): Promise<void> {
    this.ensureOpen('remove');
    await this.writeChain;
    dropTables(this.db, this.tableName);
    this.removed = true;
    await this.close();
  }
}

function hasAttachmentData(attachments: Record<string, unknown> | undefined): boolean {
  if (!attachments) return false;
  for (const key in attachments) if ((attachments[key] as RxAttachmentWriteData).data) return true;
  return false;
}

async function readAttachmentBodies<T>(rows: BulkWriteRow<T>[], primaryPath: string): Promise<Map<Blob, Buffer>> {
  const out = new Map<Blob, Buffer>();
  for (const row of rows) {
    for (const att of Object.values(row.document._attachments ?? {})) {
      const data = (att as RxAttachmentWriteData).data;
      if (!data || out.has(data)) continue;
      // RxDB 17 hands attachment bodies over as Blobs; anything else (an old
      // base64 string) is refused before the write starts, so nothing changes.
      if (!(data instanceof Blob)) {
        throw storageError('STORAGE_WRITE_FAILED', { reason: 'attachment data must be a Blob', documentId: (row.document as any)[primaryPath] });
      }
      out.set(data, Buffer.from(await data.arrayBuffer()));
    }
  }
  return out;
}

function rowParams(doc: Doc<any>, data: string, primaryPath: string, indexColumns: IndexColumn[]): unknown[] {
  const params: unknown[] = [doc[primaryPath], data, doc._deleted ? 1 : 0, doc._meta.lwt];
  for (const c of indexColumns) params.push(c.key(doc));
  return params;
}

function prepareStatements(db: Database.Database, tableName: string, indexColumns: IndexColumn[]) {
  const t = quoteIdent(tableName);
  const att = quoteIdent(tableName + ':att');
  const cols = ['id', 'data', 'deleted', 'lwt', ...indexColumns.map((c) => c.column)];
  const marks = cols.map(() => '?').join(', ');
  return {
    // json_each keeps one prepared statement for any number of ids and returns
    // rows in the order the ids were asked for. CROSS JOIN pins the id list as
    // the outer loop (one primary-key lookup per id); with a plain JOIN the
    // `deleted = 0` filter tempts SQLite to scan the table by its (deleted,
    // lwt) index and rescan the id list per row, which was 50x slower.
    // No ORDER BY: with the id list as the pinned outer loop, rows already come
    // in the order asked, and sorting them again cost a third of the lookup.
    selectByIds: db.prepare(`SELECT t.data FROM json_each(?) j CROSS JOIN ${t} t ON t.id = j.value`).pluck(),
    selectByIdsNotDeleted: db.prepare(`SELECT t.data FROM json_each(?) j CROSS JOIN ${t} t ON t.id = j.value WHERE t.deleted = 0`).pluck(),
    insert: db.prepare(`INSERT INTO ${t} (${cols.join(', ')}) VALUES (${marks})`),
    // Takes the INSERT parameters with the id moved to the end.
    update: db.prepare(
      `UPDATE ${t} SET ${cols
        .slice(1)
        .map((c) => `${c} = ?`)
        .join(', ')} WHERE id = ?`,
    ),
    changesSince: db.prepare(`SELECT data FROM ${t} WHERE (lwt, id) > (?, ?) ORDER BY lwt, id LIMIT ?`).pluck(),
    changesFromStart: db.prepare(`SELECT data FROM ${t} ORDER BY lwt, id LIMIT ?`).pluck(),
    cleanup: db.prepare(`DELETE FROM ${t} WHERE deleted = 1 AND lwt <= ?`),
    cleanupAttachments: db.prepare(`DELETE FROM ${att} WHERE doc_id IN (SELECT id FROM ${t} WHERE deleted = 1 AND lwt <= ?)`),
    putAttachment: db.prepare(`INSERT OR REPLACE INTO ${att} (doc_id, att_id, digest, type, data) VALUES (?, ?, ?, ?, ?)`),
    deleteAttachment: db.prepare(`DELETE FROM ${att} WHERE doc_id = ? AND att_id = ?`),
    getAttachment: db.prepare(`SELECT digest, type, data FROM ${att} WHERE doc_id = ? AND att_id = ?`),
  };
}
