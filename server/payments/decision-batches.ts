/**
 * Group commit of the payment authority's decisions, per site (issue 24).
 *
 * Every decision of a site has to take the site's counter row lock (the
 * checkpoint order, replication/documents.ts) and, when money moves, the
 * site's two ledger accounts' row locks, both held to COMMIT. Written one
 * decision per transaction, a site made progress one payment at a time, each
 * holding the locks for about ten round trips and an fsync. Here a decision
 * that arrives while its site's previous batch is being written waits for it
 * and then goes with the others that arrived meanwhile, in one call of the
 * database function edgepay_payment_decisions (migration 008): one statement,
 * one commit, one turn of the locks for the whole batch, as PostgreSQL's own
 * group commit shares one WAL flush. A lone decision goes at once (no timer:
 * the batch grows only while the database is busy with the previous one).
 *
 * The batch is a fast path, never the only one: an item whose document
 * changed since it was read (a concurrent decision, another site's id) comes
 * back `stale`, and a batch the database refuses (a ledger rule, a race)
 * comes back `retry` for every item; the authority then decides those alone
 * on the locked path (mutateAsServer), which reads under the lock and raises
 * the proper error for the one payment at fault.
 */
import type { Db } from '../db/index.ts';
import { announceChange } from '../replication/index.ts';
import type { AuditEntry } from './audit.ts';

export type BatchItem = {
  siteId: string;
  id: string;
  /** The document's seq as read; null: it did not exist. */
  expect: number | null;
  /** The document to write. */
  data: Record<string, unknown>;
  audit: AuditEntry[];
  /** Ledger transfers in the database function's wire form (ledger's transferWire). */
  transfers: Record<string, unknown>[];
};

/** The seq written, or why not: `stale` (the document changed) or `retry` (the batch failed). */
export type BatchOutcome = { seq: number } | 'stale' | 'retry';

type Queued = { item: BatchItem; resolve: (o: BatchOutcome) => void };

/** Enough to amortise a commit; small enough that one statement stays a few milliseconds. */
const MAX_BATCH = 200;

export class DecisionBatches {
  private readonly sites = new Map<string, { queue: Queued[]; writing: boolean }>();
  /** Batches and items written, for the bench's log (average batch size). */
  readonly stats = { batches: 0, items: 0, failed: 0 };

  constructor(
    private readonly db: Db,
    private readonly collection: string,
  ) {}

  write(item: BatchItem): Promise<BatchOutcome> {
    return new Promise((resolve) => {
      let site = this.sites.get(item.siteId);
      if (!site) this.sites.set(item.siteId, (site = { queue: [], writing: false }));
      site.queue.push({ item, resolve });
      if (!site.writing) void this.drain(item.siteId, site);
    });
  }

  private async drain(siteId: string, site: { queue: Queued[]; writing: boolean }): Promise<void> {
    site.writing = true;
    try {
      while (site.queue.length > 0) {
        // One item per document per batch: a second decision on the same payment waits for the next one.
        const ids = new Set<string>();
        const batch: Queued[] = [];
        const rest: Queued[] = [];
        for (const q of site.queue) {
          if (batch.length < MAX_BATCH && !ids.has(q.item.id)) {
            ids.add(q.item.id);
            batch.push(q);
          } else rest.push(q);
        }
        site.queue = rest;
        await this.writeBatch(siteId, batch);
      }
    } finally {
      site.writing = false;
    }
  }

  private async writeBatch(siteId: string, batch: Queued[]): Promise<void> {
    const param =
      '[' +
      batch
        .map(
          ({ item }, i) =>
            `{"i":${i},"id":${JSON.stringify(item.id)},"expect":${item.expect === null ? 'null' : item.expect},` +
            `"data":${JSON.stringify(item.data)},"audit":${JSON.stringify(item.audit)},"transfers":${JSON.stringify(item.transfers)}}`,
        )
        .join(',') +
      ']';
    let rows: { item: number; seq: string | number }[];
    try {
      rows = (await this.db.query<{ item: number; seq: string | number }>('SELECT item, seq FROM edgepay_payment_decisions($1, $2, $3::jsonb)', [this.collection, siteId, param])).rows;
    } catch {
      this.stats.failed++;
      for (const q of batch) q.resolve('retry');
      return;
    }
    this.stats.batches++;
    this.stats.items += rows.length;
    const written = new Map<number, number>();
    for (const r of rows) written.set(Number(r.item), Number(r.seq));
    let last = 0;
    for (const [i, q] of batch.entries()) {
      const seq = written.get(i);
      if (seq === undefined) q.resolve('stale');
      else {
        last = Math.max(last, seq);
        q.resolve({ seq });
      }
    }
    if (last > 0) announceChange(this.db, { collection: this.collection, siteId, seq: last, server: true });
  }
}
