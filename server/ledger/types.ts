/**
 * The ledger's vocabulary (after TigerBeetle's accounts and transfers).
 * Amounts are integer minor units of the account's ISO 4217 currency.
 */
import type { ErrorCode } from '../../core/index.ts';

/**
 * What an account stands for. The database accepts any lower_snake word, so
 * that a new flow can add a kind without a migration; these are the ones the
 * payment flows use.
 */
export type LedgerAccountKind =
  | 'buyer_funding' // where a buyer's money comes from (card issuer side of a card payment, a wallet balance)
  | 'merchant_payable' // what the platform owes a merchant for its sales
  | 'acquirer_settlement' // what the acquirer owes the platform (authorised/captured, not yet settled)
  | 'issuer_float' // a card issuer's float (the sandbox issuer of the credit flow)
  | 'credit_receivable' // what a buyer owes on a credit line
  | 'fees' // the platform's fee income
  | 'membership_liability' // money held for members of a place (a unit's shared balance)
  | (string & {});

/**
 * The balance rule of an account, enforced by the database:
 *  - `debits_must_not_exceed_credits`: debits (pending + posted) <= credits posted + limit
 *    (limit 0: a balance that never goes below zero; limit L: a credit line of L);
 *  - `credits_must_not_exceed_debits`: credits (pending + posted) <= debits posted + limit
 *    (a balance that never goes above L);
 *  - `none`: any balance.
 */
export type LedgerBalanceRule = 'none' | 'debits_must_not_exceed_credits' | 'credits_must_not_exceed_debits';

export type OpenAccountInput = {
  /** Made by the caller, stable (e.g. `merchant_payable:<siteId>:KRW`); opening it again is a no-op. */
  id: string;
  kind: LedgerAccountKind;
  currency: string;
  owner?: string;
  rule?: LedgerBalanceRule;
  /** Widens the rule by this many minor units; needs a rule. */
  limit?: number;
};

export type LedgerAccount = {
  id: string;
  kind: string;
  currency: string;
  owner: string | null;
  rule: LedgerBalanceRule;
  limit: number | null;
  debitsPending: number;
  debitsPosted: number;
  creditsPending: number;
  creditsPosted: number;
  createdAt: string;
};

export type LedgerTransferKind = 'posted' | 'pending' | 'post_pending' | 'void_pending';

export type TransferInput = {
  /** Made by the client: the idempotency key of the transfer. */
  id: string;
  /** Required for `posted` and `pending`; for post/void taken from the pending transfer (must match if given). */
  debitAccountId?: string;
  creditAccountId?: string;
  /** Required for `posted`/`pending`; for `post_pending` the part to post (default: all); for `void_pending` the pending amount if given. */
  amount?: number;
  currency?: string;
  /** Why the money moves: lower-case word such as `authorise`, `capture`, `refund`. Required for posted/pending. */
  code?: string;
  /** The business object it belongs to, e.g. `payment:<id>`. */
  reference?: string;
  /** Default `posted`. */
  kind?: LedgerTransferKind;
  /** Links this transfer to the next in the batch: the chain succeeds or fails as a whole. */
  linked?: boolean;
  /** For `post_pending` / `void_pending`: the pending transfer's id. */
  pendingId?: string;
  /** For `pending`: after this many seconds the sweeper voids it. */
  timeoutSeconds?: number;
};

export type TransferResult =
  | { id: string; ok: true /** false: the same transfer already existed, nothing was done. */; created: boolean }
  | { id: string; ok: false; code: ErrorCode; details: Record<string, string> };

export type LedgerTransfer = {
  id: string;
  debitAccountId: string;
  creditAccountId: string;
  amount: number;
  currency: string;
  code: string;
  reference: string | null;
  kind: LedgerTransferKind;
  linked: boolean;
  pendingId: string | null;
  timeoutSeconds: number | null;
  expiresAt: string | null;
  createdAt: string;
};

export type Balances = {
  accountId: string;
  currency: string;
  debitsPending: number;
  debitsPosted: number;
  creditsPending: number;
  creditsPosted: number;
};
