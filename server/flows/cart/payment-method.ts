/**
 * The payment method `wallet` of the smart cart: the shopper's phone approved
 * the request to pay, and the server charges the wallet's payment method
 * (the user's default card token, looked up here, on the server). The
 * payment document names only its cart session (`details.cart.session`): no
 * token and no card display go into it, so the store's ledger (which the
 * payments collection replicates down to) learns the outcome and nothing of
 * the card. Captured at once (the cart leaves the shop); the money moves on
 * the card path (acquirer settlement -> the site's payable).
 */
import { EdgePayError } from '../../../core/index.ts';
import { definePaymentMethod, detailsOf } from '../../payments/index.ts';
import { defaultPaymentMethod } from '../../wallet/index.ts';

export const CART_PAYMENT_METHOD = 'wallet';
export const CART_DETAILS_SECTION = 'cart';

export const cartPaymentMethod = definePaymentMethod({
  name: CART_PAYMENT_METHOD,
  detailsSection: CART_DETAILS_SECTION,
  check: (payment) => (detailsOf(payment, CART_DETAILS_SECTION)?.['session'] ? undefined : 'a cart payment names its cart session'),
  captureOnApproval: true,
  adapter: ({ db, acquirer }) => ({
    async authorise(payment) {
      const sessionId = detailsOf(payment, CART_DETAILS_SECTION)?.['session'] ?? '';
      // The checkout fixed this payment id (made on the server, told to the store only once paid) for the
      // session, its site and the user who approved it: a payment naming anything else charges nobody.
      const { rows } = await db.query<{ user_id: string }>('SELECT user_id FROM cart_session_outcomes WHERE session_id = $1 AND payment_id = $2 AND site_id = $3', [
        sessionId,
        payment.id,
        payment.siteId,
      ]);
      const userId = rows[0]?.user_id;
      const card = userId === undefined ? undefined : await defaultPaymentMethod(db, userId);
      if (!card) throw new EdgePayError('CART_NO_PAYMENT_METHOD');
      return acquirer.authorise({ idempotencyKey: payment.id, token: card.token, amount: payment.amount, currency: payment.currency, merchantId: payment.siteId });
    },
    capture: (req) => acquirer.capture(req),
    void: (req) => acquirer.void(req),
    refund: (req) => acquirer.refund(req),
  }),
});
