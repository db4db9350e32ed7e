/**
 * The shapes of one database file: the `rxdb_shapes` table and this
 * connection's cache of it (row-codec.ts says what a shape is and why).
 *
 * Rules that keep every row readable, by this process and any other:
 * - A shape is registered inside the write transaction of the first row that
 *   uses it, so the row and its shape commit together or not at all.
 * - Shape ids come from AUTOINCREMENT and shapes are never deleted (not even
 *   when a collection is removed), so an id always means the one template it
 *   was first given, in every process and cache.
 * - A writer caches a shape it registered only after its transaction
 *   committed: an id from a rolled-back transaction is handed out again.
 * - A reader that meets an id it does not know (another process registered
 *   it) reloads the table and reads again (`reading()`); an id the file does
 *   not hold either is STORAGE_CORRUPT.
 * - A collection holds at most MAX_SHAPES_PER_TABLE shapes; documents of
 *   further shapes are stored as JSON, so a collection of wildly varying
 *   documents costs a little speed, never correctness.
 */
import type Database from 'better-sqlite3';
import { shapedRow, shapeDocument, SHAPED_SEPARATOR } from './row-codec.ts';
import { compileDecoder, compileEncoder, type RowDecoder, type RowEncoder } from './row-compile.ts';
import { storageError } from './errors.ts';

export const MAX_SHAPES_PER_TABLE = 512;

/** How rows are written; rows of both formats are always read. */
export type RowFormat = 'shaped' | 'json';

/** Thrown by decode() for a shape id this cache does not hold yet; reading() handles it. */
class UnknownShape extends Error {
  constructor(readonly shapeId: number) {
    super(`unknown row shape ${shapeId}`);
  }
}

/** Shapes registered by a write (of one table) whose transaction has not committed yet, by template text. */
export type PendingShapes = Map<string, { id: number; tableName: string }>;

export class RowShapes {
  private readonly decoders: (RowDecoder | undefined)[] = [];
  private readonly encoders: (RowEncoder | undefined)[] = [];
  /** Per table, the committed shape its last document had: most documents of a collection share one. */
  private readonly lastShape = new Map<string, { id: number; encode: RowEncoder }>();
  private readonly templates = new Map<number, string>();
  /** Per table, template text to shape id. */
  private readonly ids = new Map<string, Map<string, number>>();
  private readonly stmts: {
    all: Database.Statement;
    find: Database.Statement;
    count: Database.Statement;
    insert: Database.Statement;
  };

  constructor(
    private readonly db: Database.Database,
    private readonly filePath: string,
  ) {
    db.exec(`CREATE TABLE IF NOT EXISTS rxdb_shapes (
      shape_id INTEGER PRIMARY KEY AUTOINCREMENT,
      table_name TEXT NOT NULL,
      shape TEXT NOT NULL,
      UNIQUE (table_name, shape)
    )`);
    this.stmts = {
      all: db.prepare('SELECT shape_id, table_name, shape FROM rxdb_shapes'),
      find: db.prepare('SELECT shape_id FROM rxdb_shapes WHERE table_name = ? AND shape = ?').pluck(),
      count: db.prepare('SELECT COUNT(*) FROM rxdb_shapes WHERE table_name = ?').pluck(),
      insert: db.prepare('INSERT INTO rxdb_shapes (table_name, shape) VALUES (?, ?)'),
    };
    this.reload();
  }

  /** Reads every shape of the file into the cache (a few hundred short rows at most per collection). */
  reload(): void {
    for (const row of this.stmts.all.all() as { shape_id: number; table_name: string; shape: string }[]) {
      this.remember(row.table_name, row.shape, row.shape_id);
    }
  }

  private remember(tableName: string, shape: string, id: number): void {
    this.templates.set(id, shape);
    let byShape = this.ids.get(tableName);
    if (!byShape) this.ids.set(tableName, (byShape = new Map()));
    byShape.set(shape, id);
  }

  /**
   * The row text of `doc` for `tableName`. Must run inside the write
   * transaction that stores the row: a new shape is registered in it and
   * noted in `pending`, for adopt() after the commit.
   */
  encode(tableName: string, doc: unknown, format: RowFormat, pending: PendingShapes): string {
    if (format === 'json') return JSON.stringify(doc);
    const last = this.lastShape.get(tableName);
    if (last) {
      const values: string[] = [];
      // Same values as shapeDocument() gives for this shape; a row it cannot hold exactly stays JSON either way.
      if (last.encode(doc, values)) return shapedRow(last.id, values) ?? JSON.stringify(doc);
    }
    const shaped = shapeDocument(doc);
    if (!shaped) return JSON.stringify(doc);
    const committed = this.ids.get(tableName)?.get(shaped.shape);
    const id = committed ?? pending.get(shaped.shape)?.id ?? this.register(tableName, shaped.shape, pending);
    if (id === undefined) return JSON.stringify(doc);
    // Only a committed shape: a pending one's id is handed out again if its transaction rolls back.
    if (committed !== undefined) this.lastShape.set(tableName, { id, encode: this.encoderFor(id, shaped.shape) });
    return shapedRow(id, shaped.values) ?? JSON.stringify(doc);
  }

  private encoderFor(id: number, shape: string): RowEncoder {
    return (this.encoders[id] ??= compileEncoder(shape));
  }

  private register(tableName: string, shape: string, pending: PendingShapes): number | undefined {
    // Another process may have registered it since we loaded: we hold the write lock, so this read is current.
    let id = this.stmts.find.get(tableName, shape) as number | undefined;
    if (id === undefined) {
      if ((this.stmts.count.get(tableName) as number) >= MAX_SHAPES_PER_TABLE) return undefined;
      id = Number(this.stmts.insert.run(tableName, shape).lastInsertRowid);
    }
    pending.set(shape, { id, tableName });
    return id;
  }

  /** Called after the transaction that registered `pending` committed. */
  adopt(pending: PendingShapes): void {
    for (const [shape, { id, tableName }] of pending) this.remember(tableName, shape, id);
  }

  /** The document a row holds, in either format. */
  decode(row: string): any {
    // '{' starts every JSON row; a shaped row starts with its shape id's digits.
    if (row.charCodeAt(0) === 123) return JSON.parse(row);
    const parts = row.split(SHAPED_SEPARATOR);
    const id = +parts[0]!;
    const decoder = this.decoders[id] ?? this.compile(id);
    if (parts.length !== decoder.width) {
      throw storageError('STORAGE_CORRUPT', { filePath: this.filePath, reason: `a row of shape ${id} holds ${parts.length - 1} values, not ${decoder.width - 1}` });
    }
    return decoder.build(parts);
  }

  /** Every row's document, in order (a plain loop: this is the big reads' hot path). */
  decodeAll(rows: string[]): any[] {
    const docs = new Array(rows.length);
    for (let i = 0; i < rows.length; i++) docs[i] = this.decode(rows[i]!);
    return docs;
  }

  private compile(id: number): RowDecoder {
    const template = Number.isInteger(id) ? this.templates.get(id) : undefined;
    if (template === undefined) throw new UnknownShape(id);
    try {
      return (this.decoders[id] = compileDecoder(template));
    } catch (err) {
      throw storageError('STORAGE_CORRUPT', { filePath: this.filePath, reason: `shape ${id}: ${(err as Error).message}` }, err);
    }
  }

  /**
   * Runs a read (or a write whose reads come first) and, if it met a shape
   * this cache does not know, reloads the shapes and runs it once more. `run`
   * must not have changed anything by the time decode() throws: reads do
   * nothing else, and a write's transaction is rolled back by the throw.
   */
  reading<T>(run: () => T): T {
    try {
      return run();
    } catch (err) {
      if (!(err instanceof UnknownShape)) throw err;
      this.reload();
      try {
        return run();
      } catch (again) {
        if (!(again instanceof UnknownShape)) throw again;
        throw storageError('STORAGE_CORRUPT', { filePath: this.filePath, reason: `a row names shape ${again.shapeId}, which the file does not hold` });
      }
    }
  }
}
