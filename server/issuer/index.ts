/**
 * server/issuer: the sandbox virtual-card issuer, a shared context that flows
 * call (DESIGN.md section 2). Single-use cards locked to an amount, a
 * currency, a merchant and a few minutes of life; their details leave only
 * sealed to a card terminal's key and are kept only as HMACs; the real-time
 * authorisation decision; capture, reversal, refund and close, each posting
 * to the ledger.
 */
export { issuerPlugin, type IssuerPluginOptions } from './plugin.ts';
export { issueCard, SANDBOX_BIN, type IssueCardInput } from './cards.ts';
export { authorise, DEFAULT_HOLD_SECONDS } from './authorise.ts';
export { captureCard, releaseCard, refundCard, closeCard, sweepIssuer } from './settle.ts';
export { enrolTerminal, issuerKeys } from './keys.ts';
export { floatAccount, merchantAccount } from './accounts.ts';
export { newX25519, sealTo, openStatic, publicKeyOf, privateKeyOf } from './sealing.ts';
