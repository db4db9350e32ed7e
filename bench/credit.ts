/**
 * `npm run bench -- credit`: pay-later approvals through the PG on PostgreSQL.
 *
 * An approval is one `POST /v1/credit/orders` answered: the merchant's JWS
 * checked, the PG's signed request to the sandbox institution, its score and
 * its hold on the buyer's credit line in the money ledger (the balance rule
 * under the line's row lock), its signed decision checked, the loan stored
 * (sealed), and the buyer's request to pay created. Orders are signed before
 * the clock starts (the merchant's cost, not ours), spread over BENCH_BUYERS
 * buyers with large limits (one buyer's orders serialise on their line, by
 * design).
 *
 * Figures (DESIGN.md section 8), subject `edgepay`:
 *   approvals  approvals/s  closed loop: BENCH_CONNECTIONS clients each sending the next order
 *                           as soon as the last is answered, for BENCH_DURATION_S; value = median
 *                           over BENCH_RUNS runs
 *   approval   ms + p99     open loop at BENCH_RATE orders/s (default: the rate the payments bench
 *                           reached on this machine, BENCH_PAYMENTS_RATE, else 200/s) for
 *                           BENCH_DURATION_S, latency from each order's scheduled send time (no
 *                           coordinated omission); value p50, p99. Goal: p99 < 50 ms.
 * Every answer must be 201 with the loan `awaiting-buyer`; afterwards the database must hold
 * exactly one loan per answered order and the ledger's invariant check (every loan's hold)
 * must pass; otherwise exit 1 after the figures.
 *
 * Each closed-loop run also logs the server process's CPU time per approval (from /proc: less
 * noisy than the rate on a shared machine); the figure `approvals` carries its median as
 * `serverCpuMsPerApproval`.
 *
 * Env: BENCH_DURATION_S (default 10), BENCH_RUNS (3), BENCH_CONNECTIONS (20), BENCH_RATE,
 * BENCH_PAYMENTS_RATE, BENCH_BUYERS (200), EDGEPAY_TEST_PG_URL,
 * BENCH_CPU_PROF=<dir> (run the server child with `--cpu-prof --cpu-prof-dir=<dir>`; written on exit).
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { CompactSign, exportJWK, generateKeyPair } from 'jose';
import { CREDIT_MESSAGE_TYPES, CREDIT_PATHS, type CreditOrderMessage } from '../core/index.ts';
import { openDatabase, serverTesting } from '../server/index.ts';
import { spawnChild, waitForOutput } from './child-process.ts';
import { cleanupAll, defer } from './cleanup.ts';
import { emit, log, median, percentile, round } from './report.ts';

const BENCH = 'credit';
const ADMIN = 'bench-credit-admin-' + randomBytes(8).toString('hex');
/** Letters only: a hex key's digit runs can look like a card number to the server's header guard. */
const letters = (n: number) => Array.from(randomBytes(n), (b) => String.fromCharCode(97 + (b % 26))).join('');
const env = (k: string, d: number) => (process.env[k] ? Number(process.env[k]) : d);

/**
 * CPU time (user + system, ms) of a process from /proc (Linux; clock ticks taken as 100/s), or
 * NaN; with `mainThread`, of its main thread only (the event loop; the rest is libuv's pool,
 * where WebCrypto's signatures run, and the garbage collector's threads).
 */
function processCpuMs(pid: number | undefined, mainThread = false): number {
  try {
    const stat = readFileSync(mainThread ? `/proc/${pid}/task/${pid}/stat` : `/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return Number.NaN;
  }
}

export async function run(): Promise<number> {
  const durationS = env('BENCH_DURATION_S', 10);
  const runs = env('BENCH_RUNS', 3);
  const connections = env('BENCH_CONNECTIONS', 20);
  const buyers = env('BENCH_BUYERS', 200);
  const rate = env('BENCH_RATE', env('BENCH_PAYMENTS_RATE', 200));
  try {
    if (!(await serverTesting.postgresReachable())) throw new Error('the credit bench needs PostgreSQL (EDGEPAY_TEST_PG_URL)');
    const pg = await serverTesting.freshPostgres();
    defer('drop the bench schema', () => pg.drop());
    const cpuProfDir = process.env.BENCH_CPU_PROF;
    const profile = cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${resolve(cpuProfDir)}`] : [];
    const server = spawnChild('credit server', process.execPath, [...profile, '--import', 'tsx', join(import.meta.dirname, 'credit-server-main.ts')], {
      cwd: join(import.meta.dirname, '..'),
      env: { ...process.env, CREDIT_DATABASE_URL: pg.databaseUrl!, CREDIT_ADMIN_TOKEN: ADMIN },
      killAfterMs: 15_000,
    });
    const url = (await waitForOutput(server, /listening (\S+)/, 'the credit server'))[1]!;
    log(`server ${url}; ${buyers} buyers, ${connections} connections, ${durationS} s x ${runs} runs, open loop at ${rate}/s`);

    const call = async (method: string, path: string, body: unknown, headers: Record<string, string>) => {
      const res = await fetch(url + path, { method, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
      const json = (await res.json()) as any;
      return { status: res.status, body: json };
    };
    const admin = async (method: string, path: string, body: unknown) => {
      const a = await call(method, path, body, { authorization: 'Bearer ' + ADMIN });
      if (a.status >= 300) throw new Error(`${path}: ${a.status} ${JSON.stringify(a.body)}`);
      return a.body;
    };
    const { merchantId, credential } = await admin('POST', '/admin/merchants', { name: 'Bench mall' });
    const pair = await generateKeyPair('ES256');
    await call('PUT', CREDIT_PATHS.merchantKey, { jwk: await exportJWK(pair.publicKey) }, { authorization: `Bearer ${credential}` });
    const buyerIds = Array.from({ length: buyers }, (_, i) => `bench-buyer-${i}`);
    for (const id of buyerIds) await admin('PUT', CREDIT_PATHS.adminBuyer(id), { currency: 'KRW', limit: 1_000_000_000_000, score: 800 });

    let n = 0;
    const sign = async () => {
      const i = n++;
      const m: CreditOrderMessage = {
        merchantId, orderRef: 'bench-' + i, buyer: { userId: buyerIds[i % buyers]! }, items: [{ name: 'Bench item', quantity: 1, amount: 10_000 + (i % 7) * 1000 }],
        amount: 10_000 + (i % 7) * 1000, currency: 'KRW', delivery: { name: 'Bench buyer', address: 'Bench street 1' }, instalments: 3, iat: Math.floor(Date.now() / 1000),
      };
      return new CompactSign(new TextEncoder().encode(JSON.stringify(m))).setProtectedHeader({ alg: 'ES256', typ: CREDIT_MESSAGE_TYPES.order, kid: merchantId }).sign(pair.privateKey);
    };
    const presign = async (count: number) => {
      const out: string[] = [];
      for (let i = 0; i < count; i++) out.push(await sign());
      return out;
    };
    let bad = 0;
    let answered = 0;
    const order = async (jws: string) => {
      const a = await call('POST', CREDIT_PATHS.orders, { message: jws }, { authorization: `Bearer ${credential}`, 'idempotency-key': letters(24) });
      if (a.status !== 201 || a.body.loan?.state !== 'awaiting-buyer') {
        if (bad++ < 3) log(`unexpected answer ${a.status}: ${JSON.stringify(a.body).slice(0, 300)}`);
      } else answered++;
    };

    // Closed loop: approvals per second.
    const perRun: number[] = [];
    const cpuPerApproval: number[] = [];
    for (let r = 0; r <= runs; r++) {
      const warm = r === 0;
      const seconds = warm ? Math.min(3, durationS) : durationS;
      const pool = await presign(Math.ceil(seconds * 400) + connections);
      let next = 0;
      let done = 0;
      const cpu0 = processCpuMs(server.child.pid);
      const main0 = processCpuMs(server.child.pid, true);
      const start = performance.now();
      const end = start + seconds * 1000;
      await Promise.all(
        Array.from({ length: connections }, async () => {
          while (performance.now() < end && next < pool.length) {
            await order(pool[next++]!);
            done++;
          }
        }),
      );
      const perSecond = done / ((performance.now() - start) / 1000);
      const cpuMs = (processCpuMs(server.child.pid) - cpu0) / done;
      const mainMs = (processCpuMs(server.child.pid, true) - main0) / done;
      if (!warm) {
        perRun.push(perSecond);
        cpuPerApproval.push(cpuMs);
      }
      log(`${warm ? 'warm-up' : `run ${r}`}: ${done} approvals, ${perSecond.toFixed(1)}/s, server CPU ${cpuMs.toFixed(2)} ms per approval (event loop ${mainMs.toFixed(2)})`);
    }

    // Open loop at the given rate: latency from each order's scheduled time.
    const count = Math.round(rate * durationS);
    const pool = await presign(count);
    const latencies: number[] = [];
    const t0 = performance.now() + 50;
    await Promise.all(
      pool.map(async (jws, i) => {
        const at = t0 + (i * 1000) / rate;
        const wait = at - performance.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        await order(jws);
        latencies.push(performance.now() - at);
      }),
    );
    log(`open loop: ${count} orders at ${rate}/s, p50 ${median(latencies).toFixed(1)} ms, p99 ${percentile(latencies, 99).toFixed(1)} ms`);

    emit({ bench: BENCH, subject: 'edgepay', metric: 'approvals', value: round(median(perRun), 1), unit: 'approvals/s', connections, durationS, runs, buyers, serverCpuMsPerApproval: round(median(cpuPerApproval), 2) });
    emit({ bench: BENCH, subject: 'edgepay', metric: 'approval', value: round(median(latencies)), unit: 'ms', p99: round(percentile(latencies, 99)), rate, orders: count, goalP99Ms: 50 });

    // The books: one loan per answered order, and every loan's hold in the ledger.
    const db = await openDatabase({ databaseUrl: pg.databaseUrl! });
    try {
      const loans = Number((await db.query<{ n: string }>('SELECT count(*)::text AS n FROM credit_loans')).rows[0]!.n);
      const report = await serverTesting.ledgerReport(db);
      if (loans !== answered) throw new Error(`${loans} loans stored for ${answered} approvals answered`);
      if (!report.ok) throw new Error('ledger invariant violated: ' + report.violations.slice(0, 3).map((v) => v.message).join('; '));
      if (bad > 0) throw new Error(`${bad} orders were not approved`);
      log(`checked: ${loans} loans, ledger invariants hold (${report.checked.join(', ')})`);
    } finally {
      await db.close();
    }
    return 0;
  } catch (err) {
    log(err instanceof Error ? (err.stack ?? err.message) : String(err));
    return 1;
  } finally {
    await cleanupAll();
  }
}
