/**
 * Arithmetic consistency of a payment as created: each line's amount is its
 * unit amount × quantity, and when there are lines they add up to the payment
 * amount. The schema cannot express this, and a server must not approve a
 * payment whose receipt and charge disagree.
 * Payments without lines (elevator, two-channel: an amount typed at a terminal)
 * only need a valid amount.
 */
import { isEdgePayError } from '../errors.ts';
import { add, checkBound, multiply, signedMoney, zero } from '../money.ts';
import { refuse, WRITE_OK, type WriteCheck } from '../collections/ownership.ts';
import type { PaymentDoc } from './payments.ts';

export function checkPaymentAmounts(doc: Pick<PaymentDoc, 'amount' | 'currency' | 'lineItems'>): WriteCheck {
  let field = 'amount';
  try {
    const payment = signedMoney(doc.amount, doc.currency);
    if (payment.amount <= 0) return refuse('PAYMENT_AMOUNT_MISMATCH', 'amount');
    checkBound(payment);
    if (!Array.isArray(doc.lineItems) || doc.lineItems.length === 0) return WRITE_OK;
    let total = zero(doc.currency);
    for (const [i, line] of doc.lineItems.entries()) {
      field = `lineItems.${i}.lineAmount`;
      const expected = multiply(signedMoney(line.unitAmount, doc.currency), line.quantity);
      if (line.quantity < 1 || expected.amount !== line.lineAmount) {
        return refuse('PAYMENT_AMOUNT_MISMATCH', field);
      }
      total = add(total, expected);
    }
    field = 'amount';
    return total.amount === payment.amount ? WRITE_OK : refuse('PAYMENT_AMOUNT_MISMATCH', 'amount');
  } catch (error) {
    // Bad currency, non-integer or overflowing amounts: report the money error's own code.
    if (isEdgePayError(error)) return refuse(error.code, field);
    throw error;
  }
}
