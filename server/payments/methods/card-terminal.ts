/**
 * The card terminal: the terminal tokenises the card (the gateway keeps the
 * token and BIN + last 4 in the payment's `token` and `cardDisplay`), the
 * acquirer authorises the token, and a kiosk sale is captured at once.
 */
import { definePaymentMethod } from './declaration.ts';
import { cardMoneyPath } from './money-paths.ts';

export const cardTerminalMethod = definePaymentMethod({
  name: 'card-terminal',
  check: (payment) => (payment.token ? undefined : 'an online card payment needs the terminal token'),
  captureOnApproval: true,
  // The acquirer collects from the issuer and owes the site: acquirer settlement -> merchant payable.
  moneyPath: cardMoneyPath,
  // Payments authorised before the reference was kept on the payment were all the
  // sandbox acquirer's (no other adapter existed), whose reference is 'sbx_' + id.
  referenceOf: (payment) => payment.processorReference ?? 'sbx_' + payment.id,
  adapter: ({ acquirer }) => ({
    authorise: (payment) =>
      acquirer.authorise({
        idempotencyKey: payment.id,
        token: payment.token ?? '',
        amount: payment.amount,
        currency: payment.currency,
        merchantId: payment.siteId,
      }),
    capture: (req) => acquirer.capture(req),
    void: (req) => acquirer.void(req),
    refund: (req) => acquirer.refund(req),
  }),
});
