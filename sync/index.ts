/**
 * sync: the gateway's local store and its replication.
 * Public surface: the SQLite RxStorage and the gateway ledger.
 */
export * from './sqlite-storage/index.ts';
export { openLedger, DEFAULT_LEDGER_NAME } from './ledger/open-ledger.ts';
export type { Ledger, LedgerCollections, LedgerDatabase, OpenLedgerOptions } from './ledger/open-ledger.ts';
export { ledgerMigrations } from './ledger/migrations.ts';
export type * from './replication/protocol.ts';
export { syncBasePath, SYNC_BASE_PATH, MAX_PULL_LIMIT } from './replication/protocol.ts';
