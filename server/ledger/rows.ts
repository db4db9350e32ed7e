/**
 * Reading ledger rows: `pg` answers BIGINT as a string, PGlite as a number;
 * both become a safe integer here or an error (never a rounded amount).
 */
import type { Balances, LedgerAccount, LedgerBalanceRule, LedgerTransfer, LedgerTransferKind } from './types.ts';

export function int(value: unknown, what: string): number {
  const n = typeof value === 'bigint' ? Number(value) : typeof value === 'string' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isSafeInteger(n)) throw new Error(`ledger: ${what} is not a safe integer: ${String(value)}`);
  return n;
}

export function iso(value: unknown): string {
  return value instanceof Date ? value.toISOString() : String(value);
}

export function accountFromRow(r: Record<string, unknown>): LedgerAccount {
  const rule: LedgerBalanceRule = r['debits_must_not_exceed_credits'] ? 'debits_must_not_exceed_credits' : r['credits_must_not_exceed_debits'] ? 'credits_must_not_exceed_debits' : 'none';
  return {
    id: String(r['id']),
    kind: String(r['kind']),
    currency: String(r['currency']),
    owner: r['owner'] == null ? null : String(r['owner']),
    rule,
    limit: r['limit_amount'] == null ? null : int(r['limit_amount'], 'limit_amount'),
    debitsPending: int(r['debits_pending'], 'debits_pending'),
    debitsPosted: int(r['debits_posted'], 'debits_posted'),
    creditsPending: int(r['credits_pending'], 'credits_pending'),
    creditsPosted: int(r['credits_posted'], 'credits_posted'),
    createdAt: iso(r['created_at']),
  };
}

export function balancesOf(a: LedgerAccount): Balances {
  return {
    accountId: a.id,
    currency: a.currency,
    debitsPending: a.debitsPending,
    debitsPosted: a.debitsPosted,
    creditsPending: a.creditsPending,
    creditsPosted: a.creditsPosted,
  };
}

export function transferFromRow(r: Record<string, unknown>): LedgerTransfer {
  return {
    id: String(r['id']),
    debitAccountId: String(r['debit_account_id']),
    creditAccountId: String(r['credit_account_id']),
    amount: int(r['amount'], 'amount'),
    currency: String(r['currency']),
    code: String(r['code']),
    reference: r['reference'] == null ? null : String(r['reference']),
    kind: String(r['kind']) as LedgerTransferKind,
    linked: Boolean(r['linked']),
    pendingId: r['pending_id'] == null ? null : String(r['pending_id']),
    timeoutSeconds: r['timeout_seconds'] == null ? null : int(r['timeout_seconds'], 'timeout_seconds'),
    expiresAt: r['expires_at'] == null ? null : iso(r['expires_at']),
    createdAt: iso(r['created_at']),
  };
}
