/**
 * Creating transfers: one call of the database function
 * ledger_create_transfers (server/db/migrations/004_ledger.sql), which locks
 * the accounts in id order, applies the batch in order and answers one result
 * per transfer. The rules live in the database; this file only shapes the
 * input and names the results.
 */
import { EdgePayError, isErrorCode, type ErrorCode } from '../../core/index.ts';
import type { Db, Queryable } from '../db/index.ts';
import { transferFromRow } from './rows.ts';
import type { LedgerTransfer, TransferInput, TransferResult } from './types.ts';

const KINDS = new Set(['posted', 'pending', 'post_pending', 'void_pending']);
/**
 * Retried when the call is its own transaction: a unique violation means a
 * concurrent call inserted the same transfer id (or resolved the same pending
 * transfer) first; the retry then finds it and answers `exists` or the stable
 * error. Deadlocks cannot come from the ledger's own locking (ids in order),
 * but could from a caller's; retrying is safe because the batch is idempotent.
 */
const RETRIED_SQLSTATES = new Set(['23505', '40P01', '40001']);
const MAX_ATTEMPTS = 5;

function invalid(field: string): never {
  throw new EdgePayError('LEDGER_TRANSFER_INVALID', { field });
}

function optionalString(value: unknown, field: string): void {
  if (value !== undefined && (typeof value !== 'string' || value.length === 0 || value.length > 200)) invalid(field);
}

/** What the database function reads; malformed values (a float amount) are refused here, the rest is checked there. */
export function toWire(t: TransferInput): Record<string, unknown> {
  if (typeof t !== 'object' || t === null) invalid('transfer');
  if (typeof t.id !== 'string' || t.id.length === 0 || t.id.length > 128) invalid('id');
  for (const f of ['debitAccountId', 'creditAccountId', 'currency', 'code', 'reference', 'pendingId'] as const) optionalString(t[f], f);
  if (t.amount !== undefined && (!Number.isSafeInteger(t.amount) || t.amount <= 0)) invalid('amount');
  if (t.timeoutSeconds !== undefined && (!Number.isSafeInteger(t.timeoutSeconds) || t.timeoutSeconds <= 0 || t.timeoutSeconds > 2_147_483_647)) {
    invalid('timeoutSeconds');
  }
  if (t.kind !== undefined && !KINDS.has(t.kind)) invalid('kind');
  if (t.linked !== undefined && typeof t.linked !== 'boolean') invalid('linked');
  const wire: Record<string, unknown> = { id: t.id, kind: t.kind ?? 'posted', linked: t.linked ?? false };
  if (t.debitAccountId !== undefined) wire['debit_account_id'] = t.debitAccountId;
  if (t.creditAccountId !== undefined) wire['credit_account_id'] = t.creditAccountId;
  if (t.amount !== undefined) wire['amount'] = t.amount;
  if (t.currency !== undefined) wire['currency'] = t.currency;
  if (t.code !== undefined) wire['code'] = t.code;
  if (t.reference !== undefined) wire['reference'] = t.reference;
  if (t.pendingId !== undefined) wire['pending_id'] = t.pendingId;
  if (t.timeoutSeconds !== undefined) wire['timeout_seconds'] = t.timeoutSeconds;
  return wire;
}

function detailsFor(code: ErrorCode, detail: string | null): Record<string, string> {
  const d = detail ?? '';
  switch (code) {
    case 'LEDGER_TRANSFER_INVALID':
      return { field: d };
    case 'LEDGER_ACCOUNT_NOT_FOUND':
    case 'LEDGER_CURRENCY_MISMATCH':
    case 'LEDGER_BALANCE_RULE':
      return { accountId: d };
    case 'LEDGER_TRANSFER_EXISTS_DIFFERENT':
      return { transferId: d };
    case 'LEDGER_PENDING_NOT_FOUND':
    case 'LEDGER_PENDING_ALREADY_RESOLVED':
    case 'LEDGER_PENDING_EXPIRED':
    case 'LEDGER_PENDING_MISMATCH':
    case 'LEDGER_EXCEEDS_PENDING_AMOUNT':
      return { pendingId: d };
    case 'LEDGER_LINKED_EVENT_FAILED':
      return { failedId: d };
    default:
      return {};
  }
}

function isDb(db: Db | Queryable): db is Db {
  return typeof (db as Partial<Db>).transaction === 'function';
}

/**
 * Creates a batch of transfers, in order, and answers one result per
 * transfer (same order). Unlinked transfers succeed or fail on their own;
 * a linked chain as a whole. Given a `Db`, the batch is one transaction of
 * its own; given a transaction (`Queryable` from `db.transaction`), it joins
 * it, so that a payment's state and its transfers commit together.
 */
export async function createTransfers(db: Db | Queryable, transfers: readonly TransferInput[]): Promise<TransferResult[]> {
  if (!Array.isArray(transfers)) invalid('transfers');
  if (transfers.length === 0) return [];
  const payload = JSON.stringify(transfers.map(toWire));
  const attempts = isDb(db) ? MAX_ATTEMPTS : 1;
  for (let attempt = 1; ; attempt++) {
    try {
      const { rows } = await db.query<{ idx: number; result: string; detail: string | null }>('SELECT idx, result, detail FROM ledger_create_transfers($1::jsonb)', [payload]);
      return rows.map((r, i): TransferResult => {
        const id = transfers[i]!.id;
        if (r.result === 'ok' || r.result === 'exists') return { id, ok: true, created: r.result === 'ok' };
        const code: ErrorCode = isErrorCode(r.result) ? r.result : 'INTERNAL';
        return { id, ok: false, code, details: detailsFor(code, r.detail) };
      });
    } catch (err) {
      const sqlstate = (err as { code?: unknown }).code;
      if (attempt >= attempts || typeof sqlstate !== 'string' || !RETRIED_SQLSTATES.has(sqlstate)) throw err;
    }
  }
}

/** One transfer; throws its EdgePayError if it fails. Answers whether it was created now (false: it existed). */
export async function transfer(db: Db | Queryable, input: TransferInput): Promise<{ created: boolean }> {
  const [result] = await createTransfers(db, [{ ...input, linked: false }]);
  if (!result!.ok) throw new EdgePayError(result!.code, result!.details);
  return { created: result!.created };
}

/** Posts a pending transfer, all of it or `amount` of it (the rest is released). */
export function postPending(db: Db | Queryable, input: { id: string; pendingId: string; amount?: number; code?: string; reference?: string }): Promise<{ created: boolean }> {
  return transfer(db, { ...input, kind: 'post_pending' });
}

/** Voids a pending transfer: releases what it reserved. */
export function voidPending(db: Db | Queryable, input: { id: string; pendingId: string; code?: string; reference?: string }): Promise<{ created: boolean }> {
  return transfer(db, { ...input, kind: 'void_pending' });
}

export async function getTransfer(db: Queryable, id: string): Promise<LedgerTransfer | undefined> {
  const { rows } = await db.query('SELECT * FROM ledger_transfers WHERE id = $1', [id]);
  return rows[0] ? transferFromRow(rows[0]) : undefined;
}

/** The transfers of one business object (e.g. `payment:<id>`), oldest first. */
export async function transfersFor(db: Queryable, reference: string): Promise<LedgerTransfer[]> {
  const { rows } = await db.query('SELECT * FROM ledger_transfers WHERE reference = $1 ORDER BY created_at, id', [reference]);
  return rows.map(transferFromRow);
}
