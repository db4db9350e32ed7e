/**
 * EdgePay's RxStorage over better-sqlite3.
 *
 * Layout (written down here because the choice matters for backups and
 * recovery): one SQLite file per RxDB database, `<directory>/<databaseName>.sqlite`,
 * with one table per collection and schema version plus a table for that
 * collection's attachment bodies. WAL journal; `synchronous=FULL` by default.
 */
import { ensureRxStorageInstanceParamsAreCorrect, RXDB_VERSION, type RxStorageInstanceCreationParams } from 'rxdb';
import { acquireConnection, releaseConnection } from './connection.ts';
import { getIndexColumns } from './index-keys.ts';
import { RxStorageInstanceSQLite } from './instance.ts';
export { sqliteWritesSettled } from './instance.ts';
import { ensureTables, tableNameFor } from './tables.ts';
import type { RxStorageSQLite, SQLiteInstanceCreationOptions, SQLiteStorageSettings } from './types.ts';
import { wrapSqliteError } from './errors.ts';

export const RX_STORAGE_NAME_SQLITE = 'edgepay-sqlite';

export function getRxStorageSQLite(settings: SQLiteStorageSettings): RxStorageSQLite {
  const resolved: Required<SQLiteStorageSettings> = {
    directory: settings.directory,
    synchronous: settings.synchronous ?? 'FULL',
    checkIntegrityOnOpen: settings.checkIntegrityOnOpen ?? false,
    busyTimeoutMs: settings.busyTimeoutMs ?? 5000,
    rowFormat: settings.rowFormat ?? 'shaped',
  };
  return {
    name: RX_STORAGE_NAME_SQLITE,
    rxdbVersion: RXDB_VERSION,
    settings: resolved,
    async createStorageInstance<RxDocType>(params: RxStorageInstanceCreationParams<RxDocType, SQLiteInstanceCreationOptions>) {
      ensureRxStorageInstanceParamsAreCorrect(params);
      const connection = acquireConnection({ ...resolved, databaseName: params.databaseName });
      try {
        const tableName = tableNameFor(params.collectionName, params.schema.version);
        const columns = getIndexColumns(params.schema);
        try {
          ensureTables(connection.db, tableName, params.collectionName, params.schema, columns);
        } catch (err) {
          throw wrapSqliteError(err, { filePath: connection.filePath, tableName });
        }
        return new RxStorageInstanceSQLite<RxDocType>(params.databaseName, params.collectionName, params.schema, params.options, connection, tableName, columns, resolved.rowFormat);
      } catch (err) {
        releaseConnection(connection);
        throw err;
      }
    },
  };
}

export { RxStorageInstanceSQLite } from './instance.ts';
export { storageError, type StorageError } from './errors.ts';
export { databaseFileName, openConnectionCount } from './connection.ts';
export { querySql } from './query.ts';
export type * from './types.ts';
