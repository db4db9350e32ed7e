/**
 * server/http: the HTTP plumbing every context shares (error handling, metrics). Infrastructure, below every context.
 * Other contexts reach it only through this file (tests/architecture.test.ts).
 */
export { installErrorHandling } from './errors.ts';
export { createMetrics, type ServerMetrics } from './metrics.ts';
export { installCardDataGuard, installStrictJsonParser, installStrictValidation, logSerializers } from './input-guard.ts';
