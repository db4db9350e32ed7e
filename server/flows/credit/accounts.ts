/**
 * The credit flow's ledger accounts. Buyers appear only by pseudonym.
 *  - line: what the buyer owes (debits) and has repaid or been forgiven by
 *    refunds (credits); rule debits <= credits + limit: the credit limit.
 *  - institution: the institution's funding of one buyer's loans (rule none).
 *    Per buyer, not one per currency: every approval's hold locks the
 *    account it credits until its transaction commits, so one account for
 *    all buyers made every approval wait for the one before it (issue 23's
 *    bench: 134 approvals/s, p99 in seconds). Opened with the buyer's line.
 *  - merchant: what the platform owes the merchant (payouts less refunds).
 *  - fees: the platform's discount fee income on credit sales.
 *  - buyerFunding: where the buyer's repayments come from and refunds go.
 */
import type { Queryable } from '../../db/index.ts';
import { openAccount } from '../../ledger/index.ts';

export const accounts = {
  line: (buyerRef: string, cur: string) => `credit_line:${buyerRef}:${cur}`,
  buyerFunding: (buyerRef: string, cur: string) => `buyer_funding:credit:${buyerRef}:${cur}`,
  institution: (buyerRef: string, cur: string) => `credit_institution:sandbox:${buyerRef}:${cur}`,
  merchant: (merchantId: string, cur: string) => `merchant_payable:credit:${merchantId}:${cur}`,
  fees: (cur: string) => `fees:credit:${cur}`,
};

/**
 * Opens the accounts a loan step needs, each in its own statement before the
 * step's transaction (so a rolled-back step never leaves this cache saying an
 * account exists that does not). One cache per plugin instance (per database).
 */
export function accountOpener(db: Queryable): { shared(currency: string): Promise<void>; merchant(merchantId: string, currency: string): Promise<void> } {
  const opened = new Set<string>();
  const open = async (id: string, kind: string, currency: string, owner: string) => {
    if (opened.has(id)) return;
    await openAccount(db, { id, kind, currency, owner });
    opened.add(id);
  };
  return {
    async shared(currency) {
      await open(accounts.fees(currency), 'fees', currency, 'credit');
    },
    merchant: (merchantId, currency) => open(accounts.merchant(merchantId, currency), 'merchant_payable', currency, merchantId),
  };
}
