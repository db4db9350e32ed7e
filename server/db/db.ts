/**
 * The one database interface the server uses, with two implementations:
 * PostgreSQL through `pg` (DATABASE_URL set) and PGlite (embedded Postgres in
 * WASM, the default). Same SQL for both; nothing of the server's state lives
 * only in one process's memory, so several server processes may share one
 * PostgreSQL database.
 */
export type Row = Record<string, unknown>;

export interface Queryable {
  query<T extends Row = Row>(sql: string, params?: unknown[]): Promise<{ rows: T[] }>;
}

export interface Db extends Queryable {
  readonly kind: 'postgres' | 'pglite';
  /** Runs `fn` in one transaction (READ COMMITTED); rolls back if it throws. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /**
   * Calls `onMessage` for each NOTIFY on `channel` (from any process sharing
   * the database) and `onReconnect` when the listening connection was lost and
   * restored (notifications in between may have been missed).
   */
  listen(channel: string, onMessage: (payload: string) => void, onReconnect?: () => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
  /** PostgreSQL: how many times a new connection was refused and asked again (tests, metrics). */
  readonly connectionsRefused?: number;
}
