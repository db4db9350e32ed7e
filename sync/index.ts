/**
 * sync: the gateway's local store and its replication.
 * Public surface: the SQLite RxStorage and the gateway ledger.
 */
export * from './sqlite-storage/index.ts';
export { openLedger, DEFAULT_LEDGER_NAME } from './ledger/open-ledger.ts';
export type { Ledger, LedgerCollections, LedgerDatabase, OpenLedgerOptions } from './ledger/open-ledger.ts';
export type * from './replication/protocol.ts';
export { syncBasePath, SYNC_BASE_PATH, MAX_PULL_LIMIT, PUSH_COMMIT_HEADER } from './replication/protocol.ts';
export { GatewaySync, type GatewaySyncOptions } from './replication/gateway-sync.ts';
export { replicateCollection, type CollectionSyncOptions, type CollectionSync } from './replication/collection-replication.ts';
export { ServerUnreachable, type SyncEndpoint } from './replication/http-client.ts';
export { SYNC_PROBE_BACKOFF, type ProbeBackoff } from './replication/connection-monitor.ts';
export {
  authorisePayment,
  refundPayment,
  voidPayment,
  type AuthoriseRequestBody,
  type RefundRequestBody,
  type PaymentResponseBody,
} from './server-api/payments-api.ts';
