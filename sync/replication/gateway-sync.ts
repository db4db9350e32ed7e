/**
 * The gateway's sync with the central server: one RxDB replication per
 * collection, started when the server answers, paused while it does not
 * (the connection monitor probes with backoff), and a status for the console.
 *
 * What goes up and down: payments both ways (the gateway creates them, the
 * server writes outcomes back); products and sites only down (server-owned);
 * recognition enrolments both ways (shared by the site's gateways).
 */
import type { RxDatabase } from 'rxdb';
import { EdgePayError, isErrorCode, sum, type CurrencyCode, type ErrorCode, type Money } from '../../core/index.ts';
import { ConnectionMonitor, DEFAULT_BACKOFF, type Backoff } from './connection-monitor.ts';
import { replicateCollection, type CollectionSync } from './collection-replication.ts';
import type { SyncEndpoint } from './http-client.ts';

export type SyncedCollection = {
  name: string;
  push: boolean;
  pull: boolean;
  /** Rows per push request and per pull page for this collection, where its documents are large. */
  pushBatchSize?: number;
  pullBatchSize?: number;
};

export const LEDGER_SYNC: SyncedCollection[] = [
  { name: 'payments', push: true, pull: true },
  { name: 'products', push: false, pull: true },
  { name: 'sites', push: false, pull: true },
  // Recognition enrolments: made at any gateway of the site, shared by all. One
  // document holds up to 10 views of vectors and keypoints, up to ~170 KB: 100 of
  // them in one push (the default) would pass the server's 4 MB body limit, and the
  // backlog would never go up. 10 per request, 20 per pull page.
  { name: 'enrolments', push: true, pull: true, pushBatchSize: 10, pullBatchSize: 20 },
];

export type SyncStatus = {
  online: boolean;
  /** Payments the server has not acknowledged yet: count and sums per currency. */
  pending: { count: number; sums: Money[] };
  lastError?: { at: string; message: string; code?: ErrorCode };
  lastSuccessAt?: string;
  /** While offline: when the next attempt to reach the server is due. */
  nextAttemptAt?: string;
};

export type GatewaySyncOptions = SyncEndpoint & {
  collections?: SyncedCollection[];
  backoff?: Backoff;
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

  constructor(
    private readonly db: RxDatabase,
    private readonly options: GatewaySyncOptions,
  ) {
    this.monitor = new ConnectionMonitor(options, options.backoff ?? DEFAULT_BACKOFF, (error) =>
      this.onCallResult({ ok: false, unreachable: false, error }),
    );
    const origin = new URL(options.serverUrl).origin;
    for (const c of options.collections ?? LEDGER_SYNC) {
      const collection = db.collections[c.name];
      const pushBatchSize = c.pushBatchSize ?? options.pushBatchSize;
      const pullBatchSize = c.pullBatchSize ?? options.pullBatchSize;
      if (!collection) throw new EdgePayError('UNKNOWN_COLLECTION', { collection: c.name });
      this.syncs.push(
        replicateCollection({
          collection,
          endpoint: options,
          replicationIdentifier: `edgepay-sync:${origin}:${c.name}`,
          push: c.push,
          pull: c.pull,
          live: options.live ?? true,
          ...(pushBatchSize ? { pushBatchSize } : {}),
          ...(options.pushConcurrency ? { pushConcurrency: options.pushConcurrency } : {}),
          ...(pullBatchSize ? { pullBatchSize } : {}),
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

  async status(): Promise<SyncStatus> {
    const payments = this.db.collections.payments;
    // Only the server moves a payment past `created`/`stored`, and it stamps
    // serverUpdatedAt whenever it writes one; so the unacknowledged payments are
    // found through the status index instead of by reading the whole ledger,
    // which the console polls twice a second.
    // (One equality query per status: RxDB plans `$eq` on an index as a range, `$in` not.)
    const unacknowledged = payments
      ? (
          await Promise.all(
            ['created', 'stored'].map((status) => payments.find({ selector: { status, serverUpdatedAt: { $exists: false } } }).exec()),
          )
        ).flat()
      : [];
    const byCurrency = new Map<CurrencyCode, Money[]>();
    for (const p of unacknowledged) {
      const list = byCurrency.get(p.currency) ?? [];
      list.push({ amount: p.amount, currency: p.currency });
      byCurrency.set(p.currency, list);
    }
    const status: SyncStatus = {
      online: this.monitor.online,
      pending: { count: unacknowledged.length, sums: [...byCurrency].map(([currency, list]) => sum(list, currency)) },
    };
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
    // Only registry codes: a library's own code (RxDB, undici) stays in the message.
    const code = (r.error as { code?: unknown }).code;
    this.lastError = { at: new Date().toISOString(), message: r.error.message, ...(isErrorCode(code) ? { code } : {}) };
    if (r.unreachable) this.monitor.reportFailure();
  }
}
