/**
 * The ledger's unsent payments (core/payments/unsent.ts) and its offline
 * payments declined after forwarding, kept up to date from the collection's
 * own change events, so that the console, the sync status and the metrics
 * count them without reading documents.
 *
 * Why: the console polls its overview twice a second, and the overview read
 * every unsent payment twice (the sync status and the unsent card) and every
 * declined one once. With a backlog of 10,000 payments (the network-faults
 * test) each poll decoded about 20,000 documents on the gateway's one thread,
 * the very thread that pushes the backlog.
 *
 * How it stays right: it subscribes to the collection's change events first,
 * then reads the matching documents once (through the status index), then
 * replays the events that arrived during that read. Each event sets or
 * removes one id with the document's state after the write, so an event
 * replayed over a read that already saw it changes nothing, and the count is
 * never a running sum that could drift. Events come from the storage right
 * after each commit (sync/sqlite-storage), from every writer of the
 * collection in this process (the kiosk, the replication, the forwarder's
 * outcomes coming down).
 */
import type { RxCollection } from 'rxdb';
import { isUnsentPayment, summariseUnsent, UNSENT_PAYMENTS_SELECTOR, type PaymentDoc, type UnsentSummary } from '../../core/index.ts';

/** What the counts need of an unsent payment (core's StoredPaymentSummary plus its status). */
type Unsent = Pick<PaymentDoc, 'status' | 'amount' | 'currency' | 'createdAt'>;
type Change = { documentId: string; operation: string; documentData?: Partial<PaymentDoc> & { _deleted?: boolean } };

const DECLINED_AFTER_FORWARD = Object.freeze({ status: 'declined' as const, offline: true });

function declinedAfterForward(p: Partial<PaymentDoc>): boolean {
  return p.status === DECLINED_AFTER_FORWARD.status && p.offline === DECLINED_AFTER_FORWARD.offline;
}

export class UnsentPayments {
  static readonly #byCollection = new WeakMap<object, UnsentPayments>();

  /** The one tracker of this payments collection (made on first use, shared by every reader). */
  static of(collection: RxCollection<any>): UnsentPayments {
    let tracker = UnsentPayments.#byCollection.get(collection);
    if (!tracker) {
      tracker = new UnsentPayments(collection);
      UnsentPayments.#byCollection.set(collection, tracker);
    }
    return tracker;
  }

  readonly #unsent = new Map<string, Unsent>();
  readonly #declined = new Set<string>();
  /** Events that arrived while the first read ran; applied after it, in order. */
  #early: Change[] | undefined = [];
  readonly #ready: Promise<void>;
  #subscription: { unsubscribe(): void } | undefined;

  private constructor(collection: RxCollection<any>) {
    this.#subscription = collection.eventBulks$.subscribe((bulk: { events: Change[] }) => {
      if (this.#early) this.#early.push(...bulk.events);
      else for (const e of bulk.events) this.#apply(e);
    });
    collection.onClose.push(() => this.#subscription?.unsubscribe());
    this.#ready = (async () => {
      const [unsent, declined] = await Promise.all([collection.find({ selector: { ...UNSENT_PAYMENTS_SELECTOR } }).exec(), collection.find({ selector: { ...DECLINED_AFTER_FORWARD } }).exec()]);
      for (const d of unsent) this.#set(d.toJSON() as PaymentDoc);
      for (const d of declined) this.#declined.add((d.toJSON() as PaymentDoc).id);
      const early = this.#early!;
      this.#early = undefined;
      for (const e of early) this.#apply(e);
    })();
  }

  #set(p: PaymentDoc): void {
    this.#unsent.set(p.id, { status: p.status, amount: p.amount, currency: p.currency, createdAt: p.createdAt });
  }

  #apply(e: Change): void {
    const doc = e.operation === 'DELETE' || !e.documentData || e.documentData._deleted ? undefined : e.documentData;
    if (doc && isUnsentPayment(doc as PaymentDoc)) this.#set({ ...(doc as PaymentDoc), id: e.documentId });
    else this.#unsent.delete(e.documentId);
    if (doc && declinedAfterForward(doc)) this.#declined.add(e.documentId);
    else this.#declined.delete(e.documentId);
  }

  /** Count and sums per currency of the unsent payments (core's rule). */
  async summary(): Promise<UnsentSummary> {
    await this.#ready;
    return summariseUnsent([...this.#unsent.values()]);
  }

  /** The unsent payments' amounts and times, oldest first (for the offline limits). */
  async list(): Promise<Unsent[]> {
    await this.#ready;
    return [...this.#unsent.values()].sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : 0));
  }

  /** How many offline payments the acquirer declined after forwarding (the operator follows these up). */
  async declinedAfterForwardCount(): Promise<number> {
    await this.#ready;
    return this.#declined.size;
  }
}
