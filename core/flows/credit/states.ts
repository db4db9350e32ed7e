/**
 * A loan's life (after how buy-now-pay-later services work: authorise,
 * capture on shipment, void, refunds):
 *
 *   declined                          the institution said no (over the limit, by score)
 *   awaiting-buyer  -> authorised     the buyer confirmed the loan in the wallet (a request to pay)
 *                   -> refused        the buyer declined, or did not answer in time
 *                   -> voided         the merchant cancelled before the buyer answered
 *   authorised      -> captured       the merchant shipped: the merchant is paid at once (payout less fee)
 *                   -> voided         cancelled before shipment: the reserved limit is released
 *                   -> expired        not captured in time (default 28 days): the limit is released
 *   captured        -> delivered      the buyer confirmed delivery: the instalments start
 *   captured/delivered -> repaid      nothing left to pay (paid, or refunds covered the rest)
 *   captured/delivered/repaid -> refunded   everything was refunded (a return): the loan is closed
 *
 * A return reported on a captured or delivered loan pauses its dues (nothing
 * is chased, nothing turns late) until the refund that settles it.
 */
import { EdgePayError } from '../../errors.ts';

export const LOAN_STATES = ['declined', 'awaiting-buyer', 'refused', 'authorised', 'voided', 'expired', 'captured', 'delivered', 'repaid', 'refunded'] as const;
export type LoanState = (typeof LOAN_STATES)[number];

export type LoanEvent = 'buyer-confirmed' | 'buyer-refused' | 'cancel' | 'expire' | 'capture' | 'deliver' | 'paid-off' | 'refund-all';

const TRANSITIONS: Record<LoanEvent, Partial<Record<LoanState, LoanState>>> = {
  'buyer-confirmed': { 'awaiting-buyer': 'authorised' },
  'buyer-refused': { 'awaiting-buyer': 'refused' },
  cancel: { 'awaiting-buyer': 'voided', authorised: 'voided' },
  expire: { authorised: 'expired' },
  capture: { authorised: 'captured' },
  deliver: { captured: 'delivered' },
  'paid-off': { captured: 'repaid', delivered: 'repaid' },
  'refund-all': { captured: 'refunded', delivered: 'refunded', repaid: 'refunded' },
};

/** The state after `event`, or CREDIT_LOAN_STATE (409) when the loan is not in a state that allows it. */
export function nextLoanState(state: LoanState, event: LoanEvent): LoanState {
  const next = TRANSITIONS[event][state];
  if (!next) throw new EdgePayError('CREDIT_LOAN_STATE', { state, action: event });
  return next;
}

/** States in which the merchant may refund (goods were shipped, money moved). */
export const REFUNDABLE_STATES: readonly LoanState[] = ['captured', 'delivered', 'repaid'];
/** States that still hold part of the buyer's limit. */
export const OPEN_LOAN_STATES: readonly LoanState[] = ['awaiting-buyer', 'authorised', 'captured', 'delivered'];

export type InstalmentState = 'due' | 'late' | 'paid' | 'cancelled';

/** Klarna's default: an authorisation not captured within 28 days lapses. */
export const CREDIT_DEFAULT_APPROVAL_TTL_SECONDS = 28 * 24 * 60 * 60;
/** Instalments every two weeks from delivery (pay in 4). */
export const CREDIT_DEFAULT_INSTALMENT_INTERVAL_SECONDS = 14 * 24 * 60 * 60;
/** How long the buyer has to confirm the loan on the phone (a request to pay's longest life). */
export const CREDIT_CONFIRM_TTL_SECONDS = 900;
