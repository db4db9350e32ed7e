/**
 * The ledger's invariant check as the money tests call it after their cases:
 * the built-in checks (debits equal credits, totals equal transfers, balance
 * rules, no stale pending) and `payments-match-transfers` (imported here so
 * that it is registered even in a test that never built an authority).
 */
import type { Db } from '../db/index.ts';
import { assertLedgerInvariants, checkLedgerInvariants, type InvariantReport } from '../ledger/index.ts';
import '../payments/ledger-invariant.ts';

/**
 * Throws LEDGER_INVARIANT_VIOLATED, naming every violation, unless the
 * ledger holds. `graceSeconds`: how long past its timeout a pending transfer
 * may wait for the server's sweeper (its interval is 1 s).
 */
export async function assertLedgerBalanced(db: Db, options: { graceSeconds?: number } = {}): Promise<void> {
  await assertLedgerInvariants(db, { graceSeconds: options.graceSeconds ?? 2 });
}

/** The report itself, for a test that expects a violation. */
export function ledgerReport(db: Db, options: { graceSeconds?: number } = {}): Promise<InvariantReport> {
  return checkLedgerInvariants(db, { graceSeconds: options.graceSeconds ?? 2 });
}
