/**
 * The gateway's sync with the central server: one RxDB replication per
 * collection, started when the server answers, paused while it does not
 * (the connection monitor probes with backoff), and a status for the console.
 *
 * What goes up and down is each collection's declaration in core's registry
 * (`sync`: push, pull, batch sizes): payments both ways (the gateway creates
 * them, the server writes outcomes back); products and sites only down
 * (server-owned); recognition enrolments both ways (shared by the site's
 * gateways).
 */
import type { RxDatabase } from 'rxdb';
import { EdgePayError, edgePayCollections, isErrorCode, type CollectionRegistry, type RefusedDocument, type SyncStatus } from '../../core/index.ts';
import { ConnectionMonitor, SYNC_PROBE_BACKOFF, type ProbeBackoff } from './connection-monitor.ts';
import { replicateCollection, type CollectionSync } from './collection-replication.ts';
import type { SyncEndpoint } from './http-client.ts';
import { RefusedDocuments } from './refused-documents.ts';
import { UnsentPayments } from '../ledger/unsent-payments.ts';

export type GatewaySyncOptions = SyncEndpoint & {
  /** The collections to replicate, as declared (default: core's registry); those with neither push nor pull are left out. */
  collections?: CollectionRegistry;
  backoff?: ProbeBackoff;
  live?: boolean;
  /** Rows per push request (default 100, at most the server's 1,000). */
  pushBatchSize?: number;
  /** Push requests in flight at once per collection (default 3). */
  pushConcurrency?: number;
  pullBatchSize?: number;
};

export class GatewaySync {
  private readonly monitor: ConnectionMonitor;
  private readonly syncs: CollectionSync[] = [];
  private lastError: SyncStatus['lastError'];
  private lastSuccessAt: string | undefined;
  private subscription: { unsubscribe(): void } | undefined;
  /** Documents the server refused, set aside so that the rest flows (refused-documents.ts). */
  private readonly refusals: RefusedDocuments;

  constructor(
    private readonly db: RxDatabase,
    private readonly options: GatewaySyncOptions,
  ) {
    this.monitor = new ConnectionMonitor(options, options.backoff ?? SYNC_PROBE_BACKOFF, (error) => this.onCallResult({ ok: false, unreachable: false, error }));
    this.refusals = new RefusedDocuments(db);
    const origin = new URL(options.serverUrl).origin;
    for (const { name, sync: c } of (options.collections ?? edgePayCollections).list()) {
      if (!c.push && !c.pull) continue;
      const collection = db.collections[name];
      const pushBatchSize = c.pushBatchSize ?? options.pushBatchSize;
      const pullBatchSize = c.pullBatchSize ?? options.pullBatchSize;
      if (!collection) throw new EdgePayError('UNKNOWN_COLLECTION', { collection: name });
      this.syncs.push(
        replicateCollection({
          collection,
          endpoint: options,
          replicationIdentifier: `edgepay-sync:${origin}:${name}`,
          push: c.push,
          pull: c.pull,
          live: options.live ?? true,
          ...(pushBatchSize ? { pushBatchSize } : {}),
          ...(options.pushConcurrency ? { pushConcurrency: options.pushConcurrency } : {}),
          ...(pullBatchSize ? { pullBatchSize } : {}),
          refusals: this.refusals,
          onCallResult: (r) => this.onCallResult(r),
        }),
      );
    }
  }

  get replications() {
    return this.syncs.map((s) => s.replication);
  }

  get online(): boolean {
    return this.monitor.online;
  }

  start(): void {
    if (this.subscription) return;
    this.subscription = this.monitor.online$.subscribe((online) => {
      for (const s of this.syncs) {
        if (online) {
          void s.replication.start();
          s.openStream();
        } else {
          s.closeStream();
          void s.replication.pause();
        }
      }
    });
    this.monitor.start();
  }

  /**
   * "Sync now": offline, probe the server at once (not at the next backoff
   * slot); online, run every collection's push and pull now.
   */
  syncNow(): void {
    if (!this.monitor.online) this.monitor.probeNow();
    else for (const s of this.syncs) s.replication.reSync();
  }

  /** Resolves when every collection is in sync (online only). */
  async awaitInSync(): Promise<void> {
    await Promise.all(this.syncs.map((s) => s.replication.awaitInSync()));
  }

  async stop(): Promise<void> {
    this.monitor.stop();
    this.subscription?.unsubscribe();
    this.subscription = undefined;
    for (const s of this.syncs) {
      s.closeStream();
      await s.replication.cancel();
    }
  }

  /** The ledger's documents the server refused, with its reasons, newest first (for the console). */
  refusedDocuments(): Promise<RefusedDocument[]> {
    return this.refusals.list();
  }

  async status(): Promise<SyncStatus> {
    const payments = this.db.collections.payments;
    // Unsent by core's one rule, counted by the ledger's kept tracker (unsent-payments.ts):
    // the console polls this twice a second, and a backlog can be 10,000 payments.
    const pending = payments ? await UnsentPayments.of(payments).summary() : { count: 0, sums: [] };
    const status: SyncStatus = { online: this.monitor.online, pending };
    if (this.lastError) status.lastError = this.lastError;
    if (this.lastSuccessAt) status.lastSuccessAt = this.lastSuccessAt;
    if (!this.monitor.online && this.monitor.nextProbeAt) status.nextAttemptAt = new Date(this.monitor.nextProbeAt).toISOString();
    return status;
  }

  private onCallResult(r: { ok: true } | { ok: false; unreachable: boolean; error: Error }): void {
    if (r.ok) {
      this.lastSuccessAt = new Date().toISOString();
      return;
    }
    const code = (r.error as { code?: unknown }).code;
    // Only registry codes: a library's own code (RxDB, undici) stays in the message.
    this.lastError = { at: new Date().toISOString(), message: r.error.message, ...(isErrorCode(code) ? { code } : {}) };
    if (r.unreachable) this.monitor.reportFailure();
  }
}
