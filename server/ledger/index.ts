/**
 * ledger: the server's one double-entry money ledger (after TigerBeetle's
 * accounts and transfers). Every money movement of the project is a transfer
 * here; the database keeps the balance rules, the immutability and the
 * totals (server/db/migrations/004_ledger.sql). Other contexts call only
 * what is exported here.
 */
export type {
  LedgerAccountKind,
  LedgerBalanceRule,
  OpenAccountInput,
  LedgerAccount,
  LedgerTransferKind,
  TransferInput,
  TransferResult,
  LedgerTransfer,
  Balances,
} from './types.ts';
export { openAccount, getAccount, balances } from './accounts.ts';
export { toWire as transferWire, createTransfers, transfer, postPending, voidPending, getTransfer, transfersFor } from './transfers.ts';
export { sweepExpiredPending, startPendingSweeper } from './sweeper.ts';
export {
  checkLedgerInvariants,
  assertLedgerInvariants,
  registerLedgerInvariant,
  type LedgerInvariant,
  type InvariantReport,
} from './invariants.ts';
