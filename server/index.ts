/**
 * server: the central server. Built so far: replication of the gateways'
 * collections (RxDB's protocol over HTTP), gateway enrolment and revocation,
 * health, metrics, OpenAPI. It imports core, and only types from sync.
 */
export { startServer, openDatabase, type ServerOptions, type RunningServer } from './start-server.ts';
export { buildApp, edgePayServerCollections, type AppOptions, type EdgePayServer } from './app.ts';
export { serverCollection, serverCollections, type ServerCollection, type CreatedFollowUps } from './replication/index.ts';
export { writeAsServer, pull, push } from './replication/index.ts';
export { enrolGateway, revokeGateway, authenticateGateway, type EnrolledGateway } from './auth/index.ts';
export type { Db } from './db/index.ts';
/** The double-entry money ledger (accounts, transfers, invariant check) for the payments and flow contexts. */
export * as ledger from './ledger/index.ts';
// Payment methods: a flow's method is one declaration (server/payments/methods).
export {
  BUILT_IN_PAYMENT_METHODS,
  cardTerminalMethod,
  definePaymentMethod,
  detailsOf,
  type PaymentMethodDeclaration,
  type MethodAdapter,
  type MethodDeps,
} from './payments/index.ts';
export type { AuthoriseResult, FollowUpRequest, FollowUpResult, ProcessorAdapter } from './payments/index.ts';
export { AcquirerUnavailable } from './payments/index.ts';
/** Test support for other folders' tests and benches: fresh PostgreSQL schemas, PGlite. */
export * as serverTesting from './testing/index.ts';
/** The wallet context (users, passkeys, sessions, payment methods, approval proofs; seam with payment requests). */
export * as wallet from './wallet/index.ts';
/** Requests to pay: the wallet's stand-in for tests of other folders (phones with signed approvals, an SSE client). */
export { paymentRequestsTesting } from './payment-requests/index.ts';
/** Pay later (server/flows/credit): its settings, for tests, the demo and the bench. */
export type { CreditSettings } from './flows/credit/index.ts';
export * as issuer from './issuer/index.ts';
// One-time codes (shared context): a fresh EDGEPAY_OTP_KEYS entry for demos and tests.
export { newOtpKeyText } from './otp/index.ts';
export * as otp from './otp/index.ts';
