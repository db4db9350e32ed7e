/**
 * A payment method as the server knows it: one declaration says which
 * payments it takes (its name, what it needs on the payment, its own section
 * of `details`), and how it moves money through which adapter (authorise,
 * capture, void, refund). The payment authority reads nothing
 * method-specific: a flow adds a method by adding a declaration
 * (methods/index.ts, or `paymentMethods` of buildApp), not by editing it.
 */
import type { PaymentDoc } from '../../../core/index.ts';
import type { Db } from '../../db/index.ts';
import type { OpenAccountInput } from '../../ledger/index.ts';
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
  /**
   * The ledger accounts a payment's money moves through (server/ledger):
   * authorising reserves `source` -> `destination`, capturing posts it,
   * refunding moves it back. Opened on first use (openAccount is idempotent:
   * the same id must always come with the same settings). Default: the card
   * path, the acquirer's settlement for the site -> the site's payable
   * (payments/ledger-postings.ts `cardMoneyPath`). A wallet, a virtual card or
   * pay-later names its own (a buyer balance, an issuer float, a receivable).
   */
  moneyPath?(payment: PaymentDoc): PaymentMoneyPath;
  /**
   * How long an authorisation holds before the issuer lets it lapse: the
   * timeout of its pending transfer, after which the ledger's sweeper voids it
   * and the payment expires. Default 7 days (card schemes' usual hold).
   */
  readonly authorisationValiditySeconds?: number;
  /** Builds the adapter, once per server, from the server's processors. */
  adapter(deps: MethodDeps): MethodAdapter;
};

/** Where a payment's money comes from and goes to, as ledger accounts of the payment's currency. */
export type PaymentMoneyPath = { source: OpenAccountInput; destination: OpenAccountInput };

/** Identity, for the types: `definePaymentMethod({...})` checks a declaration where it is written. */
export function definePaymentMethod(declaration: PaymentMethodDeclaration): PaymentMethodDeclaration {
  return declaration;
}

/** The section a method's payment carries, or undefined. */
export function detailsOf(payment: PaymentDoc, section: string): Record<string, string> | undefined {
  return payment.details?.[section];
}
