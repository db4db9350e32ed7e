/**
 * What the page reads of payreq's phone routes (`/wallet/api/requests`).
 * A subset of core's PhonePaymentRequestView from the payment-requests
 * branch, written here so the wallet page builds before that branch is
 * merged; after the merge, import PhonePaymentRequestView and
 * PAYMENT_REQUEST_PATHS from core instead.
 */
export type PhoneRequest = {
  id: string;
  state: 'pending' | 'approved' | 'declined' | 'expired' | 'cancelled';
  amount: number;
  currency: string;
  payee: { id: string; name: string };
  items: { name: string; quantity: number; amount: number }[];
  place: string | null;
  note: string | null;
  expiresAt: string;
};

export const REQUEST_PATHS = {
  list: '/wallet/api/requests',
  stream: '/wallet/api/requests/stream',
  approvalOptions: (id: string) => `/wallet/api/requests/${encodeURIComponent(id)}/approval-options`,
  approve: (id: string) => `/wallet/api/requests/${encodeURIComponent(id)}/approve`,
  decline: (id: string) => `/wallet/api/requests/${encodeURIComponent(id)}/decline`,
} as const;
