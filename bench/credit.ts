/**
 * `npm run bench -- credit`: pay-later approvals through the PG on PostgreSQL,
 * and two named peers in the same run.
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
 * Figures (DESIGN.md section 8); subjects:
 *   edgepay                 the whole server (bench/credit-server-main.ts)
 *   fastify-pg-transaction  a bare Fastify route doing one PostgreSQL transaction per order
 *                           (the line moved under its row lock, the order stored; nothing
 *                           checked): the floor of this machine and database
 *                           (bench/credit-peer-main.ts), the same load
 *   jose                    the signatures of one approval alone (2 signs + 3 verifies,
 *                           bench/credit-jose.ts), closed loop only
 * Metrics:
 *   approvals  approvals/s  closed loop: BENCH_CONNECTIONS clients each sending the next order
 *                           as soon as the last is answered, for BENCH_DURATION_S; value = median
 *                           over BENCH_RUNS runs; `serverCpuMsPerApproval` (and `eventLoopMs...`,
 *                           its main thread), from /proc: less noisy than the rate when the
 *                           machine is shared
 *   approval   ms + p99     open loop at BENCH_RATE orders/s (default: the rate the payments bench
 *                           reached on this machine, BENCH_PAYMENTS_RATE, else 200/s) for
 *                           BENCH_DURATION_S, latency from each order's scheduled send time (no
 *                           coordinated omission); value p50, p99. Goal (edgepay): p99 < 50 ms.
 * Every edgepay answer must be 201 with the loan `awaiting-buyer`; afterwards the database must
 * hold exactly one loan per answered order and the ledger's invariant check (every loan's hold)
 * must pass; otherwise exit 1 after the figures.
 *
 * Env: BENCH_DURATION_S (default 10), BENCH_RUNS (3), BENCH_CONNECTIONS (20), BENCH_RATE,
 * BENCH_PAYMENTS_RATE, BENCH_BUYERS (200), BENCH_PEERS (1; 0 runs edgepay alone),
 * EDGEPAY_TEST_PG_URL,
 * BENCH_CPU_PROF=<dir> (run the server child with `--cpu-prof --cpu-prof-dir=<dir>`; written on exit),
 * BENCH_SERVER_NODE_ARGS (more node flags for the server child, e.g. `--perf-basic-prof` for `perf`).
 */
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { CompactSign, exportJWK, generateKeyPair } from 'jose';
import { CREDIT_MESSAGE_TYPES, CREDIT_PATHS, type CreditOrderMessage } from '../core/index.ts';
import { openDatabase, serverTesting } from '../server/index.ts';
import { spawnChild, waitForOutput } from './child-process.ts';
import { cleanupAll, defer } from './cleanup.ts';
import { joseFloor } from './credit-jose.ts';
import { load, type LoadResult, type LoadSettings } from './credit-load.ts';
import { emit, log, median, percentile, round } from './report.ts';

const BENCH = 'credit';
const ADMIN = 'bench-credit-admin-' + randomBytes(8).toString('hex');
/** Letters only: a hex key's digit runs can look like a card number to the server's header guard. */
const letters = (n: number) => Array.from(randomBytes(n), (b) => String.fromCharCode(97 + (b % 26))).join('');
const env = (k: string, d: number) => (process.env[k] ? Number(process.env[k]) : d);

async function post(url: string, body: unknown, headers: Record<string, string>, method = 'POST'): Promise<{ status: number; body: any }> {
  const res = await fetch(url, { method, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as any };
}

function report(subject: string, r: LoadResult, s: LoadSettings, extra: Record<string, number>): void {
  emit({
    bench: BENCH,
    subject,
    metric: 'approvals',
    value: round(median(r.perSecond), 1),
    unit: 'approvals/s',
    connections: s.connections,
    durationS: s.durationS,
    runs: s.runs,
    serverCpuMsPerApproval: round(median(r.cpuMsPerApproval), 2),
    eventLoopMsPerApproval: round(median(r.eventLoopMsPerApproval), 2),
    ...extra,
  });
  emit({
    bench: BENCH,
    subject,
    metric: 'approval',
    value: round(median(r.latencies)),
    unit: 'ms',
    p99: round(percentile(r.latencies, 99)),
    rate: s.rate,
    orders: r.latencies.length,
    serverCpuMsPerApproval: round(r.openCpuMsPerApproval, 2),
    ...(subject === 'edgepay' ? { goalP99Ms: 50 } : {}),
  });
}

export async function run(): Promise<number> {
  const durationS = env('BENCH_DURATION_S', 10);
  const runs = env('BENCH_RUNS', 3);
  const connections = env('BENCH_CONNECTIONS', 20);
  const buyers = env('BENCH_BUYERS', 200);
  const rate = env('BENCH_RATE', env('BENCH_PAYMENTS_RATE', 200));
  const peers = env('BENCH_PEERS', 1) !== 0;
  const root = join(import.meta.dirname, '..');
  try {
    if (!(await serverTesting.postgresReachable())) throw new Error('the credit bench needs PostgreSQL (EDGEPAY_TEST_PG_URL)');
    const pg = await serverTesting.freshPostgres();
    defer('drop the bench schema', () => pg.drop());
    const cpuProfDir = process.env.BENCH_CPU_PROF;
    const nodeArgs = [...(cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${resolve(cpuProfDir)}`] : []), ...(process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean)];
    const server = spawnChild('credit server', process.execPath, [...nodeArgs, '--import', 'tsx', join(import.meta.dirname, 'credit-server-main.ts')], {
      cwd: root,
      env: { ...process.env, CREDIT_DATABASE_URL: pg.databaseUrl!, CREDIT_ADMIN_TOKEN: ADMIN },
      killAfterMs: 15_000,
    });
    const url = (await waitForOutput(server, /listening (\S+)/, 'the credit server', 180_000))[1]!;
    log(`server ${url} (pid ${server.child.pid}); ${buyers} buyers, ${connections} connections, ${durationS} s x ${runs} runs, open loop at ${rate}/s`);

    const admin = async (method: string, path: string, body: unknown) => {
      const a = await post(url + path, body, { authorization: 'Bearer ' + ADMIN }, method);
      if (a.status >= 300) throw new Error(`${path}: ${a.status} ${JSON.stringify(a.body)}`);
      return a.body;
    };
    const { merchantId, credential } = await admin('POST', '/admin/merchants', { name: 'Bench mall' });
    const pair = await generateKeyPair('ES256');
    await post(url + CREDIT_PATHS.merchantKey, { jwk: await exportJWK(pair.publicKey) }, { authorization: `Bearer ${credential}` }, 'PUT');
    const buyerIds = Array.from({ length: buyers }, (_, i) => `bench-buyer-${i}`);
    for (const id of buyerIds) await admin('PUT', CREDIT_PATHS.adminBuyer(id), { currency: 'KRW', limit: 1_000_000_000_000, score: 800 });

    let n = 0;
    const sign = async () => {
      const i = n++;
      const m: CreditOrderMessage = {
        merchantId,
        orderRef: 'bench-' + i,
        buyer: { userId: buyerIds[i % buyers]! },
        items: [{ name: 'Bench item', quantity: 1, amount: 10_000 + (i % 7) * 1000 }],
        amount: 10_000 + (i % 7) * 1000,
        currency: 'KRW',
        delivery: { name: 'Bench buyer', address: 'Bench street 1' },
        instalments: 3,
        iat: Math.floor(Date.now() / 1000),
      };
      return new CompactSign(new TextEncoder().encode(JSON.stringify(m))).setProtectedHeader({ alg: 'ES256', typ: CREDIT_MESSAGE_TYPES.order, kid: merchantId }).sign(pair.privateKey);
    };
    const settings: LoadSettings = {
      durationS,
      runs,
      connections,
      rate,
      async presign(count) {
        const out: string[] = [];
        for (let i = 0; i < count; i++) out.push(await sign());
        return out;
      },
    };

    let unexpected = 0;
    const edgepay = await load(
      {
        label: 'edgepay',
        pid: server.child.pid,
        async order(jws) {
          const a = await post(url + CREDIT_PATHS.orders, { message: jws }, { authorization: `Bearer ${credential}`, 'idempotency-key': letters(24) });
          const ok = a.status === 201 && a.body.loan?.state === 'awaiting-buyer';
          if (!ok && unexpected++ < 3) log(`unexpected answer ${a.status}: ${JSON.stringify(a.body).slice(0, 300)}`);
          return ok;
        },
      },
      settings,
    );
    report('edgepay', edgepay, settings, { buyers });
    await server.stop();

    if (peers) {
      // The bare route, on the same database, after the PG's server has stopped.
      const peer = spawnChild('credit peer', process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'credit-peer-main.ts')], {
        cwd: root,
        env: { ...process.env, PEER_DATABASE_URL: pg.databaseUrl! },
      });
      const peerUrl = (await waitForOutput(peer, /listening (\S+)/, 'the credit peer', 180_000))[1]!;
      for (const id of buyerIds) await post(`${peerUrl}/peer/lines/${id}`, { limit: 1_000_000_000_000 }, {}, 'PUT');
      const bare = await load(
        {
          label: 'fastify-pg-transaction',
          pid: peer.child.pid,
          async order(jws) {
            const a = await post(peerUrl + '/peer/orders', { message: jws }, { authorization: `Bearer ${credential}`, 'idempotency-key': letters(24) });
            return a.status === 201 && a.body.loan?.state === 'awaiting-buyer';
          },
        },
        settings,
      );
      report('fastify-pg-transaction', bare, settings, { buyers });
      await peer.stop();

      const perRun: { perSecond: number; cpuMsPerApproval: number }[] = [];
      for (let r = 0; r < runs; r++) {
        const pool = await settings.presign(200);
        perRun.push(await joseFloor(pool, pair.publicKey, { durationS, connections }));
        log(`jose run ${r + 1}: ${perRun.at(-1)!.perSecond.toFixed(1)} approvals' signatures/s, ${perRun.at(-1)!.cpuMsPerApproval.toFixed(2)} ms CPU each`);
      }
      emit({
        bench: BENCH,
        subject: 'jose',
        metric: 'approvals',
        value: round(median(perRun.map((p) => p.perSecond)), 1),
        unit: 'approvals/s',
        connections,
        durationS,
        runs,
        signs: 2,
        verifies: 3,
        cpuMsPerApproval: round(median(perRun.map((p) => p.cpuMsPerApproval)), 2),
      });
    }

    // The books: one loan per answered order, and every loan's hold in the ledger.
    const db = await openDatabase({ databaseUrl: pg.databaseUrl! });
    try {
      const loans = Number((await db.query<{ n: string }>('SELECT count(*)::text AS n FROM credit_loans')).rows[0]!.n);
      const report = await serverTesting.ledgerReport(db);
      // An order whose connection failed may still have been approved: between the answered and all sent.
      if (loans < edgepay.answered || loans > edgepay.answered + edgepay.bad) throw new Error(`${loans} loans stored for ${edgepay.answered} approvals answered (${edgepay.bad} failed)`);
      if (!report.ok)
        throw new Error(
          'ledger invariant violated: ' +
            report.violations
              .slice(0, 3)
              .map((v) => v.message)
              .join('; '),
        );
      if (edgepay.bad > 0) throw new Error(`${edgepay.bad} orders were not approved`);
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
