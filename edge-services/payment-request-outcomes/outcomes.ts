/**
 * PaymentRequestOutcomes: the one place a gateway's flows (cart, elevator,
 * two-channel) learn how their requests to pay ended. It watches the ledger's
 * `payment-requests` collection, which the gateway's sync fills from the
 * server (live while online, by checkpoint after an outage), and calls each
 * handler once per final state (approved, declined, expired, cancelled) of a
 * request this gateway made.
 *
 * Once, also across re-delivery and restarts: outcomes are handled one at a
 * time; an outcome already marked acted (ActedMarkers, durable) or in hand is
 * skipped, whatever the sync delivers again; the mark is written, fsynced,
 * when every handler has resolved. The one window left is a crash between a
 * handler's end and its mark: the outcome is then handed out again after the
 * restart, with the same `key` (request id + state), so a handler whose action
 * is a ledger write keyed by it (or otherwise idempotent by it) acts once.
 * A handler that throws leaves the outcome unmarked: it is handed out again at
 * the next start (reported through `onError` meanwhile).
 *
 * Delivery starts with the first handler (so nothing is marked acted before
 * a flow listens) and first goes through the outcomes already in the ledger.
 */
import type { Subscription } from 'rxjs';
import type { RxCollection } from 'rxdb';
import { isFinalPaymentRequestState, type PaymentRequestDoc, type PaymentRequestFinalState } from '../../core/index.ts';
import { ActedMarkers } from './acted-markers.ts';

export type PaymentRequestOutcome = {
  readonly requestId: string;
  readonly state: PaymentRequestFinalState;
  /** `<request id>:<state>`: the key for a handler's own idempotent action. */
  readonly key: string;
  readonly request: Readonly<PaymentRequestDoc>;
};

export type PaymentRequestOutcomeHandler = (outcome: PaymentRequestOutcome) => void | Promise<void>;

export type PaymentRequestOutcomesOptions = {
  /** The ledger's collection (`ledger.db['payment-requests']`). */
  collection: RxCollection<PaymentRequestDoc>;
  /** This gateway: only the requests it made are its to act on (its site's other gateways act on theirs). */
  gatewayId: string;
  /** Where the acted markers live (the ledger's folder). */
  directory: string;
  /** Also the requests the server made for the site (requesterKind `site`); default false. */
  siteRequests?: boolean;
  onError?: (err: unknown, outcome: PaymentRequestOutcome) => void;
};

export class PaymentRequestOutcomes {
  readonly #options: PaymentRequestOutcomesOptions;
  readonly #markers: ActedMarkers;
  readonly #handlers = new Set<PaymentRequestOutcomeHandler>();
  /** Ids queued or being handled: a re-delivery meanwhile is dropped. */
  readonly #inHand = new Set<string>();
  #queue: Promise<void> = Promise.resolve();
  #subscription: Subscription | undefined;
  #closed = false;

  constructor(options: PaymentRequestOutcomesOptions) {
    this.#options = options;
    this.#markers = new ActedMarkers(options.directory);
  }

  /** Calls `handler` once per final state of each of this gateway's requests. Returns its removal. */
  onOutcome(handler: PaymentRequestOutcomeHandler): () => void {
    this.#handlers.add(handler);
    this.#start();
    return () => this.#handlers.delete(handler);
  }

  /** Whether this request's outcome was acted on (durably). */
  acted(requestId: string): boolean {
    return this.#markers.has(requestId);
  }

  /** Resolves when every outcome seen so far has been handled (tests, shutdown). */
  async idle(): Promise<void> {
    for (let q = this.#queue; ; q = this.#queue) {
      await q;
      if (q === this.#queue) return;
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#subscription?.unsubscribe();
    await this.idle();
    this.#markers.close();
  }

  #start(): void {
    if (this.#subscription || this.#closed) return;
    // Subscribe first, then read what is there: a document arriving in between is seen twice and handled once.
    this.#subscription = this.#options.collection.$.subscribe((event) => {
      if (event.operation !== 'DELETE') this.#offer(event.documentData as PaymentRequestDoc);
    });
    this.#enqueue(async () => {
      const docs = await this.#options.collection.find({ selector: { state: { $ne: 'pending' } } }).exec();
      for (const d of docs) this.#offer(d.toJSON() as PaymentRequestDoc);
    });
  }

  #mine(doc: PaymentRequestDoc): boolean {
    if (doc.requesterKind === 'site') return this.#options.siteRequests === true;
    return doc.requesterId === this.#options.gatewayId;
  }

  #offer(doc: PaymentRequestDoc): void {
    if (this.#closed || !isFinalPaymentRequestState(doc.state) || !this.#mine(doc)) return;
    if (this.#inHand.has(doc.id) || this.#markers.has(doc.id)) return;
    this.#inHand.add(doc.id);
    const { _rev, _meta, _attachments, _deleted, ...request } = doc as PaymentRequestDoc & Record<string, unknown>;
    const outcome: PaymentRequestOutcome = Object.freeze({
      requestId: doc.id,
      state: doc.state,
      key: `${doc.id}:${doc.state}`,
      request: Object.freeze(request as PaymentRequestDoc),
    });
    this.#enqueue(() => this.#act(outcome));
  }

  async #act(outcome: PaymentRequestOutcome): Promise<void> {
    try {
      if (this.#markers.has(outcome.requestId)) return;
      for (const handler of [...this.#handlers]) await handler(outcome);
      this.#markers.mark(outcome.requestId, outcome.state);
    } catch (err) {
      this.#options.onError?.(err, outcome);
    } finally {
      this.#inHand.delete(outcome.requestId);
    }
  }

  #enqueue(work: () => Promise<void>): void {
    this.#queue = this.#queue.then(work).catch(() => undefined);
  }
}
