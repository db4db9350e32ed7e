/**
 * The kiosk's basket as the API drives it: one change at a time in arrival
 * order (a fast scanner must not reorder the basket, a camera frame must not
 * interleave with a scan), nothing while the card is being charged, and a
 * `kiosk` event after each change. Shared by the kiosk handlers, the camera
 * (recognition handlers) and the scanner on the bus (event sources).
 */
import { basketTotal, EdgePayError, itemCount, type KioskState } from '../../../core/index.ts';
import type { GatewayEvents } from './events.ts';
import type { GatewayReads, GatewayServiceParts } from './parts.ts';

export class KioskDesk {
  /** True while the card terminal works on a payment. */
  paying = false;
  private siteLocale: string | undefined;
  private siteTimeZone: string | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private lastSent = '';
  private pending = false;

  constructor(
    private readonly parts: GatewayServiceParts,
    private readonly reads: GatewayReads,
    private readonly events: GatewayEvents,
  ) {}

  /**
   * Follows the basket whoever changes it (the demo's terminal drives the
   * checkout directly): a change not already told by `changed()` is told
   * once, after the current turn. Returns what stops following.
   */
  follow(): () => void {
    return this.parts.kiosk.onChange(() => {
      if (this.pending) return;
      this.pending = true;
      setTimeout(() => {
        this.pending = false;
        void this.state()
          .then((state) => {
            if (JSON.stringify(state) !== this.lastSent) this.send(state);
          })
          .catch(() => undefined);
      }, 0);
    });
  }

  private send(state: KioskState): void {
    this.lastSent = JSON.stringify(state);
    this.events.emit({ type: 'kiosk', state });
  }

  async state(): Promise<KioskState> {
    const { kiosk } = this.parts;
    if (this.siteLocale === undefined) {
      const site = await this.reads.siteDoc();
      this.siteLocale = site?.locale;
      this.siteTimeZone = site?.timezone;
    }
    return {
      basket: kiosk.basket,
      total: basketTotal(kiosk.basket),
      itemCount: itemCount(kiosk.basket),
      online: kiosk.online,
      paying: this.paying,
      unsent: await this.reads.unsentSummary(),
      ...(this.siteLocale ? { siteLocale: this.siteLocale } : {}),
      ...(this.siteTimeZone ? { siteTimeZone: this.siteTimeZone } : {}),
    };
  }

  /** The state after a change, told to every screen. */
  async changed(): Promise<KioskState> {
    const state = await this.state();
    this.send(state);
    return state;
  }

  /** The basket is what the card is being charged for: it must not move under it. */
  notWhilePaying(): void {
    if (this.paying) throw new EdgePayError('CHECKOUT_BUSY');
  }

  /** Runs a basket change after the ones before it. */
  inTurn<T>(change: () => Promise<T>): Promise<T> {
    const run = this.queue.then(() => {
      this.notWhilePaying();
      return change();
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  scan(barcode: string): Promise<KioskState> {
    return this.inTurn(async () => {
      await this.parts.kiosk.scan(barcode);
      return this.changed();
    });
  }
}
