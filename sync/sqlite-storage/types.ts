/**
 * Public types of the EdgePay SQLite RxStorage.
 */
import type { RxStorage, RxStorageDefaultCheckpoint } from 'rxdb';
import type { RowFormat } from './row-shapes.ts';
export type { RowFormat } from './row-shapes.ts';

/**
 * `FULL` fsyncs the WAL on every commit: a commit that returned survives power
 * loss. `NORMAL` (better-sqlite3's and SQLite's WAL default) fsyncs only at
 * checkpoints, so the last commits before a power cut can vanish, although the
 * file stays consistent. The ledger must use FULL; NORMAL exists for caches
 * and for the benchmark that shows what FULL costs.
 */
export type SQLiteSynchronous = 'FULL' | 'NORMAL';

export type SQLiteStorageSettings = {
  /** Folder that holds one `<databaseName>.sqlite` file per RxDB database. */
  directory: string;
  /** Default `FULL`. See {@link SQLiteSynchronous}. */
  synchronous?: SQLiteSynchronous;
  /**
   * Run `PRAGMA quick_check` when a file is first opened, and refuse a file
   * that fails it. Costs a read of the whole file, so it is off by default and
   * on for the gateway ledger.
   */
  checkIntegrityOnOpen?: boolean;
  /** Milliseconds a writer waits for another process's lock. Default 5000. */
  busyTimeoutMs?: number;
  /**
   * How documents are written. `shaped` (default): values only, with the
   * shape's template kept once in `rxdb_shapes` (row-codec.ts); large reads
   * decode several times faster. `json`: each row is the document's JSON,
   * readable with the sqlite3 shell as it is. Rows of both formats are always
   * read, so the setting can change at any time.
   */
  rowFormat?: RowFormat;
};

/** Per-instance options: none yet; kept so the type has a stable place. */
export type SQLiteInstanceCreationOptions = Record<string, never>;

export type SQLiteInternals = {
  /** Absolute path of the database file. */
  readonly filePath: string;
  /** Table that holds this collection's documents. */
  readonly tableName: string;
};

export type SQLiteCheckpoint = RxStorageDefaultCheckpoint;

export type RxStorageSQLite = RxStorage<SQLiteInternals, SQLiteInstanceCreationOptions> & {
  readonly settings: Readonly<Required<SQLiteStorageSettings>>;
};
