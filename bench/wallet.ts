/**
 * `npm run bench -- wallet`: the wallet's figures (issue 18).
 *  - Requests to pay on loopback (bench/wallet-requests.ts): a request's
 *    creation to the phone showing it, and the phone's approval to the
 *    requester knowing it, p50/p99 over 500 requests, the approval automated.
 *    Goal: p99 under 50 ms each.
 *  - The money ledger: transfers per second through server/ledger on
 *    PostgreSQL (bench/ledger-transfers.ts) against pgbench's simple-update on
 *    the same PostgreSQL, in the same run. Goal: at least half of pgbench.
 *
 * Lines (DESIGN.md section 8):
 *   edgepay  request-to-phone                                 ms     p50, with p99
 *   edgepay  approval-to-requester                            ms     p50, with p99
 *   edgepay  ledger-transfers                                 per-s  median over the runs
 *   pgbench  simple-update                                    per-s  `pgbench -N` tps
 *   edgepay  ledger-transfers/ratio-to-pgbench-simple-update  x
 *
 * Settings (env):
 *   BENCH_DURATION_S=10          seconds per timed run (and pgbench -T)
 *   BENCH_RUNS=3                 timed ledger runs (one warm-up of min(3, duration) first)
 *   BENCH_CLIENTS=20             concurrent ledger clients = pooled connections = pgbench -c
 *   BENCH_LEDGER_BATCH=10        transfers per createTransfers call (one transaction)
 *   BENCH_LEDGER_ACCOUNTS=1000   buyer accounts
 *   BENCH_REQUESTS=500           timed requests to pay (after 20 untimed)
 *   EDGEPAY_TEST_PG_URL          PostgreSQL (default postgres://postgres@127.0.0.1:5432/test)
 * Use `npm run -s bench -- wallet` (npm prints a banner on stdout without -s).
 */
import { cleanupAll } from './cleanup.ts';
import { benchLedgerTransfers } from './ledger-transfers.ts';
import { findPgbench, pgbenchSimpleUpdate } from './pgbench-simple-update.ts';
import { emit, log, round } from './report.ts';
import { runWalletRequests } from './wallet-requests.ts';

const BENCH = 'wallet';

function intEnv(name: string, fallback: number, min = 1): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new Error(`${name} must be an integer >= ${min}, got ${raw}`);
  return n;
}

export async function run(_args: string[]): Promise<number> {
  const durationS = intEnv('BENCH_DURATION_S', 10);
  const clients = intEnv('BENCH_CLIENTS', 20);
  const settings = {
    clients,
    durationS,
    warmUpS: Math.min(3, durationS),
    runs: intEnv('BENCH_RUNS', 3),
    batchSize: intEnv('BENCH_LEDGER_BATCH', 10),
    accounts: intEnv('BENCH_LEDGER_ACCOUNTS', 1000, 2),
  };
  try {
    // Latency first, on a quiet database: it prints its own two lines.
    const requests = await runWalletRequests({ count: intEnv('BENCH_REQUESTS', 500) });
    for (const [metric, f] of [
      ['request-to-phone', requests.requestToPhone],
      ['approval-to-requester', requests.approvalToRequester],
    ] as const) {
      log(`${metric}: p50 ${f.p50.toFixed(2)} ms, p99 ${f.p99.toFixed(2)} ms over ${f.samples} (${requests.database}; goal p99 < 50 ms)`);
    }
    let ceiling: number | undefined;
    const pgbench = findPgbench();
    if (!pgbench) {
      log('NOTE: pgbench not found (PATH, /usr/bin/pgbench; Debian package postgresql-client): no pgbench figure and no ratio');
    } else {
      ceiling = await pgbenchSimpleUpdate({ pgbench, dbName: 'edgepay_pgbench', clients, threads: 2, seconds: durationS });
      emit({ bench: BENCH, subject: 'pgbench', metric: 'simple-update', value: round(ceiling, 1), unit: 'per-s', clients, threads: 2, durationS, scale: 1 });
    }
    const ledger = await benchLedgerTransfers(settings);
    emit({
      bench: BENCH,
      subject: 'edgepay',
      metric: 'ledger-transfers',
      value: round(ledger.perSecond, 1),
      unit: 'per-s',
      clients,
      batchSize: settings.batchSize,
      callsPerS: round(ledger.callsPerSecond, 1),
      durationS,
      runs: settings.runs,
      accounts: settings.accounts,
    });
    if (ceiling !== undefined) {
      const ratio = ledger.perSecond / ceiling;
      emit({ bench: BENCH, subject: 'edgepay', metric: 'ledger-transfers/ratio-to-pgbench-simple-update', value: round(ratio, 3), unit: 'x', goal: 0.5 });
      log(`ledger-transfers ${ledger.perSecond.toFixed(0)}/s vs pgbench simple-update ${ceiling.toFixed(0)}/s: ${ratio.toFixed(2)}x (goal >= 0.5x)`);
    }
    return 0;
  } finally {
    await cleanupAll();
  }
}
