/**
 * The kiosk's pay later (flow `credit`): the basket goes to the PG as a signed
 * order naming the buyer's phone; once the institution approved it the sale
 * is handed to pay later and the basket is cleared (the buyer confirms the
 * loan on their phone; the kiosk follows it with payLaterStatus).
 */
import { basketTotal, EdgePayError, type GatewayHandlers } from '../../../core/index.ts';
import type { KioskDesk } from './kiosk-desk.ts';
import type { GatewayServiceParts } from './parts.ts';

type PayLaterHandlers = Pick<GatewayHandlers, 'payLater' | 'payLaterStatus'>;

export function payLaterHandlers(parts: GatewayServiceParts, desk: KioskDesk): PayLaterHandlers {
  const payLater = () => {
    if (!parts.payLater) throw new EdgePayError('CREDIT_KIOSK_UNAVAILABLE');
    return parts.payLater;
  };
  return {
    async payLater(buyerPhone, instalments) {
      const client = payLater();
      if (desk.paying) throw new EdgePayError('CHECKOUT_BUSY');
      if (basketTotal(parts.kiosk.basket).amount === 0) throw new EdgePayError('CHECKOUT_EMPTY');
      desk.paying = true;
      try {
        const outcome = await client.order(parts.kiosk.basket, buyerPhone, instalments);
        if (outcome.state === 'awaiting-buyer') parts.kiosk.clear();
        return outcome;
      } finally {
        desk.paying = false;
        await desk.changed();
      }
    },
    payLaterStatus: (loanId) => payLater().status(loanId),
  };
}
