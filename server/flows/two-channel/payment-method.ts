/**
 * The payment method `otp`: a two-channel payment, confirmed with the
 * dongle's one-time code. The payment names its session
 * (`details.twoChannel.session`); the acquirer charges the session owner's
 * default card token, looked up here on the server, so the payment device and
 * its gateway never learn who paid or with which card. Captured at once (the
 * pump is released for the amount approved); the money moves on the card path
 * (acquirer settlement -> the site's payable), like a kiosk card sale.
 */
import { EdgePayError } from '../../../core/index.ts';
import { definePaymentMethod, detailsOf } from '../../payments/index.ts';
import { defaultPaymentMethod } from '../../wallet/index.ts';
import { DETAILS_SECTION, PAYMENT_METHOD } from './sessions.ts';

export const twoChannelPaymentMethod = definePaymentMethod({
  name: PAYMENT_METHOD,
  detailsSection: DETAILS_SECTION,
  check: (payment) => (detailsOf(payment, DETAILS_SECTION)?.['session'] ? undefined : 'a two-channel payment names its session'),
  captureOnApproval: true,
  adapter: ({ db, acquirer }) => ({
    async authorise(payment) {
      const sessionId = detailsOf(payment, DETAILS_SECTION)?.['session'] ?? '';
      const { rows } = await db.query<{ user_id: string }>('SELECT user_id FROM two_channel_sessions WHERE id = $1 AND payment_id = $2', [sessionId, payment.id]);
      const userId = rows[0]?.user_id;
      const card = userId === undefined ? undefined : await defaultPaymentMethod(db, userId);
      if (!card) throw new EdgePayError('TWO_CHANNEL_NO_CARD');
      return acquirer.authorise({ idempotencyKey: payment.id, token: card.token, amount: payment.amount, currency: payment.currency, merchantId: payment.siteId });
    },
    capture: (req) => acquirer.capture(req),
    void: (req) => acquirer.void(req),
    refund: (req) => acquirer.refund(req),
  }),
});
