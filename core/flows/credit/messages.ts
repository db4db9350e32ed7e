/**
 * The messages of the credit flow and what each party sees.
 *
 * Every message between merchant, PG and institution travels as a compact
 * JWS (ES256): the merchant signs its orders and actions with the key it
 * registered with the PG; the PG signs its approval requests to the
 * institution; the institution signs its decisions. The receiver checks the
 * signature and that the message is for this step (`typ`, action, loan), so
 * an altered or replayed message is refused.
 */
import type { CreditPlanCount } from './plans.ts';
import type { InstalmentState, LoanState } from './states.ts';

/** JWS `typ` headers: one per message kind, so a message of one kind is never taken as another. */
export const CREDIT_MESSAGE_TYPES = {
  order: 'edgepay-credit-order+jws',
  action: 'edgepay-credit-action+jws',
  approvalRequest: 'edgepay-credit-approval-request+jws',
  decision: 'edgepay-credit-decision+jws',
} as const;

export type CreditOrderItem = { name: string; quantity: number; amount: number };

/** The merchant's order (payload of a JWS whose `kid` is the merchant id). */
export type CreditOrderMessage = {
  merchantId: string;
  /** The merchant's own order reference. */
  orderRef: string;
  /** The buyer: a wallet user id (an online shop's account), or the phone number a kiosk asked for. */
  buyer: { userId: string } | { phone: string };
  items: CreditOrderItem[];
  amount: number;
  currency: string;
  delivery: { name: string; address: string };
  instalments: CreditPlanCount;
  /** Unix seconds; messages older than 10 minutes are refused. */
  iat: number;
};

export type CreditActionName = 'capture' | 'cancel' | 'return' | 'refund';

/** A merchant's action on a loan (payload of a JWS whose `kid` is the merchant id). */
export type CreditActionMessage = { merchantId: string; loanId: string; action: CreditActionName; amount?: number; iat: number };

/** The PG to the institution: approve this much for this buyer (named by a pseudonym, never the person). */
export type CreditApprovalRequest = { loanId: string; buyerRef: string; amount: number; currency: string; instalments: number; iat: number };

/** The institution's answer. */
export type CreditDecision =
  | { loanId: string; decision: 'approved'; approvalNumber: string; amount: number; currency: string; iat: number }
  | { loanId: string; decision: 'declined'; reason: CreditDeclineReason; iat: number };

export type CreditDeclineReason = 'over-limit' | 'score' | 'no-credit-line';

/** POST bodies of the merchant routes: one signed message. */
export type CreditSignedBody = { message: string };

/** What the merchant sees of a loan (never the buyer's identity beyond what it sent). */
export type MerchantLoanView = {
  id: string;
  orderRef: string;
  state: LoanState;
  declineReason: CreditDeclineReason | null;
  approvalNumber: string | null;
  amount: number;
  currency: string;
  instalments: number;
  fee: number;
  payout: number;
  refunded: number;
  returnPending: boolean;
  createdAt: string;
  /** Until when the authorisation holds (capture before it). */
  expiresAt: string | null;
  /** The request to pay the buyer confirms the loan with. */
  paymentRequestId: string | null;
};

export type InstalmentView = { seq: number; amount: number; dueAt: string; state: InstalmentState; paidAt: string | null; wasLate: boolean };

/** What the buyer sees of a loan in the wallet. */
export type BuyerLoanView = {
  id: string;
  merchantName: string;
  state: LoanState;
  approvalNumber: string | null;
  amount: number;
  currency: string;
  items: CreditOrderItem[];
  instalments: number;
  plan: InstalmentView[];
  paid: number;
  refunded: number;
  /** What is left to pay. */
  outstanding: number;
  /** A return is reported and not yet settled: the dues wait. */
  paused: boolean;
  createdAt: string;
  paymentRequestId: string | null;
};

export type CreditLineView = { currency: string; limit: number; available: number };

export type BuyerCreditView = {
  /** The buyer's first line (by currency), what the wallet shows. */
  line: CreditLineView | null;
  /** Every line the buyer has, one per currency. */
  lines: CreditLineView[];
  loans: BuyerLoanView[];
};

export const CREDIT_PATHS = {
  keys: '/v1/credit/keys',
  merchantKey: '/v1/credit/merchant-key',
  orders: '/v1/credit/orders',
  order: (id: string) => `/v1/credit/orders/${id}`,
  action: (id: string, action: CreditActionName) => `/v1/credit/orders/${id}/${action}`,
  walletLoans: '/wallet/api/credit/loans',
  walletDelivered: (id: string) => `/wallet/api/credit/loans/${id}/delivered`,
  walletPay: (id: string, seq: number) => `/wallet/api/credit/loans/${id}/instalments/${seq}/pay`,
  adminBuyer: (userId: string) => `/admin/credit/buyers/${userId}`,
} as const;

/** What the kiosk learns of a pay-later checkout (gateway API `payLater`, `payLaterStatus`). */
export type PayLaterOutcome = {
  loanId: string;
  state: LoanState;
  approvalNumber: string | null;
  declineReason: CreditDeclineReason | null;
  amount: number;
  currency: string;
};
