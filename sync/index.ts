/**
 * sync: the gateway's local store and its replication.
 * Public surface: the SQLite RxStorage and the gateway ledger.
 */
export * from './sqlite-storage/index.ts';
export { openLedger, DEFAULT_LEDGER_NAME } from './ledger/open-ledger.ts';
export { UnsentPayments } from './ledger/unsent-payments.ts';
export type { Ledger, LedgerCollections, LedgerDatabase, OpenLedgerOptions } from './ledger/open-ledger.ts';
export { GatewaySync, type GatewaySyncOptions } from './replication/gateway-sync.ts';
// The replication protocol's types and constants are core's (core/sync-protocol).
export { replicateCollection, type CollectionSyncOptions, type CollectionSync } from './replication/collection-replication.ts';
export { ServerSlow, ServerUnreachable, type SyncEndpoint } from './replication/http-client.ts';
export { SYNC_PROBE_BACKOFF, type ProbeBackoff } from './replication/connection-monitor.ts';
export { RefusedDocuments, REFUSED_DOCUMENTS_COLLECTION } from './replication/refused-documents.ts';
