/**
 * The kiosk checkout at the gateway: a basket from product barcodes (the
 * catalogue replicates down from the server), then payment by the card
 * terminal.
 *
 * Online, the server authorises (and captures) the payment. Offline, the
 * payment is stored and forwarded later, within the site's limits, which are
 * checked before the card is charged. Either way the payment is committed to
 * the ledger (synchronous=FULL) before anyone is told it was accepted.
 *
 * Money requests take one path (README "Money requests: one path"): the
 * payment reaches the server only as its ledger document, by replication;
 * online, the kiosk then asks the server by HTTP to decide that payment now,
 * naming it by id.
 */
import {
  addProduct,
  basketTotal,
  checkOfflineLimits,
  EdgePayError,
  emptyBasket,
  removeLine,
  renderErrorMessage,
  setQuantity,
  toLineItems,
  UNSENT_PAYMENTS_SELECTOR,
  uuidV7,
  type Basket,
  type CurrencyCode,
  type ErrorCode,
  type ErrorDetails,
  type OfflineDecision,
  type PaymentDoc,
  type PayOutcome,
  type ProductDoc,
  type SiteDoc,
} from '../../core/index.ts';
import { ServerUnreachable, UnsentPayments, type GatewaySync, type LedgerDatabase, type SyncEndpoint } from '../../sync/index.ts';
import { authoriseHeldPayment } from '../server-client/index.ts';
import type { CardResult, CardTerminal } from './card-terminal-client.ts';

/** The registry's code for each way the terminal can end without a card payment. */
const CARD_FAILURES = {
  cancelled: 'CHECKOUT_CARD_CANCELLED',
  timeout: 'CHECKOUT_CARD_TIMEOUT',
} as const satisfies Record<Exclude<CardResult['outcome'], 'approved' | 'declined'>, ErrorCode>;

/** A failed result whose message is the registry's, like every other error. */
const failed = (code: ErrorCode, details?: ErrorDetails, payment?: PaymentDoc): PayOutcome => ({ state: 'failed', code, message: renderErrorMessage(code, details), ...(payment ? { payment } : {}) });

export type KioskCheckoutOptions = {
  db: LedgerDatabase;
  siteId: string;
  gatewayId: string;
  terminal: CardTerminal;
  /** The server and this gateway's credential, with the sync that knows whether it is reachable. */
  server?: { endpoint: SyncEndpoint; sync: GatewaySync };
  now?: () => Date;
};

export class KioskCheckout {
  private basketState: Basket;
  private paying = false;
  private readonly now: () => Date;
  private readonly changeListeners = new Set<() => void>();

  constructor(
    private readonly options: KioskCheckoutOptions,
    currency: CurrencyCode = 'KRW',
  ) {
    this.basketState = emptyBasket(currency);
    this.now = options.now ?? (() => new Date());
  }

  get basket(): Basket {
    return this.basketState;
  }

  /**
   * Told after every change of the basket, whoever made it (the API, the
   * scanner, the camera, the demo's terminal), so every kiosk screen shows
   * the same basket.
   */
  onChange(listener: () => void): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  private set basketValue(next: Basket) {
    this.basketState = next;
    for (const l of this.changeListeners) {
      try {
        l();
      } catch {
        // A screen's listener must not break the checkout.
      }
    }
  }

  get online(): boolean {
    return !!this.options.server?.sync.online;
  }

  async scan(barcode: string): Promise<Basket> {
    const products = this.options.db.products;
    const found = await products.findOne({ selector: { barcode, siteId: this.options.siteId } }).exec();
    if (!found || barcode === '') throw new EdgePayError('CHECKOUT_PRODUCT_UNKNOWN', { barcode });
    this.basketValue = addProduct(this.basketState, found.toJSON() as ProductDoc);
    return this.basketState;
  }

  /**
   * Adds a product the camera recognised (by id: no barcode was read). Only
   * this site's active products: an enrolment can outlive its product, and
   * then nothing is added (undefined) rather than selling something delisted.
   */
  async addRecognised(productId: string): Promise<Basket | undefined> {
    const found = await this.options.db.products.findOne({ selector: { id: productId, siteId: this.options.siteId, active: true } }).exec();
    if (!found) return undefined;
    this.basketValue = addProduct(this.basketState, found.toJSON() as ProductDoc);
    return this.basketState;
  }

  setQuantity(productId: string, quantity: number): Basket {
    this.basketValue = setQuantity(this.basketState, productId, quantity);
    return this.basketState;
  }

  remove(productId: string): Basket {
    this.basketValue = removeLine(this.basketState, productId);
    return this.basketState;
  }

  clear(): void {
    this.basketValue = emptyBasket(this.basketState.currency);
  }

  /** Unsent payments, oldest first (core's rule, core/payments/unsent.ts): for the limits and the console. */
  async unsent(): Promise<PaymentDoc[]> {
    const docs = await this.options.db.payments.find({ selector: { ...UNSENT_PAYMENTS_SELECTOR }, sort: [{ createdAt: 'asc' }] }).exec();
    return docs.map((d) => d.toJSON() as PaymentDoc);
  }

  /** Offline payments the acquirer declined after forwarding: the operator must follow these up. */
  async declinedAfterForward(): Promise<PaymentDoc[]> {
    const docs = await this.options.db.payments.find({ selector: { status: 'declined', offline: true }, sort: [{ createdAt: 'asc' }] }).exec();
    return docs.map((d) => d.toJSON() as PaymentDoc);
  }

  /** May the current basket be paid offline right now? */
  async offlineDecision(): Promise<OfflineDecision | 'no-site'> {
    const site = await this.options.db.sites.findOne(this.options.siteId).exec();
    if (!site) return 'no-site';
    // The ledger's kept tracker: a sale does not read the whole backlog first.
    const unsent = await UnsentPayments.of(this.options.db.payments).list();
    return checkOfflineLimits((site.toJSON() as SiteDoc).offlineLimits, basketTotal(this.basketState), unsent, this.now());
  }

  /** How it ended: core's PayOutcome, the type the API answers too (it only strips the card token). */
  async pay(): Promise<PayOutcome> {
    if (this.paying) throw new EdgePayError('CHECKOUT_BUSY');
    const total = basketTotal(this.basketState);
    if (total.amount === 0) throw new EdgePayError('CHECKOUT_EMPTY');
    this.paying = true;
    try {
      const online = this.online;
      if (!online) {
        // Before the card: a refusal must cost the customer nothing.
        const decision = await this.offlineDecision();
        if (decision === 'no-site') return { state: 'refused', code: 'CHECKOUT_NO_SITE' };
        if (!decision.ok) return { state: 'refused', code: 'OFFLINE_LIMIT_EXCEEDED', limit: decision.limit };
      }
      const id = uuidV7();
      const card = await this.options.terminal.charge(id, total);
      if (card.outcome === 'declined') return { state: 'declined', reason: card.reason };
      if (card.outcome !== 'approved') return failed(CARD_FAILURES[card.outcome]);

      const createdAt = this.now().toISOString();
      const status = online ? 'created' : 'stored';
      const payment: PaymentDoc = {
        id,
        siteId: this.options.siteId,
        gatewayId: this.options.gatewayId,
        flow: 'kiosk',
        amount: total.amount,
        currency: total.currency,
        method: 'card-terminal',
        lineItems: toLineItems(this.basketState),
        cardDisplay: { bin: card.bin, last4: card.last4 },
        token: card.token,
        createdAt,
        offline: !online,
        status,
        statusHistory: [{ status, at: createdAt, by: 'gateway' }],
      };
      // Committed (fsynced) before anyone hears "accepted". The insert is also
      // what sends the payment to the server: the sync pushes it.
      await this.options.db.payments.insert(payment);
      if (!online) {
        this.clear();
        return { state: 'stored', payment };
      }
      try {
        const { payment: decided } = await authoriseHeldPayment(this.options.server!.endpoint, payment.id);
        if (decided.status === 'captured' || decided.status === 'authorised') {
          this.clear();
          return { state: 'approved', payment: decided };
        }
        if (decided.status === 'declined') return { state: 'declined', reason: decided.declineReason ?? 'declined', payment: decided };
        return failed('PAYMENT_NOT_COMPLETED', { status: decided.status }, decided);
      } catch (err) {
        if (err instanceof ServerUnreachable) {
          // Not charged: the server never completed it. The record stays as created and the server expires it.
          return failed('CHECKOUT_SERVER_UNREACHABLE', undefined, payment);
        }
        throw err;
      }
    } finally {
      this.paying = false;
    }
  }
}
