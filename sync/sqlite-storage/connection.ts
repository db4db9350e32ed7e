/**
 * One better-sqlite3 connection per database file per process, shared by all
 * storage instances (collections) of that database and reference-counted.
 *
 * Why shared: better-sqlite3 is synchronous, so one connection serialises every
 * statement of the process anyway, and a second connection to the same file
 * would only add lock contention (SQLITE_BUSY) between our own collections.
 */
import Database from 'better-sqlite3';
import { join, resolve } from 'node:path';
import type { SQLiteSynchronous } from './types.ts';
import { storageError, wrapSqliteError } from './errors.ts';
import { RowShapes } from './row-shapes.ts';
import { ownerOnlyDatabaseFile, ownerOnlyDirectory } from './owner-only.ts';

export type SharedConnection = {
  readonly filePath: string;
  readonly db: Database.Database;
  /** The file's row shapes, cached for this connection (row-shapes.ts). */
  readonly shapes: RowShapes;
  refCount: number;
};

const OPEN = new Map<string, SharedConnection>();

/**
 * Database names become file names. Anything outside a conservative set is
 * percent-style escaped so that two different names never map to one file and
 * no name can walk out of the directory (`../x`).
 */
export function databaseFileName(databaseName: string): string {
  if (databaseName.length === 0) throw storageError('STORAGE_INVALID_NAME', { databaseName });
  const safe = databaseName.replace(/[^A-Za-z0-9_-]/g, (c) => '.' + c.codePointAt(0)!.toString(16) + '.');
  return safe + '.sqlite';
}

export type OpenOptions = {
  directory: string;
  databaseName: string;
  synchronous: SQLiteSynchronous;
  checkIntegrityOnOpen: boolean;
  busyTimeoutMs: number;
};

export function acquireConnection(opts: OpenOptions): SharedConnection {
  const filePath = resolve(join(opts.directory, databaseFileName(opts.databaseName)));
  const existing = OPEN.get(filePath);
  if (existing) {
    existing.refCount++;
    return existing;
  }
  // Owner only, before SQLite creates anything (owner-only.ts says why not a umask).
  ownerOnlyDirectory(opts.directory);
  ownerOnlyDatabaseFile(filePath);
  let db: Database.Database | undefined;
  let shapes: RowShapes;
  try {
    db = new Database(filePath, { timeout: opts.busyTimeoutMs });
    // Reading the header happens on the first statement: a file that is not a
    // database fails here, before anything is written to it.
    db.pragma('schema_version');
    if (opts.checkIntegrityOnOpen) {
      const result = db.pragma('quick_check(1)', { simple: true });
      if (result !== 'ok') throw storageError('STORAGE_CORRUPT', { filePath, reason: String(result) });
    }
    const mode = db.pragma('journal_mode = WAL', { simple: true });
    if (String(mode).toLowerCase() !== 'wal') {
      throw storageError('STORAGE_OPEN_FAILED', { filePath, reason: `journal_mode is ${String(mode)}, not wal` });
    }
    db.pragma(`synchronous = ${opts.synchronous}`);
    db.exec(`CREATE TABLE IF NOT EXISTS rxdb_collections (
      table_name TEXT PRIMARY KEY NOT NULL,
      collection_name TEXT NOT NULL,
      schema_version INTEGER NOT NULL,
      schema_json TEXT NOT NULL
    )`);
    shapes = new RowShapes(db, filePath);
  } catch (err) {
    try {
      db?.close();
    } catch {
      /* the original error is the one worth reporting */
    }
    throw wrapSqliteError(err, { filePath });
  }
  const conn: SharedConnection = { filePath, db, shapes, refCount: 1 };
  OPEN.set(filePath, conn);
  return conn;
}

export function releaseConnection(conn: SharedConnection): void {
  conn.refCount--;
  if (conn.refCount > 0) return;
  OPEN.delete(conn.filePath);
  if (conn.db.open) conn.db.close();
}

/** Used by tests to make sure nothing is left open. */
export function openConnectionCount(): number {
  return OPEN.size;
}
