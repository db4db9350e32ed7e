/**
 * Ledger transfers per second on PostgreSQL through server/ledger's API
 * (createTransfers), from `clients` concurrent clients, each with its own
 * pooled connection, in a fresh schema of the test database.
 *
 * The shape of the money: `accounts` buyers, each with the balance rule
 * debits_must_not_exceed_credits and funded once from an issuer float, pay
 * random amounts to 100 merchants; every transfer is checked against its
 * buyer's rule in the database. Each call carries `batchSize` transfers (one
 * transaction, one round trip), as TigerBeetle batches its requests; the
 * figure counts transfers created, not calls. After the timed runs the
 * invariant check must pass, or the bench fails.
 */
import { randomInt } from 'node:crypto';
import { ledger, openDatabase, serverTesting } from '../server/index.ts';
import { defer } from './cleanup.ts';
import { log, median } from './report.ts';

export type LedgerTransfersSettings = {
  clients: number;
  batchSize: number;
  durationS: number;
  warmUpS: number;
  runs: number;
  accounts: number;
};

export type LedgerTransfersFigures = {
  /** Median over the runs of transfers created per second. */
  perSecond: number;
  runs: number[];
  callsPerSecond: number;
  refused: number;
};

const MERCHANTS = 100;

export async function benchLedgerTransfers(s: LedgerTransfersSettings): Promise<LedgerTransfersFigures> {
  const schema = await serverTesting.freshPostgres();
  if (!schema.databaseUrl) throw new Error('the ledger-transfers bench needs PostgreSQL');
  const dropSchema = defer('drop the ledger bench schema', () => schema.drop());
  // One pooled connection per client (openDatabase reads the pool size from
  // the environment, as the server does).
  process.env['EDGEPAY_PG_POOL'] = String(s.clients);
  const db = await openDatabase({ databaseUrl: schema.databaseUrl });
  const closeDb = defer('close the ledger bench pool', () => db.close());
  try {
    const t0 = performance.now();
    await ledger.openAccount(db, { id: 'issuer', kind: 'issuer_float', currency: 'KRW' });
    const buyers = Array.from({ length: s.accounts }, (_, i) => `buyer-${i}`);
    const merchants = Array.from({ length: MERCHANTS }, (_, i) => `merchant-${i}`);
    const opening = [
      ...buyers.map((id) => ({ id, kind: 'buyer_funding', currency: 'KRW', rule: 'debits_must_not_exceed_credits' as const })),
      ...merchants.map((id) => ({ id, kind: 'merchant_payable', currency: 'KRW' })),
    ];
    await Promise.all(
      Array.from({ length: s.clients }, async () => {
        for (let a = opening.shift(); a; a = opening.shift()) await ledger.openAccount(db, a);
      }),
    );
    for (let i = 0; i < buyers.length; i += 500) {
      const funded = await ledger.createTransfers(
        db,
        buyers.slice(i, i + 500).map((b) => ({ id: `fund-${b}`, debitAccountId: 'issuer', creditAccountId: b, amount: 1_000_000_000_000, currency: 'KRW', code: 'fund' })),
      );
      if (!funded.every((r) => r.ok)) throw new Error('funding the buyers failed');
    }
    log(`ledger-transfers: ${s.accounts} buyers, ${MERCHANTS} merchants opened and funded in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

    let serial = 0;
    let refused = 0;
    const nextBatch = (): ledger.TransferInput[] =>
      Array.from({ length: s.batchSize }, () => ({
        id: `t-${++serial}`,
        debitAccountId: buyers[randomInt(buyers.length)]!,
        creditAccountId: merchants[randomInt(MERCHANTS)]!,
        amount: 100 + randomInt(100_000),
        currency: 'KRW',
        code: 'capture',
        reference: `payment:bench-${serial}`,
      }));
    const timed = async (seconds: number): Promise<{ transfers: number; calls: number; seconds: number }> => {
      let transfers = 0;
      let calls = 0;
      const start = performance.now();
      const end = start + seconds * 1000;
      await Promise.all(
        Array.from({ length: s.clients }, async () => {
          while (performance.now() < end) {
            const results = await ledger.createTransfers(db, nextBatch());
            calls++;
            for (const r of results) {
              if (r.ok) transfers++;
              else refused++;
            }
          }
        }),
      );
      return { transfers, calls, seconds: (performance.now() - start) / 1000 };
    };
    await timed(s.warmUpS);
    const perRun: number[] = [];
    const callsPerRun: number[] = [];
    for (let run = 1; run <= s.runs; run++) {
      const r = await timed(s.durationS);
      perRun.push(r.transfers / r.seconds);
      callsPerRun.push(r.calls / r.seconds);
      log(`ledger-transfers run ${run}/${s.runs}: ${r.transfers} transfers in ${r.calls} calls in ${r.seconds.toFixed(2)} s = ${(r.transfers / r.seconds).toFixed(0)} transfers/s`);
    }
    const report = await ledger.checkLedgerInvariants(db);
    if (!report.ok) throw new Error(`the ledger invariants failed after the bench: ${JSON.stringify(report.violations.slice(0, 5))}`);
    if (refused > 0) throw new Error(`${refused} bench transfers were refused; every one should fit its buyer's rule`);
    log(`ledger-transfers: invariants hold after ${serial} transfers`);
    return { perSecond: median(perRun), runs: perRun, callsPerSecond: median(callsPerRun), refused };
  } finally {
    await closeDb();
    await dropSchema();
  }
}
