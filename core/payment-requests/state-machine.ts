/**
 * The life of a request to pay: one server object, answered at most once.
 *
 *   pending ──approve──▶ approved
 *           ──decline──▶ declined
 *           ──expire───▶ expired     (its deadline passed before anyone answered)
 *           ──cancel───▶ cancelled   (the requester withdrew it)
 *
 * Nothing leaves a final state: a second answer, a late cancel or an expiry
 * after an answer is refused, and the refusal says why (stable codes), so the
 * phone and the requester can tell "someone at your unit already paid" from
 * "too late".
 */
import { EdgePayError, type ErrorCode } from '../errors.ts';

export const PAYMENT_REQUEST_STATES = ['pending', 'approved', 'declined', 'expired', 'cancelled'] as const;
export type PaymentRequestState = (typeof PAYMENT_REQUEST_STATES)[number];
export type PaymentRequestFinalState = Exclude<PaymentRequestState, 'pending'>;

export type PaymentRequestEventType = 'approve' | 'decline' | 'expire' | 'cancel';

export const PAYMENT_REQUEST_TRANSITIONS: Readonly<Record<PaymentRequestState, Partial<Record<PaymentRequestEventType, PaymentRequestFinalState>>>> = Object.freeze({
  pending: { approve: 'approved', decline: 'declined', expire: 'expired', cancel: 'cancelled' },
  approved: {},
  declined: {},
  expired: {},
  cancelled: {},
});

export function isPaymentRequestState(value: unknown): value is PaymentRequestState {
  return typeof value === 'string' && (PAYMENT_REQUEST_STATES as readonly string[]).includes(value);
}

export function isFinalPaymentRequestState(state: PaymentRequestState): state is PaymentRequestFinalState {
  return state !== 'pending';
}

/**
 * The state a reader must see: a pending request whose deadline has passed is
 * expired, whether or not a sweeper has written that yet (the server decides
 * the same in SQL from `expires_at`; this is the same rule for clients).
 */
export function effectivePaymentRequestState(state: PaymentRequestState, expiresAtMs: number, nowMs: number): PaymentRequestState {
  return state === 'pending' && nowMs >= expiresAtMs ? 'expired' : state;
}

/** Why an event is refused in a state: the code a client branches on. */
export function paymentRequestRefusal(from: PaymentRequestState): ErrorCode {
  switch (from) {
    case 'approved':
    case 'declined':
      return 'PAYMENT_REQUEST_ALREADY_ANSWERED';
    case 'expired':
      return 'PAYMENT_REQUEST_EXPIRED';
    case 'cancelled':
      return 'PAYMENT_REQUEST_CANCELLED';
    default:
      return 'PAYMENT_REQUEST_ILLEGAL_TRANSITION';
  }
}

/** The state after `event`, or the EdgePayError that says why not. */
export function nextPaymentRequestState(from: PaymentRequestState, event: PaymentRequestEventType): PaymentRequestFinalState {
  const to = PAYMENT_REQUEST_TRANSITIONS[from]?.[event];
  if (!to) throw new EdgePayError(paymentRequestRefusal(from), { state: from, event });
  return to;
}
