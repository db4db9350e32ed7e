/**
 * Applies a server decision to a payment document: the new status, one more
 * history entry, and the fields that go with it. Pure: returns a new document.
 */
import type { PaymentDoc } from '../schemas/payments.ts';
import { nextStatus, type PaymentEvent } from './state-machine.ts';

function reasonOf(event: PaymentEvent): string | undefined {
  return event.type === 'decline' || event.type === 'expire' ? event.reason : undefined;
}

export function applyPaymentEvent(payment: PaymentDoc, event: PaymentEvent, at: string): PaymentDoc {
  const status = nextStatus(payment.status, event, payment);
  const next: PaymentDoc = {
    ...payment,
    status,
    statusHistory: [...payment.statusHistory, { status, at, by: 'server', ...(reasonOf(event) ? { reason: reasonOf(event) } : {}) }],
    serverUpdatedAt: at,
  };
  if (event.type === 'approve') {
    next.approvalCode = event.approvalCode;
    if (event.reference) next.processorReference = event.reference;
  }
  if (event.type === 'decline') next.declineReason = event.reason;
  if (event.type === 'refund') next.refundedAmount = (payment.refundedAmount ?? 0) + event.amount;
  return next;
}
