/**
 * `npm run bench -- payments`: online payments per second through the
 * central server's payment authority on PostgreSQL, against the ceiling of
 * the same PostgreSQL, pgbench's built-in simple-update, in one run.
 *
 * Figures (one JSON line each, DESIGN.md section 8):
 *   edgepay-postgres  payments      payments/s  `POST /payments/authorise` driven by autocannon
 *                                               (programmatic API, keep-alive, pipelining 1): every
 *                                               request a fresh valid payment (status 'created',
 *                                               approving sandbox token) with its own idempotency key,
 *                                               spread round-robin over the enrolled gateways. Counted:
 *                                               responses 200 with the payment `captured`, per second of
 *                                               the run; value = median over the runs
 *   edgepay-postgres  latency       ms + p99    request → response of those requests (taken in the
 *                                               setupRequest/onResponse hooks, pipelining 1), pooled
 *                                               over the timed runs: value p50, p99
 *   pgbench           simple-update tps         `pgbench -N` (built-in simple-update script) in a
 *                                               fresh database, same client count and duration as one
 *                                               run above; `tps = ...` from its output
 *   edgepay-postgres  payments/ratio-to-pgbench-simple-update  x
 * Extra fields say what was run: connections, duration per run, runs, gateways/sites, the
 * sandbox acquirer's simulated latency (`acquirerLatencyMs`, default 0..0 so that the figure is
 * our server's, not a simulated network's).
 *
 * The server runs as a child process (`server/cli.ts`, i.e. startServer(), as in production),
 * so that it does not share an event loop with the load generator; on a fresh PostgreSQL schema,
 * dropped at the end. One untimed warm-up run comes first. Afterwards the payments whose
 * responses autocannon dropped at the end of a run (in flight when the clock ran out) are sent
 * again with the same key and body (the idempotent answer), and the database is checked: the
 * captured payments in PostgreSQL must be exactly the successful responses (same ids), each with
 * one acquirer authorisation, one acquirer capture and one `payment.captured` audit entry.
 * Anything else (a lost or double payment, a non-200 answer) fails the bench (exit 1) after the
 * figures are printed.
 *
 * Settings (env):
 *   BENCH_DURATION_S=<s>        seconds per timed run (default 10; warm-up min(3, this))
 *   BENCH_RUNS=<n>              timed runs (default 3)
 *   BENCH_CONNECTIONS=<n>       concurrent HTTP connections = pgbench clients (default 20)
 *   BENCH_SITES=<n>             gateways enrolled, one per site (default 4)
 *   BENCH_ACQUIRER_LATENCY_MS=<min>,<max>   the sandbox acquirer's simulated latency (default 0,0)
 *   BENCH_SERVERS=<n>           server processes on the one database (default 1); autocannon spreads the
 *                               connections over them, the CPU line sums them
 * Issue 24's figures: the default (20 connections), BENCH_CONNECTIONS=200, BENCH_ACQUIRER_LATENCY_MS=30,120
 * (then bounded by concurrency: connections / latency), BENCH_SERVERS=2 (against BENCH_SERVERS=1 in the same
 * conditions).
 *   BENCH_CPU_PROF=<dir>        run the server child with `--cpu-prof --cpu-prof-dir=<dir>`
 *   BENCH_PG_WAITS=1            sample pg_stat_activity during each timed run (pg-waits.ts) and log what
 *                               the servers' backends did: CPU, lock waits, WAL flushes, waiting for us
 *   EDGEPAY_TEST_PG_URL         PostgreSQL (default postgres://postgres@127.0.0.1:5432/test)
 * pgbench is looked up on PATH, then /usr/bin/pgbench; if absent, the pgbench figure and the
 * ratio are skipped with a note on stderr.
 *
 * Use `npm run -s bench -- payments` (npm prints a banner on stdout without -s).
 * Cleanup, also on failure and on SIGINT/SIGTERM: the server child stopped, the schema and the
 * pgbench database dropped.
 */
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import type { default as Autocannon, Result as AutocannonResult } from 'autocannon';
import pg from 'pg';
import { findCardDataPath, uuidV7, type PaymentDoc } from '../core/index.ts';
import { serverTesting } from '../server/index.ts';
import { emit, log, median, percentile, round } from './report.ts';
import { benchPeers } from './peers.ts';

/** autocannon, installed on first use into the bench peers' cache (bench/peers.ts), loaded by run(). */
let autocannon: typeof Autocannon;
import { cleanupAll, defer } from './cleanup.ts';
import { spawnChild, waitForOutput, type Spawned } from './child-process.ts';
import { findPgbench, pgbenchSimpleUpdate } from './pgbench-simple-update.ts';
import { describeWaits, sampleWaits } from './pg-waits.ts';

const { freshPostgres, TEST_PG_URL } = serverTesting;

const BENCH = 'payments';
const ADMIN = 'bench-payments-admin-token-0123456789';
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const AUTHORISE = '/payments/authorise';

// ---------------------------------------------------------------- helpers

function intEnv(name: string, fallback: number, min = 1): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new Error(`${name} must be an integer >= ${min}, got '${raw}'`);
  return n;
}

function latencyEnv(): [number, number] {
  const raw = process.env['BENCH_ACQUIRER_LATENCY_MS'];
  if (raw === undefined || raw === '') return [0, 0];
  const parts = raw.split(',').map(Number);
  if (parts.length !== 2 || !parts.every((n) => Number.isFinite(n) && n >= 0) || parts[0]! > parts[1]!) {
    throw new Error(`BENCH_ACQUIRER_LATENCY_MS must be '<min>,<max>' in ms, got '${raw}'`);
  }
  return parts as [number, number];
}

function describeError(err: unknown): string {
  return err instanceof Error ? (err.stack ?? err.message) : String(err);
}

// ---------------------------------------------------------------- EdgePay

type Gateway = { gatewayId: string; siteId: string; credential: string };

async function startEdgePayServer(databaseUrl: string, latencyMs: [number, number], cpuProfDir: string | undefined): Promise<{ url: string; spawned: Spawned }> {
  const profile = cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${resolve(cpuProfDir)}`] : [];
  const spawned = spawnChild('edgepay server', process.execPath, [...profile, '--import', 'tsx', join(ROOT, 'server', 'cli.ts')], {
    cwd: ROOT,
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      HOST: '127.0.0.1',
      PORT: '0',
      EDGEPAY_ADMIN_TOKEN: ADMIN,
      EDGEPAY_PRINT_URL: '1',
      EDGEPAY_SANDBOX_LATENCY_MS: latencyMs.join(','),
      LOG_LEVEL: 'warn',
    },
    // A payments server may hold a CPU profile to write on SIGTERM.
    killAfterMs: 10_000,
  });
  // Up to 3 minutes: on a machine shared with other work, tsx's first compile and the migrations can take over one.
  const m = await waitForOutput(spawned, /EDGEPAY_SERVER_URL=(\S+)/, 'the EdgePay server', 180_000);
  return { url: m[1]!, spawned };
}

async function enrol(serverUrl: string, siteId: string): Promise<Gateway> {
  const res = await fetch(`${serverUrl}/admin/gateways`, {
    method: 'POST',
    headers: { authorization: 'Bearer ' + ADMIN, 'content-type': 'application/json' },
    body: JSON.stringify({ siteId, name: 'bench kiosk' }),
  });
  const text = await res.text();
  if (res.status !== 201) throw new Error(`enrolment failed: ${res.status} ${text}`);
  return JSON.parse(text) as Gateway;
}

/** UUIDv7 ids that core's card-number detector takes for a PAN (see `idsRedrawn`), redrawn. */
let idsRedrawn = 0;

/** A UUIDv7 the server will accept as a payment id (see `idsRedrawn`). */
function acceptedId(): string {
  for (;;) {
    const id = uuidV7();
    if (findCardDataPath(id) === undefined) return id;
    idsRedrawn++;
  }
}

/** A valid online payment as a kiosk submits it: status 'created', an approving sandbox token. */
function payment(gw: Gateway, n: number): PaymentDoc {
  const createdAt = new Date().toISOString();
  // Whole hundreds: never an amount ending in 77 (the sandbox declines those).
  const amount = 1000 + (n % 400) * 100;
  return {
    id: acceptedId(),
    siteId: gw.siteId,
    gatewayId: gw.gatewayId,
    flow: 'kiosk',
    amount,
    currency: 'KRW',
    method: 'card-terminal',
    lineItems: [{ name: 'Lunch box', quantity: 1, unitAmount: amount, lineAmount: amount }],
    cardDisplay: { bin: '411111', last4: '1111', brand: 'visa' },
    token: `tok_test_approve_b${n}`,
    createdAt,
    offline: false,
    status: 'created',
    statusHistory: [{ status: 'created', at: createdAt, by: 'gateway' }],
  };
}

type Sent = { gw: Gateway; body: string; at: number };

/** What the load generator saw, across all runs. */
class Ledger {
  /** Sent, no response yet (or a response autocannon dropped). */
  readonly outstanding = new Map<string, Sent>();
  /** Ids answered 200 with the payment captured. */
  readonly captured = new Set<string>();
  /** Answers that were not a 200 captured payment (first few kept for the log). */
  failures = 0;
  readonly failureSamples: string[] = [];
  duplicates = 0;

  fail(what: string): void {
    this.failures++;
    if (this.failureSamples.length < 5) this.failureSamples.push(what.slice(0, 300));
  }

  /** Records a response; returns the payment id if it was a new captured payment. */
  answer(status: number, body: string): string | undefined {
    let parsed: { payment?: { id?: unknown; status?: unknown } } | undefined;
    try {
      parsed = JSON.parse(body) as typeof parsed;
    } catch {
      this.fail(`${status} (not JSON) ${body}`);
      return undefined;
    }
    const id = parsed?.payment?.id;
    if (status !== 200 || typeof id !== 'string' || parsed?.payment?.status !== 'captured') {
      this.fail(`${status} ${body}`);
      return undefined;
    }
    if (this.captured.has(id)) {
      this.duplicates++;
      return undefined;
    }
    this.captured.add(id);
    return id;
  }
}

/** CPU time (user + system, ms) of a process from /proc (Linux; clock ticks taken as 100/s), or undefined. */
function processCpuMs(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return undefined;
  }
}

/** CPU time of all the server processes, or undefined if one cannot be read. */
function sumCpuMs(pids: (number | undefined)[]): number | undefined {
  let sum = 0;
  for (const pid of pids) {
    const ms = processCpuMs(pid);
    if (ms === undefined) return undefined;
    sum += ms;
  }
  return sum;
}

type RunResult = { seconds: number; captured: number; latencies: number[]; autocannon: AutocannonResult; serverCpuMs?: number; loadCpuMs: number };

async function loadRun(urls: string[], serverPids: (number | undefined)[], gateways: Gateway[], ledger: Ledger, counter: { n: number }, connections: number, seconds: number): Promise<RunResult> {
  const latencies: number[] = [];
  let captured = 0;
  const serverCpu0 = sumCpuMs(serverPids);
  const loadCpu0 = process.cpuUsage();
  const started = performance.now();
  const result = await autocannon({
    // Several server processes: autocannon spreads the connections over them.
    // (autocannon takes an array of URLs; its types say string.)
    url: (urls.length === 1 ? urls[0]! : urls) as string,
    connections,
    duration: seconds,
    pipelining: 1,
    timeout: 30,
    requests: [
      {
        method: 'POST',
        path: AUTHORISE,
        // Called just before each request is written (pipelining 1): a fresh payment and key.
        setupRequest: (req, context) => {
          const n = counter.n++;
          const gw = gateways[n % gateways.length]!;
          const p = payment(gw, n);
          const body = JSON.stringify({ payment: p });
          ledger.outstanding.set(p.id, { gw, body, at: performance.now() });
          // One request in flight per connection (pipelining 1): its context names it for onResponse.
          context['id'] = p.id;
          req.headers = { authorization: 'Bearer ' + gw.credential, 'content-type': 'application/json', 'idempotency-key': p.id };
          req.body = body;
          return req;
        },
        onResponse: (status, body, context) => {
          const sentId = typeof context['id'] === 'string' ? context['id'] : undefined;
          const sent = sentId === undefined ? undefined : ledger.outstanding.get(sentId);
          // Answered (captured or refused): not sent again after the run.
          if (sentId !== undefined) ledger.outstanding.delete(sentId);
          const id = ledger.answer(status, body);
          if (id === undefined) return;
          ledger.outstanding.delete(id);
          if (sent && id === sentId) latencies.push(performance.now() - sent.at);
          captured++;
        },
      },
    ],
  });
  const elapsed = (performance.now() - started) / 1000;
  const loadCpu = process.cpuUsage(loadCpu0);
  const serverCpu1 = sumCpuMs(serverPids);
  return {
    seconds: elapsed,
    captured,
    latencies,
    autocannon: result,
    ...(serverCpu0 !== undefined && serverCpu1 !== undefined ? { serverCpuMs: serverCpu1 - serverCpu0 } : {}),
    loadCpuMs: (loadCpu.user + loadCpu.system) / 1000,
  };
}

/** Sends again (same key, same body) what got no answer during a run: in flight when it ended. */
async function settleOutstanding(url: string, ledger: Ledger, concurrency: number): Promise<number> {
  const pending = [...ledger.outstanding.entries()];
  let next = 0;
  const worker = async () => {
    while (next < pending.length) {
      const [id, sent] = pending[next++]!;
      const res = await fetch(url + AUTHORISE, {
        method: 'POST',
        headers: { authorization: 'Bearer ' + sent.gw.credential, 'content-type': 'application/json', 'idempotency-key': id },
        body: sent.body,
        signal: AbortSignal.timeout(60_000),
      });
      ledger.answer(res.status, await res.text());
      ledger.outstanding.delete(id);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, pending.length) }, worker));
  return pending.length;
}

/** The database must hold exactly the captured payments the load generator was told about. */
async function verify(databaseUrl: string, ledger: Ledger): Promise<string[]> {
  const problems: string[] = [];
  const c = new pg.Client({ connectionString: databaseUrl });
  await c.connect();
  try {
    const statuses = (await c.query<{ status: string; n: string }>("SELECT data->>'status' AS status, COUNT(*) AS n FROM documents WHERE collection = 'payments' GROUP BY 1 ORDER BY 1")).rows;
    const ids = new Set((await c.query<{ id: string }>("SELECT id FROM documents WHERE collection = 'payments' AND data->>'status' = 'captured'")).rows.map((r) => r.id));
    const acquirer = (await c.query<{ operation: string; n: string }>('SELECT operation, COUNT(*) AS n FROM sandbox_acquirer_transactions GROUP BY 1')).rows;
    const audit = (await c.query<{ n: string; payments: string }>("SELECT COUNT(*) AS n, COUNT(DISTINCT payment_id) AS payments FROM audit_log WHERE action = 'payment.captured'")).rows[0]!;
    const op = (name: string) => Number(acquirer.find((r) => r.operation === name)?.n ?? 0);
    log(
      `verify: payments in PostgreSQL by status ${statuses.map((r) => `${r.status}=${r.n}`).join(', ') || '(none)'}; ` +
        `acquirer authorisations ${op('authorise')}, captures ${op('capture')}; audit payment.captured ${audit.n} ` +
        `(${audit.payments} payments); successful responses ${ledger.captured.size}`,
    );
    const others = statuses.filter((r) => r.status !== 'captured');
    if (others.length > 0) problems.push(`payments not captured: ${others.map((r) => `${r.status}=${r.n}`).join(', ')}`);
    const lost = [...ledger.captured].filter((id) => !ids.has(id));
    const unanswered = [...ids].filter((id) => !ledger.captured.has(id));
    if (lost.length > 0) problems.push(`${lost.length} payments answered captured but not captured in the database (e.g. ${lost[0]})`);
    if (unanswered.length > 0) problems.push(`${unanswered.length} payments captured in the database without a successful response (e.g. ${unanswered[0]})`);
    for (const [what, n] of [
      ['acquirer authorisations', op('authorise')],
      ['acquirer captures', op('capture')],
      ['payment.captured audit entries', Number(audit.n)],
      ['payments with a payment.captured audit entry', Number(audit.payments)],
    ] as const) {
      if (n !== ids.size) problems.push(`${what}: ${n}, captured payments: ${ids.size}`);
    }
  } finally {
    await c.end();
  }
  if (ledger.duplicates > 0) problems.push(`${ledger.duplicates} payments answered captured more than once`);
  if (ledger.failures > 0) problems.push(`${ledger.failures} answers were not a captured payment, e.g. ${ledger.failureSamples.join(' | ')}`);
  return problems;
}

type EdgePayFigures = { rates: number[]; latencies: number[]; problems: string[] };

async function benchEdgePay(settings: Settings): Promise<EdgePayFigures> {
  const database = await freshPostgres();
  const drop = defer('drop the PostgreSQL schema', () => database.drop());
  try {
    if (database.label !== 'postgres' || !database.databaseUrl) throw new Error(`PostgreSQL is not reachable at ${TEST_PG_URL}`);
    const servers: { url: string; spawned: Spawned }[] = [];
    const stopServers = async () => {
      for (const s of servers) await s.spawned.stop();
    };
    try {
      // One after the other: the first runs the migrations (the others would wait on its advisory lock anyway).
      // The servers' connections carry an application_name, so that the wait sampler finds them in the shared database.
      const appName = 'edgepay-bench-' + randomBytes(3).toString('hex');
      const serverUrl = new URL(database.databaseUrl);
      serverUrl.searchParams.set('application_name', appName);
      for (let i = 0; i < settings.servers; i++) servers.push(await startEdgePayServer(serverUrl.toString(), settings.latencyMs, settings.cpuProfDir));
      const urls = servers.map((s) => s.url);
      const pids = servers.map((s) => s.spawned.child.pid);
      log(`edgepay-postgres: ${servers.length} server process(es) (child pid ${pids.join(', ')}) at ${urls.join(', ')}, fresh schema in ${TEST_PG_URL}`);
      const suffix = randomBytes(3).toString('hex');
      const gateways: Gateway[] = [];
      for (let i = 0; i < settings.sites; i++) gateways.push(await enrol(urls[0]!, `bench-pay-${suffix}-${i}`));
      log(`edgepay-postgres: ${gateways.length} gateway(s), one per site`);
      const ledger = new Ledger();
      const counter = { n: 0 };
      const rates: number[] = [];
      const latencies: number[] = [];
      const runs = [{ label: 'warm-up', seconds: settings.warmUpS }, ...Array.from({ length: settings.runs }, (_, i) => ({ label: `run ${i + 1}`, seconds: settings.durationS }))];
      for (const [i, r] of runs.entries()) {
        const sampler = settings.pgWaits && i > 0 ? sampleWaits(TEST_PG_URL, appName) : undefined;
        const res = await loadRun(urls, pids, gateways, ledger, counter, settings.connections, r.seconds);
        if (sampler) for (const line of describeWaits(await sampler.stop())) log('  ' + line);
        const rate = res.captured / res.seconds;
        const ac = res.autocannon;
        const resent = await settleOutstanding(urls[0]!, ledger, settings.connections);
        log(
          `edgepay-postgres ${r.label}: ${res.captured} captured in ${res.seconds.toFixed(2)} s = ${rate.toFixed(1)} payments/s; ` +
            `p50 ${res.latencies.length ? median(res.latencies).toFixed(1) : '-'} ms, p99 ${res.latencies.length ? percentile(res.latencies, 99).toFixed(1) : '-'} ms ` +
            `(autocannon: ${ac.requests.total} responses, non2xx ${ac.non2xx}, errors ${ac.errors}, timeouts ${ac.timeouts}, ` +
            `p50 ${ac.latency.p50} ms, p99 ${ac.latency.p99} ms); ${resent} in flight at the end sent again`,
        );
        const perPayment = (ms: number) => (res.captured > 0 ? `${(ms / res.captured).toFixed(2)} ms per payment, ` : '');
        log(
          `  CPU: server ${res.serverCpuMs === undefined ? 'n/a' : `${perPayment(res.serverCpuMs)}${((100 * res.serverCpuMs) / (res.seconds * 1000)).toFixed(0)}% of one core`}; ` +
            `load generator ${perPayment(res.loadCpuMs)}${((100 * res.loadCpuMs) / (res.seconds * 1000)).toFixed(0)}% of one core`,
        );
        if (i === 0) continue; // warm-up
        rates.push(rate);
        latencies.push(...res.latencies);
      }
      if (idsRedrawn > 0) {
        log(
          `NOTE: ${idsRedrawn} of ${counter.n + idsRedrawn} generated UUIDv7 payment ids were redrawn: core's card-number detector ` +
            `(findCardDataPath) takes them for a PAN (a 13+ digit Luhn-valid run across the last groups) and the server refuses them ` +
            `with CARD_DATA_REFUSED`,
        );
      }
      const problems = await verify(database.databaseUrl, ledger);
      if (problems.length === 0) {
        log(`verify: OK: ${ledger.captured.size} captured payments in PostgreSQL = ${ledger.captured.size} successful responses (same ids); no lost or double payments`);
      } else {
        for (const p of problems) log(`verify: FAILED: ${p}`);
        for (const s of servers) {
          const tail = s.spawned.output().slice(-2000);
          if (tail) log(`server output (tail):\n${tail}`);
        }
      }
      return { rates, latencies, problems };
    } finally {
      await stopServers();
      if (settings.cpuProfDir) log(`edgepay-postgres: server CPU profile written to ${resolve(settings.cpuProfDir)}`);
    }
  } finally {
    await drop();
  }
}

// ---------------------------------------------------------------- pgbench

/**
 * pgbench opens one PostgreSQL connection per client: past PGBENCH_MAX_CLIENTS (50, half of
 * PostgreSQL's default max_connections of 100, which the other tests share) it runs with that many.
 * EdgePay's 200 HTTP connections need no more than its pool (EDGEPAY_PG_POOL per process).
 */
const PGBENCH_MAX_CLIENTS = 50;
function pgbenchClients(connections: number): number {
  return Math.min(connections, PGBENCH_MAX_CLIENTS);
}

/** The shared runner (pgbench-simple-update.ts), in a scratch database of its own. */
function benchPgbench(pgbench: string, settings: Settings): Promise<number> {
  const clients = pgbenchClients(settings.connections);
  return pgbenchSimpleUpdate({
    pgbench,
    dbName: 'edgepay_pgbench_' + randomBytes(4).toString('hex'),
    clients,
    threads: Math.max(1, Math.min(clients, availableParallelism())),
    seconds: settings.durationS,
  });
}

// ---------------------------------------------------------------- run

type Settings = {
  durationS: number;
  warmUpS: number;
  runs: number;
  connections: number;
  sites: number;
  latencyMs: [number, number];
  cpuProfDir: string | undefined;
  servers: number;
  pgWaits: boolean;
};

export async function run(_args: string[]): Promise<number> {
  autocannon = (await benchPeers(['autocannon']))('autocannon') as typeof Autocannon;
  const durationS = intEnv('BENCH_DURATION_S', 10);
  const settings: Settings = {
    durationS,
    warmUpS: Math.min(3, durationS),
    runs: intEnv('BENCH_RUNS', 3),
    connections: intEnv('BENCH_CONNECTIONS', 20),
    sites: intEnv('BENCH_SITES', 4),
    latencyMs: latencyEnv(),
    cpuProfDir: process.env['BENCH_CPU_PROF'] || undefined,
    servers: intEnv('BENCH_SERVERS', 1),
    pgWaits: process.env['BENCH_PG_WAITS'] === '1',
  };
  const acquirerLatencyMs = `${settings.latencyMs[0]}..${settings.latencyMs[1]}`;
  log(
    `payments bench: ${settings.runs} run(s) of ${durationS} s after a ${settings.warmUpS} s warm-up, ${settings.connections} connections, ` +
      `${settings.sites} gateway(s)/site(s), ${settings.servers} server process(es), sandbox acquirer latency ${acquirerLatencyMs} ms; ` +
      'pgbench -N with the same clients and duration',
  );

  let exitCode = 0;
  let ours: number | undefined;
  let ceiling: number | undefined;
  let pgbench: string | undefined;
  try {
    // ---- the ceiling: pgbench simple-update on the same PostgreSQL
    pgbench = findPgbench();
    if (pgbench === undefined) {
      log('NOTE: pgbench not found (PATH, /usr/bin/pgbench; Debian package postgresql-client): skipping the pgbench figure and the ratio');
    } else {
      try {
        ceiling = await benchPgbench(pgbench, settings);
        emit({ bench: BENCH, subject: 'pgbench', metric: 'simple-update', value: round(ceiling, 1), unit: 'tps', clients: pgbenchClients(settings.connections), durationS, scale: 1 });
      } catch (err) {
        exitCode = 1;
        log(`ERROR: pgbench failed: ${describeError(err)}`);
      }
    }

    // ---- EdgePay's payment authority on the same PostgreSQL
    try {
      const figures = await benchEdgePay(settings);
      const common = { connections: settings.connections, durationS, runs: settings.runs, sites: settings.sites, servers: settings.servers, acquirerLatencyMs };
      ours = median(figures.rates);
      emit({ bench: BENCH, subject: 'edgepay-postgres', metric: 'payments', value: round(ours, 1), unit: 'payments/s', ...common });
      if (figures.latencies.length > 0) {
        emit({
          bench: BENCH,
          subject: 'edgepay-postgres',
          metric: 'latency',
          value: round(median(figures.latencies)),
          unit: 'ms',
          p99: round(percentile(figures.latencies, 99)),
          requests: figures.latencies.length,
          ...common,
        });
      }
      if (figures.problems.length > 0) exitCode = 1;
    } catch (err) {
      exitCode = 1;
      log(`ERROR: edgepay-postgres failed: ${describeError(err)}`);
    }

    if (ours !== undefined && ceiling !== undefined && ceiling > 0) {
      emit({ bench: BENCH, subject: 'edgepay-postgres', metric: 'payments/ratio-to-pgbench-simple-update', value: round(ours / ceiling, 3), unit: 'x' });
    } else if (pgbench !== undefined) {
      log('NOTE: no ratio line: one of the two figures is missing');
    }
  } finally {
    await cleanupAll();
  }
  return exitCode;
}
