/**
 * The credit institution behind the PG, as an adapter: it receives the PG's
 * signed approval request and answers a signed decision. A real institution
 * plugs in here; the project ships a sandbox one.
 *
 * The sandbox institution keeps a book of buyers (credit_buyers: limit and
 * score, by pseudonym), declines by score (below 600) and holds the buyer's
 * limit in the server's money ledger: an approval is a pending transfer on
 * the buyer's credit line, an account whose balance rule (debits at most its
 * limit) the database enforces under the account's row lock. So fifty orders
 * at once, through any number of server processes, never approve past the
 * limit: the fifty-first finds the rule broken and is declined `over-limit`.
 */
import { randomBytes } from 'node:crypto';
import { EdgePayError, CREDIT_MESSAGE_TYPES, type CreditApprovalRequest, type CreditDecision } from '../../../core/index.ts';
import type { Db, Queryable } from '../../db/index.ts';
import { createTransfers, openAccount } from '../../ledger/index.ts';
import { accounts } from './accounts.ts';
import { loadOrCreateKey, sign, verify, type SigningKey } from './signing.ts';
import type { Sealer } from './sealing.ts';

export interface CreditInstitution {
  /** The key its decisions verify under. */
  readonly decisionKey: SigningKey['publicKey'];
  /**
   * Decides on a signed approval request (verified with the PG's key). Runs in
   * the PG's transaction, so its hold on the buyer's limit commits with the loan
   * (the PG opens the shared accounts of the currency before).
   * Answers the signed decision.
   */
  decide(tx: Queryable, signedRequest: string): Promise<string>;
}

/** Below this score the sandbox declines. */
export const SANDBOX_MIN_SCORE = 600;

export async function createSandboxInstitution(db: Db, sealer: Sealer, pgKey: SigningKey['publicKey'], options: { holdSeconds: number }): Promise<CreditInstitution & { key: SigningKey }> {
  const key = await loadOrCreateKey(db, sealer, 'sandbox-institution');
  const approvalNumber = () => 'AP-' + randomBytes(6).toString('hex').toUpperCase();
  return {
    key,
    decisionKey: key.publicKey,
    async decide(tx, signedRequest) {
      const req = await verify<CreditApprovalRequest>(signedRequest, pgKey, CREDIT_MESSAGE_TYPES.approvalRequest);
      const now = Math.floor(Date.now() / 1000);
      const decline = (reason: 'over-limit' | 'score' | 'no-credit-line') =>
        sign(key, CREDIT_MESSAGE_TYPES.decision, { loanId: req.loanId, decision: 'declined', reason, iat: now } satisfies CreditDecision);
      const { rows } = await tx.query<{ score: number }>('SELECT score FROM credit_buyers WHERE buyer_ref = $1 AND currency = $2', [req.buyerRef, req.currency]);
      const buyer = rows[0];
      if (!buyer) return decline('no-credit-line');
      if (buyer.score < SANDBOX_MIN_SCORE) return decline('score');
      const [hold] = await createTransfers(tx, [
        {
          id: `credit:${req.loanId}:hold`,
          kind: 'pending',
          debitAccountId: accounts.line(req.buyerRef, req.currency),
          creditAccountId: accounts.institution(req.buyerRef, req.currency),
          amount: req.amount,
          currency: req.currency,
          code: 'credit_hold',
          reference: `credit:${req.loanId}`,
          timeoutSeconds: options.holdSeconds,
        },
      ]);
      if (!hold!.ok) {
        if (hold!.code === 'LEDGER_BALANCE_RULE') return decline('over-limit');
        throw new EdgePayError(hold!.code, hold!.details);
      }
      return sign(key, CREDIT_MESSAGE_TYPES.decision, {
        loanId: req.loanId,
        decision: 'approved',
        approvalNumber: approvalNumber(),
        amount: req.amount,
        currency: req.currency,
        iat: now,
      } satisfies CreditDecision);
    },
  };
}

/** Sets a buyer's credit line (the operator's route): the book row and the ledger account whose rule holds the limit. */
export async function setCreditLine(db: Db, buyerRef: string, currency: string, limit: number, score: number): Promise<void> {
  await db.transaction(async (tx) => {
    const existing = (await tx.query<{ credit_limit: string }>('SELECT credit_limit::text FROM credit_buyers WHERE buyer_ref = $1 AND currency = $2 FOR UPDATE', [buyerRef, currency])).rows[0];
    if (existing && Number(existing.credit_limit) !== limit) throw new EdgePayError('CREDIT_LINE_EXISTS_DIFFERENT', { currency });
    await openAccount(tx, { id: accounts.line(buyerRef, currency), kind: 'credit_receivable', currency, owner: 'credit', rule: 'debits_must_not_exceed_credits', limit });
    await openAccount(tx, { id: accounts.buyerFunding(buyerRef, currency), kind: 'buyer_funding', currency, owner: 'credit' });
    await openAccount(tx, { id: accounts.institution(buyerRef, currency), kind: 'issuer_float', currency, owner: 'credit' });
    await tx.query(
      `INSERT INTO credit_buyers (buyer_ref, currency, credit_limit, score) VALUES ($1, $2, $3, $4)
       ON CONFLICT (buyer_ref, currency) DO UPDATE SET score = EXCLUDED.score`,
      [buyerRef, currency, limit, score],
    );
  });
}
