/**
 * Storage errors carry an EdgePay error code (messages live in core's
 * registry) and look like RxDB's errors (`rxdb: true`, `parameters`).
 *
 * They are plain `Error` objects, not a subclass: RxDB's own storages throw
 * plain Errors and RxDB's storage conformance suite checks the constructor
 * exactly. `isEdgePayError()` recognises them by name and code.
 */
import { EdgePayError, isEdgePayError, type ErrorCode } from '../../core/index.ts';

export type StorageErrorCode = Extract<ErrorCode, `STORAGE_${string}`>;

export type StorageError = Error & {
  readonly code: StorageErrorCode;
  readonly httpStatus: number;
  readonly details: Readonly<Record<string, unknown>>;
  readonly parameters: Readonly<Record<string, unknown>>;
  readonly rxdb: true;
};

export function storageError(code: StorageErrorCode, parameters: Record<string, unknown> = {}, cause?: unknown): StorageError {
  // Built from EdgePayError so message and HTTP status come from the registry.
  const typed = new EdgePayError(code, parameters);
  const err = new Error(typed.message, cause === undefined ? undefined : { cause });
  return Object.assign(err, {
    name: 'EdgePayError',
    code,
    httpStatus: typed.httpStatus,
    details: parameters,
    parameters,
    rxdb: true as const,
    toJSON: () => typed.toJSON(),
  });
}

/** SQLite result codes that mean the file itself is damaged or not ours. */
const CORRUPTION_CODES = new Set(['SQLITE_NOTADB', 'SQLITE_CORRUPT', 'SQLITE_CORRUPT_VTAB', 'SQLITE_CORRUPT_SEQUENCE', 'SQLITE_CORRUPT_INDEX']);

export function wrapSqliteError(err: unknown, parameters: Record<string, unknown>): Error {
  if (isEdgePayError(err)) return err;
  const sqliteCode = (err as { code?: unknown } | null)?.code;
  const reason = err instanceof Error ? err.message : String(err);
  const code = typeof sqliteCode === 'string' && CORRUPTION_CODES.has(sqliteCode) ? 'STORAGE_CORRUPT' : 'STORAGE_OPEN_FAILED';
  return storageError(code, { ...parameters, sqliteCode, reason }, err);
}
