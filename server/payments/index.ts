/**
 * server/payments: the payment authority (decisions, audit log, idempotency, offline forwarding), the payment methods as declarations, the sandbox acquirer, and the payments' transfers in the money ledger.
 * Other contexts reach it only through this file (tests/architecture.test.ts).
 */
export { createPaymentAuthority, type PaymentAuthority } from './authority.ts';
export { queueLength } from './forward-queue.ts';
export { startForwarder, type Forwarder } from './forwarder.ts';
export { requestHash, runIdempotent } from './idempotency.ts';
export { BUILT_IN_PAYMENT_METHODS, cardTerminalMethod, definePaymentMethod, detailsOf, type MethodAdapter, type MethodDeps, type PaymentMethodDeclaration } from './methods/index.ts';
export { AcquirerUnavailable, type AuthoriseResult, type FollowUpRequest, type FollowUpResult, type ProcessorAdapter } from './processor.ts';
export { PAYMENT_CREATED_FOLLOW_UPS } from './replication-follow-ups.ts';
export { registerPaymentRoutes } from './routes.ts';
export { cardOfToken, createSandboxAcquirer, registerSandboxTokenRoute, type SandboxOptions } from './sandbox-acquirer.ts';
