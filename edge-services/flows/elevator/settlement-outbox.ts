/**
 * The lobby's settlements still owed to the server: a refund (goods came
 * back), a void (the charge failed) or a delivery's close that the server
 * could not take when it happened. Kept in the gateway's ledger (an RxDB
 * local document: never replicated, committed to the same SQLite file with
 * synchronous=FULL), so a gateway restart does not forget a refund, and
 * sent again until the server answers. The server's steps are idempotent
 * by delivery id (a repeated refund answers the refunded delivery and
 * moves no money), so a resend after a crash between the server's answer
 * and the removal here still refunds exactly once.
 */
import type { RefundReason } from '../../../core/index.ts';

export type Settlement =
  | { id: string; action: 'refund'; reason: RefundReason; since: string }
  | { id: string; action: 'charge-failed'; reason: string; since: string }
  | { id: string; action: 'delivered'; since: string };

/** What the outbox needs of the ledger (RxDatabase with localDocuments). */
export type LocalDocumentStore = {
  upsertLocal(id: string, data: unknown): Promise<unknown>;
  getLocal(id: string): Promise<{ toJSON(): { data: unknown } } | null>;
};

const DOC_ID = 'elevator-settlement-outbox';

export class SettlementOutbox {
  private memory: Settlement[] = [];
  /** Writes run one after another (read, change, write the one document). */
  private chain: Promise<unknown> = Promise.resolve();

  /** Without a store (the bench's bare desk) the outbox lives in memory only. */
  constructor(private readonly store: LocalDocumentStore | undefined) {}

  list(): Promise<Settlement[]> {
    return this.serial(async () => [...(await this.read())]);
  }

  add(item: Settlement): Promise<void> {
    return this.serial(async () => this.write([...(await this.read()).filter((s) => s.id !== item.id || s.action !== item.action), item]));
  }

  remove(id: string, action: Settlement['action']): Promise<void> {
    return this.serial(async () => this.write((await this.read()).filter((s) => s.id !== id || s.action !== action)));
  }

  private serial<T>(f: () => Promise<T>): Promise<T> {
    const next = this.chain.then(f, f);
    this.chain = next.catch(() => undefined);
    return next;
  }

  private async read(): Promise<Settlement[]> {
    if (!this.store) return this.memory;
    const doc = await this.store.getLocal(DOC_ID);
    return ((doc?.toJSON().data as { items?: Settlement[] } | undefined)?.items ?? []).slice();
  }

  private async write(items: Settlement[]): Promise<void> {
    if (!this.store) return void (this.memory = items);
    await this.store.upsertLocal(DOC_ID, { items });
  }
}
