/**
 * server/payment-requests: requests to pay. A requester (gateway, merchant,
 * or a flow on behalf of a site) asks a user or everyone at a unit to approve
 * an amount to a payee before a deadline; the phone learns it live, the first
 * answer wins across server processes, the requester learns the outcome live.
 */
export { paymentRequestsPlugin, type PaymentRequestsDeps, type PaymentRequestsPluginOptions } from './plugin.ts';
export { createPaymentRequest, getForRequester, approverOf, cancelRequest, expireRequest, answerRequest, type UsersAtUnit, type VerifyApproval, type ApprovalMethod } from './store.ts';
export { enrolMerchant, revokeMerchant, authenticateMerchant, type EnrolledMerchant } from './merchants.ts';
export { PAYMENT_REQUESTS_CHANNEL } from './feeds.ts';
export * as paymentRequestsTesting from './testing.ts';
