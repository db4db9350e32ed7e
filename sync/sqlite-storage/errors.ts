/**
 * Storage errors: EdgePay error codes (messages live in core's registry) that
 * also look like RxDB's errors (`rxdb: true`, `parameters`), so RxDB code and
 * our own code can both handle them.
 */
import { EdgePayError, type ErrorCode } from '../../core/index.ts';

export type StorageErrorCode = Extract<ErrorCode, `STORAGE_${string}`>;

export class RxStorageSQLiteError extends EdgePayError {
  readonly rxdb = true as const;
  readonly parameters: Record<string, unknown>;
  constructor(code: StorageErrorCode, parameters: Record<string, unknown>, cause?: unknown) {
    super(code, parameters, cause === undefined ? undefined : { cause });
    this.parameters = parameters;
  }
}

export function storageError(code: StorageErrorCode, parameters: Record<string, unknown> = {}): RxStorageSQLiteError {
  return new RxStorageSQLiteError(code, parameters);
}

/** SQLite result codes that mean the file itself is damaged or not ours. */
const CORRUPTION_CODES = new Set(['SQLITE_NOTADB', 'SQLITE_CORRUPT', 'SQLITE_CORRUPT_VTAB', 'SQLITE_CORRUPT_SEQUENCE', 'SQLITE_CORRUPT_INDEX']);

export function wrapSqliteError(err: unknown, parameters: Record<string, unknown>): Error {
  if (err instanceof RxStorageSQLiteError) return err;
  const sqliteCode = (err as { code?: unknown } | null)?.code;
  const reason = err instanceof Error ? err.message : String(err);
  if (typeof sqliteCode === 'string' && CORRUPTION_CODES.has(sqliteCode)) {
    return new RxStorageSQLiteError('STORAGE_CORRUPT', { ...parameters, sqliteCode, reason }, err);
  }
  return new RxStorageSQLiteError('STORAGE_OPEN_FAILED', { ...parameters, sqliteCode, reason }, err);
}
