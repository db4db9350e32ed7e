/**
 * A payment method as the server knows it: one declaration says which
 * payments it takes (its name, what it needs on the payment, its own section
 * of `details`), and how it moves money through which adapter (authorise,
 * capture, void, refund). The payment authority reads nothing
 * method-specific: a flow adds a method by adding a declaration
 * (methods/index.ts, or `paymentMethods` of buildApp), not by editing it.
 */
import type { PaymentDoc } from '../../../core/index.ts';
import type { Db } from '../../db/db.ts';
import type { AuthoriseResult, FollowUpRequest, FollowUpResult, ProcessorAdapter } from '../processor.ts';

/** What the server has to build a method's adapter from. */
export type MethodDeps = { db: Db; acquirer: ProcessorAdapter };

/** How one method moves money. `authorise` uses the payment id as idempotency key; it throws AcquirerUnavailable when the outcome is unknown. */
export type MethodAdapter = {
  authorise(payment: PaymentDoc): Promise<AuthoriseResult>;
  capture(req: FollowUpRequest): Promise<FollowUpResult>;
  void(req: FollowUpRequest): Promise<FollowUpResult>;
  refund(req: FollowUpRequest): Promise<FollowUpResult>;
};

export type PaymentMethodDeclaration = {
  /** The payments' `method`. */
  readonly name: string;
  /** The method's own section of `details`, if it has one (checked by `check`). */
  readonly detailsSection?: string;
  /**
   * What this method needs on a payment that asks to be authorised now
   * (details, token, ...): a reason to refuse it (REQUEST_INVALID), or
   * undefined. Pure. Stored (offline) payments are not refused here: their
   * processor answers for them, as it would for any stored payment.
   */
  check(payment: PaymentDoc): string | undefined;
  /** Capture as soon as authorised (a kiosk sale: the goods leave with the customer). */
  readonly captureOnApproval: boolean;
  /**
   * The processor's reference of an authorisation, for capture, void and
   * refund. Default: the one kept on the payment when it was authorised.
   */
  referenceOf?(payment: PaymentDoc): string | undefined;
  /** Builds the adapter, once per server, from the server's processors. */
  adapter(deps: MethodDeps): MethodAdapter;
};

/** Identity, for the types: `definePaymentMethod({...})` checks a declaration where it is written. */
export function definePaymentMethod(declaration: PaymentMethodDeclaration): PaymentMethodDeclaration {
  return declaration;
}

/** The section a method's payment carries, or undefined. */
export function detailsOf(payment: PaymentDoc, section: string): Record<string, string> | undefined {
  return payment.details?.[section];
}
