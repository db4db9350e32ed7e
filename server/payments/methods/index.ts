/**
 * The payment methods the server takes. A flow's method is one declaration
 * (declaration.ts) added here; tests and deployments may add their own through
 * buildApp's `paymentMethods`.
 */
import { cardTerminalMethod } from './card-terminal.ts';
import type { PaymentMethodDeclaration } from './declaration.ts';

export const BUILT_IN_PAYMENT_METHODS: readonly PaymentMethodDeclaration[] = [cardTerminalMethod];

export { definePaymentMethod, detailsOf, type PaymentMethodDeclaration, type MethodAdapter, type MethodDeps, type PaymentMoneyPath } from './declaration.ts';
export { createPaymentMethods, type PaymentMethods, type PaymentMethod } from './registry.ts';
export { cardTerminalMethod } from './card-terminal.ts';
export { cardMoneyPath, acquirerSettlementAccount, merchantPayableAccount } from './money-paths.ts';
