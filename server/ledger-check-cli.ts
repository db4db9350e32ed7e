/**
 * `npm run ledger:check`: runs the ledger's invariant check on the server's
 * database and exits 1 on a violation (0 when healthy, 2 when it could not
 * run). Same database settings as `npm run server` (server/cli.ts):
 *
 *   DATABASE_URL=postgres://...        PostgreSQL; otherwise PGlite in
 *   EDGEPAY_PGLITE_DIR=./data/server   (default; stop the server first: one
 *                                      process owns a PGlite directory)
 *   LEDGER_CHECK_GRACE_S=5             how long past its timeout a pending
 *                                      transfer may wait for the sweeper (default 5)
 */
import { resolve } from 'node:path';
import { openDatabase } from './start-server.ts';
import { checkLedgerInvariants } from './ledger/index.ts';
// The entry point wires in the other contexts' invariants (the ledger's modules import none):
// payments-match-transfers, every payment's transfers against its state.
import './payments/index.ts'; // registers payments-match-transfers (server/payments/ledger-invariant.ts)

const databaseUrl = process.env.DATABASE_URL;
const graceSeconds = Number(process.env.LEDGER_CHECK_GRACE_S ?? 5);
let exitCode = 2;
try {
  // openDatabase migrates: a database from before the ledger gets its (empty) tables.
  const db = await openDatabase(databaseUrl ? { databaseUrl } : { pgliteDir: resolve(process.env.EDGEPAY_PGLITE_DIR ?? 'data/server') });
  try {
    const report = await checkLedgerInvariants(db, { graceSeconds: Number.isFinite(graceSeconds) && graceSeconds >= 0 ? graceSeconds : 5 });
    const { rows } = await db.query(`SELECT (SELECT count(*) FROM ledger_accounts)::text AS accounts, (SELECT count(*) FROM ledger_transfers)::text AS transfers`);
    console.log(`ledger check on ${db.kind}: ${rows[0]?.['accounts']} accounts, ${rows[0]?.['transfers']} transfers; checked ${report.checked.join(', ')}`);
    for (const v of report.violations) console.log(`VIOLATION [${v.invariant}] ${v.message}`);
    console.log(report.ok ? 'ledger OK' : `ledger BROKEN: ${report.violations.length} violation(s)`);
    exitCode = report.ok ? 0 : 1;
  } finally {
    await db.close();
  }
} catch (err) {
  console.error('ledger check could not run:', err instanceof Error ? err.message : err);
}
process.exit(exitCode);
