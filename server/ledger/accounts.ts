/**
 * Opening ledger accounts and reading their balances. Opening is idempotent:
 * the same id with the same settings answers the existing account; with other
 * settings, LEDGER_ACCOUNT_EXISTS_DIFFERENT. Settings never change afterwards
 * (a trigger refuses it); only transfers move the totals.
 */
import { EdgePayError, isCurrencyCode } from '../../core/index.ts';
import type { Queryable } from '../db/index.ts';
import { accountFromRow, balancesOf } from './rows.ts';
import type { Balances, LedgerAccount, OpenAccountInput } from './types.ts';

const KIND = /^[a-z][a-z0-9_]{0,63}$/;

function invalid(field: string): never {
  throw new EdgePayError('LEDGER_ACCOUNT_INVALID', { field });
}

export async function openAccount(db: Queryable, input: OpenAccountInput): Promise<LedgerAccount> {
  if (typeof input.id !== 'string' || input.id.length < 1 || input.id.length > 200) invalid('id');
  if (typeof input.kind !== 'string' || !KIND.test(input.kind)) invalid('kind');
  if (!isCurrencyCode(input.currency)) invalid('currency');
  const rule = input.rule ?? 'none';
  if (!['none', 'debits_must_not_exceed_credits', 'credits_must_not_exceed_debits'].includes(rule)) invalid('rule');
  const limit = input.limit ?? null;
  if (limit !== null && (!Number.isSafeInteger(limit) || limit < 0 || rule === 'none')) invalid('limit');
  if (input.owner !== undefined && (typeof input.owner !== 'string' || input.owner.length > 200)) invalid('owner');
  const owner = input.owner ?? null;
  // ON CONFLICT without a target: every unique index is an arbiter. With
  // `(id)` alone, two transactions opening the same new account at once could
  // both pass the check and the loser then failed on the other unique index,
  // (id, currency), with a unique violation instead of doing nothing (three
  // wallets' first payment codes at once on a fresh database: a 500).
  await db.query(
    `INSERT INTO ledger_accounts (id, kind, currency, owner, debits_must_not_exceed_credits, credits_must_not_exceed_debits, limit_amount)
     VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING`,
    [input.id, input.kind, input.currency, owner, rule === 'debits_must_not_exceed_credits', rule === 'credits_must_not_exceed_debits', limit],
  );
  const account = await getAccount(db, input.id);
  if (!account) throw new EdgePayError('LEDGER_ACCOUNT_NOT_FOUND', { accountId: input.id });
  if (account.kind !== input.kind || account.currency !== input.currency || account.owner !== owner || account.rule !== rule || account.limit !== limit) {
    throw new EdgePayError('LEDGER_ACCOUNT_EXISTS_DIFFERENT', { accountId: input.id });
  }
  return account;
}

export async function getAccount(db: Queryable, accountId: string): Promise<LedgerAccount | undefined> {
  const { rows } = await db.query('SELECT * FROM ledger_accounts WHERE id = $1', [accountId]);
  return rows[0] ? accountFromRow(rows[0]) : undefined;
}

/** The account's four running totals; LEDGER_ACCOUNT_NOT_FOUND if there is none. */
export async function balances(db: Queryable, accountId: string): Promise<Balances> {
  const account = await getAccount(db, accountId);
  if (!account) throw new EdgePayError('LEDGER_ACCOUNT_NOT_FOUND', { accountId });
  return balancesOf(account);
}
