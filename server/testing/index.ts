/** Test fixtures of the server, for tests in other folders (as `serverTesting` from server/index.ts). */
export * from './databases.ts';
export { testPayment } from './payments.ts';
export { assertLedgerBalanced, ledgerReport } from './ledger.ts';
