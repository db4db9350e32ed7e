/**
 * The payment state machine, shared by server and gateway: every allowed
 * transition and nothing else.
 *
 *   online:   created ──submit──▶ pending-approval ──approve──▶ authorised
 *                                        │ decline ▶ declined      │ capture ▶ captured ──refund──▶ partially-refunded ──refund──▶ refunded
 *                                        │ expire  ▶ expired       │ void    ▶ voided          └──refund (whole)──▶ refunded
 *                                                                  │ expire  ▶ expired (authorisation lapsed)
 *   offline:  stored ──forward──▶ forwarded ──approve──▶ authorised (then as above)
 *                                           └─decline──▶ declined   ("declined after forwarding": shown to the operator)
 *   created ──expire──▶ expired (never submitted)
 *
 * An offline payment never expires while stored: it was accepted at the till,
 * so it is forwarded, however late, and the acquirer decides.
 */
import { EdgePayError } from '../errors.ts';
import type { PaymentStatus } from '../schemas/payments.ts';

export type PaymentEvent =
  | { type: 'submit' }
  | { type: 'forward' }
  /** `reference`: the processor's own reference of the authorisation, kept on the payment for capture, void and refund. */
  | { type: 'approve'; approvalCode: string; reference?: string }
  | { type: 'decline'; reason: string }
  | { type: 'expire'; reason?: string }
  | { type: 'capture' }
  | { type: 'void' }
  | { type: 'refund'; amount: number };

export type PaymentEventType = PaymentEvent['type'];

/** from → event → to. Refund's target depends on the amount (see nextStatus). */
export const PAYMENT_TRANSITIONS: Readonly<Record<PaymentStatus, Partial<Record<PaymentEventType, PaymentStatus>>>> = Object.freeze({
  created: { submit: 'pending-approval', expire: 'expired' },
  'pending-approval': { approve: 'authorised', decline: 'declined', expire: 'expired' },
  stored: { forward: 'forwarded' },
  forwarded: { approve: 'authorised', decline: 'declined' },
  authorised: { capture: 'captured', void: 'voided', expire: 'expired' },
  captured: { refund: 'refunded' },
  'partially-refunded': { refund: 'refunded' },
  refunded: {},
  voided: {},
  declined: {},
  expired: {},
});

export const FINAL_PAYMENT_STATUSES: readonly PaymentStatus[] = Object.freeze((Object.keys(PAYMENT_TRANSITIONS) as PaymentStatus[]).filter((s) => Object.keys(PAYMENT_TRANSITIONS[s]).length === 0));

export type PaymentAmounts = { amount: number; refundedAmount?: number };

/**
 * The status after `event`, or an EdgePayError: PAYMENT_ILLEGAL_TRANSITION for
 * an event the status does not allow, PAYMENT_REFUND_INVALID for a refund of
 * nothing or of more than is left.
 */
export function nextStatus(from: PaymentStatus, event: PaymentEvent, payment: PaymentAmounts): PaymentStatus {
  const to = PAYMENT_TRANSITIONS[from]?.[event.type];
  if (!to) throw new EdgePayError('PAYMENT_ILLEGAL_TRANSITION', { from, event: event.type });
  if (event.type === 'refund') {
    const left = payment.amount - (payment.refundedAmount ?? 0);
    if (!Number.isSafeInteger(event.amount) || event.amount <= 0 || event.amount > left) {
      throw new EdgePayError('PAYMENT_REFUND_INVALID', { amount: event.amount, left });
    }
    return event.amount === left ? 'refunded' : 'partially-refunded';
  }
  if (event.type === 'approve' && !event.approvalCode) throw new EdgePayError('PAYMENT_ILLEGAL_TRANSITION', { from, event: 'approve without code' });
  return to;
}

export function canApply(from: PaymentStatus, type: PaymentEventType): boolean {
  return PAYMENT_TRANSITIONS[from]?.[type] !== undefined;
}
