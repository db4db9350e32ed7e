/** The kiosk's methods: the basket and the payment. */
import { basketTotal, EdgePayError, type GatewayHandlers, type PayOutcome } from '../../../core/index.ts';
import type { GatewayEvents } from './events.ts';
import type { KioskDesk } from './kiosk-desk.ts';
import { outcomeWithoutToken, type GatewayServiceParts } from './parts.ts';
import { receiptUrl } from './receipt-handlers.ts';

type KioskHandlers = Pick<GatewayHandlers, 'kioskState' | 'scan' | 'setQuantity' | 'remove' | 'clear' | 'pay'>;

export function kioskHandlers(parts: GatewayServiceParts, desk: KioskDesk, events: GatewayEvents): KioskHandlers {
  const { kiosk } = parts;
  return {
    kioskState: () => desk.state(),
    scan: (barcode) => desk.scan(barcode),
    async setQuantity(productId, quantity) {
      desk.notWhilePaying();
      kiosk.setQuantity(productId, quantity);
      return desk.changed();
    },
    async remove(productId) {
      desk.notWhilePaying();
      kiosk.remove(productId);
      return desk.changed();
    },
    async clear() {
      desk.notWhilePaying();
      kiosk.clear();
      return desk.changed();
    },
    async pay() {
      if (desk.paying) throw new EdgePayError('CHECKOUT_BUSY');
      if (basketTotal(kiosk.basket).amount === 0) throw new EdgePayError('CHECKOUT_EMPTY');
      desk.paying = true;
      events.emit({ type: 'payment', phase: 'waiting' });
      void desk.changed().catch(() => undefined);
      let outcome: PayOutcome;
      try {
        outcome = outcomeWithoutToken(await kiosk.pay());
        if (outcome.state === 'approved' || outcome.state === 'stored') {
          const url = receiptUrl(parts, outcome.payment.id);
          if (url) outcome = { ...outcome, receiptUrl: url };
        }
      } catch (err) {
        const e = err instanceof EdgePayError ? err : new EdgePayError('INTERNAL');
        outcome = { state: 'failed', code: e.code, message: e.message };
      } finally {
        desk.paying = false;
      }
      events.emit({ type: 'payment', phase: 'done', outcome });
      await desk.changed();
      return outcome;
    },
  };
}
