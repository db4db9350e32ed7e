/**
 * `npm run bench -- sync`: EdgePay's gateway ↔ server replication against a
 * named peer, PouchDB replicating into pouchdb-server, in one run.
 *
 * Figures (one JSON line each, DESIGN.md section 8):
 *   edgepay-postgres  catch-up-10000      docs/s  a gateway recorded N payments while its sync was
 *                                                 not started; time from GatewaySync.start() until the
 *                                                 server's PostgreSQL holds all N (polled every 10 ms on
 *                                                 a separate connection: the site's commit counter, and
 *                                                 COUNT(*) once the counter has reached N; then the
 *                                                 ids are compared, and the server's push metric must
 *                                                 count exactly N written: none twice)
 *   pouchdb-server    catch-up-10000      docs/s  the same N documents (payment JSON + `_id`) in a local
 *                                                 PouchDB (leveldb, temp dir), `local.replicate.to(url)`
 *                                                 into pouchdb-server (child process, default on-disk
 *                                                 leveldb storage in a temp dir); time until the
 *                                                 replication resolves (doc_count checked afterwards)
 *   edgepay-postgres  catch-up-10000/ratio-to-pouchdb-server  x
 *   edgepay-postgres  live-propagation    ms + p99  two gateways of one site, both live (SSE pull
 *                                                 stream); time from insert() on A (incl. A's FULL
 *                                                 commit) until B's `payments.insert$` emits it
 *   pouchdb-server    live-propagation    ms + p99  two local PouchDBs, each `sync(url, {live, retry})`;
 *                                                 time from put() on A until B's live changes feed has it
 * The metric name keeps "10000" (the goal's size); the `docs` field says what
 * was really run. `value` is the median over the runs (docs/s: per run),
 * p50 for latencies. A catch-up whose server count does not move for 20 s
 * fails (with the gateway's last sync error); a live round fails after 10 s.
 * Each part that fails is reported on stderr, the others still run; exit 1.
 *
 * Settings (env):
 *   BENCH_DOCS=<n>        documents per catch-up (default 10000)
 *   BENCH_RUNS=<n>        catch-up runs per subject (default 3; a fresh site/database each)
 *   BENCH_ROUNDS=<n>      timed live-propagation rounds (default 200; 10 untimed warm-up rounds first,
 *                         25 ms pause between rounds)
 *   BENCH_PUSH_BATCH, BENCH_PULL_BATCH   GatewaySync's pushBatchSize / pullBatchSize (default:
 *                         PUSH_BATCH / PULL_BATCH below; the library's own defaults are 100 / 200)
 *   BENCH_PUSH_CONCURRENCY  GatewaySync's pushConcurrency, push requests in flight (default
 *                         PUSH_CONCURRENCY below, the library's own default)
 *   BENCH_SERVER=child|in-process   the EdgePay server as a child process (default, like the
 *                         peer's server and like production, the gateway and server do not share
 *                         an event loop) or startServer() in this process
 *   BENCH_SUBJECTS=edgepay-postgres,pouchdb-server   which subjects run (default both; the ratio line
 *                         needs both). For profiling one side; the goal is judged on a run of both.
 *   BENCH_SERVER_NODE_ARGS="--cpu-prof --cpu-prof-dir=DIR"   extra node flags for the server child
 *   EDGEPAY_TEST_PG_URL   PostgreSQL (default postgres://postgres@127.0.0.1:5432/test); each run
 *                         uses a fresh schema, dropped at the end. No PostgreSQL: the edgepay part fails.
 *
 * Use `npm run -s bench -- sync` (npm prints a banner on stdout without -s).
 * Cleanup, also on failure and on SIGINT/SIGTERM: child processes killed,
 * temp dirs removed, the schema dropped.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import type PouchDB from 'pouchdb-node';
import { uuidV7, type PaymentDoc } from '../core/index.ts';
import { serverTesting, startServer } from '../server/index.ts';
import { GatewaySync, openLedger, type Ledger } from '../sync/index.ts';
import { emit, log, median, percentile, round } from './report.ts';
import { cleanupAll, defer } from './cleanup.ts';
import { spawnChild, waitForOutput, type Spawned } from './child-process.ts';
import { benchPeers } from './peers.ts';

const { freshPostgres, TEST_PG_URL } = serverTesting;

const BENCH = 'sync';
const ADMIN = 'bench-sync-admin-token-0123456789';
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
/**
 * Batch sizes passed to GatewaySync (library defaults: push 100, pull 200).
 * 1000 = the server's MAX_PUSH_ROWS (1000 payments are far below its 4 MiB
 * body limit): the server writes a push with a few statements whatever its
 * size, so fewer, larger pushes cost less per payment on both sides.
 */
const PUSH_BATCH = 1000;
/** Push requests in flight per collection: the library's default (sync/replication). */
const PUSH_CONCURRENCY = 3;
const PULL_BATCH = 1000;
const WARM_UP_ROUNDS = 10;
const GAP_MS = 25;
const ROUND_TIMEOUT_MS = 10_000;
const CATCH_UP_TIMEOUT_MS = 300_000;
/** A catch-up whose server count does not move for this long has failed. */
const STALL_MS = 20_000;

function tempDir(label: string): { dir: string; remove: () => Promise<void> } {
  const dir = mkdtempSync(join(tmpdir(), `edgepay-bench-sync-${label}-`));
  const rm = () => rmSync(dir, { recursive: true, force: true });
  return { dir, remove: defer(`remove ${dir}`, rm, rm) };
}

// ---------------------------------------------------------------- helpers

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function intEnv(name: string, fallback: number, min = 1): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new Error(`${name} must be an integer >= ${min}, got '${raw}'`);
  return n;
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** A valid gateway-made payment, as the kiosk records it offline. */
function payment(siteId: string, gatewayId: string, i: number): PaymentDoc {
  const createdAt = new Date().toISOString();
  const amount = 500 + (i % 100) * 10;
  return {
    id: uuidV7(),
    siteId,
    gatewayId,
    flow: 'kiosk',
    amount,
    currency: 'KRW',
    method: 'card-terminal',
    lineItems: [{ name: 'item ' + i, quantity: 1, unitAmount: amount, lineAmount: amount }],
    createdAt,
    offline: true,
    status: 'stored',
    statusHistory: [{ status: 'stored', at: createdAt, by: 'gateway' }],
  };
}

// ---------------------------------------------------------------- EdgePay

type EdgePayServer = { url: string; pid: number | undefined; stop(): Promise<void> };

/**
 * CPU seconds (user + system) used so far by a process, from /proc (Linux;
 * undefined elsewhere). The timings of a loaded 2-core machine are noisy; the
 * CPU each side spends on a catch-up is a steadier figure of its cost.
 */
function cpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
  } catch {
    return undefined;
  }
}

/** CPU seconds of all PostgreSQL server processes on this machine (Linux), or undefined. */
function postgresCpuSeconds(): number | undefined {
  try {
    let total = 0;
    for (const name of readdirSync('/proc')) {
      if (!/^\d+$/.test(name)) continue;
      try {
        if (readFileSync(`/proc/${name}/comm`, 'utf8').trim() !== 'postgres') continue;
      } catch {
        continue;
      }
      total += cpuSeconds(Number(name)) ?? 0;
    }
    return total;
  } catch {
    return undefined;
  }
}

/** CPU seconds of the gateway (this process), the server child and PostgreSQL. */
function cpuSnapshot(serverPid: number | undefined): { gateway: number; server: number | undefined; postgres: number | undefined } {
  const u = process.cpuUsage();
  return { gateway: (u.user + u.system) / 1e6, server: serverPid === undefined ? undefined : cpuSeconds(serverPid), postgres: postgresCpuSeconds() };
}

async function startEdgePayServer(databaseUrl: string, mode: 'child' | 'in-process'): Promise<EdgePayServer> {
  if (mode === 'in-process') {
    const server = await startServer({ adminToken: ADMIN, databaseUrl, port: 0 });
    return { url: server.url, pid: undefined, stop: defer('close the EdgePay server', () => server.close()) };
  }
  // BENCH_SERVER_NODE_ARGS: extra node flags for the server child (e.g. --cpu-prof --cpu-prof-dir=DIR).
  const nodeArgs = (process.env['BENCH_SERVER_NODE_ARGS'] ?? '').split(' ').filter(Boolean);
  const s = spawnChild('edgepay server', process.execPath, [...nodeArgs, '--import', 'tsx', join(ROOT, 'server', 'cli.ts')], {
    cwd: ROOT,
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      HOST: '127.0.0.1',
      PORT: '0',
      EDGEPAY_ADMIN_TOKEN: ADMIN,
      EDGEPAY_PRINT_URL: '1',
      LOG_LEVEL: 'warn',
    },
  });
  const m = await waitForOutput(s, /EDGEPAY_SERVER_URL=(\S+)/, 'the EdgePay server');
  return { url: m[1]!, pid: s.child.pid, stop: s.stop };
}

type Enrolled = { gatewayId: string; credential: string };

async function enrol(serverUrl: string, siteId: string, name: string): Promise<Enrolled> {
  const res = await fetch(`${serverUrl}/admin/gateways`, {
    method: 'POST',
    headers: { authorization: 'Bearer ' + ADMIN, 'content-type': 'application/json' },
    body: JSON.stringify({ siteId, name }),
  });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`enrolment failed: ${res.status} ${text}`);
  return JSON.parse(text) as Enrolled;
}

type Gateway = { ledger: Ledger; sync: GatewaySync; close(): Promise<void> };
type Batches = { push: number; pull: number; pushConcurrency: number };

async function openGateway(label: string, serverUrl: string, enrolled: Enrolled, batches: Batches): Promise<Gateway> {
  const tmp = tempDir(label);
  // RxDB refuses two open databases of one name in one process: one name per ledger.
  const ledger = await openLedger({ directory: tmp.dir, name: `bench-${label}` });
  const sync = new GatewaySync(ledger.db as any, {
    serverUrl,
    credential: enrolled.credential,
    backoff: { initialMs: 100, maxMs: 400 },
    pushBatchSize: batches.push,
    pushConcurrency: batches.pushConcurrency,
    pullBatchSize: batches.pull,
  });
  // Bounded: a hung stop must not hang the bench (the files are removed regardless).
  const close = defer(`close gateway ${label}`, async () => {
    try {
      await withTimeout(sync.stop(), 15_000, `gateway ${label}'s sync to stop`);
    } finally {
      await withTimeout(ledger.close(), 15_000, `gateway ${label}'s ledger to close`);
    }
  });
  return {
    ledger,
    sync,
    close: async () => {
      await close();
      await tmp.remove();
    },
  };
}

/** The server's count of payments written by gateway pushes (its /metrics). */
async function pushedPayments(serverUrl: string): Promise<number> {
  const res = await fetch(`${serverUrl}/metrics`);
  const text = await res.text();
  if (!res.ok) throw new Error(`GET /metrics: ${res.status}`);
  let total = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith('edgepay_sync_pushed_documents_total{') && line.includes('collection="payments"') && line.includes('outcome="written"')) {
      total += Number(line.slice(line.lastIndexOf(' ') + 1));
    }
  }
  return total;
}

async function edgePayCatchUp(serverUrl: string, serverPid: number | undefined, check: pg.Client, run: number, docsCount: number, batches: Batches): Promise<number> {
  const siteId = `bench-catch-up-${run}`;
  const enrolled = await enrol(serverUrl, siteId, `catch-up gateway ${run}`);
  const gw = await openGateway(`catch-up-${run}`, serverUrl, enrolled, batches);
  try {
    // Recorded "offline": the sync is not started yet.
    const docs = Array.from({ length: docsCount }, (_, i) => payment(siteId, enrolled.gatewayId, i));
    for (let i = 0; i < docs.length; i += 1000) {
      const result = await gw.ledger.db.payments.bulkInsert(docs.slice(i, i + 1000));
      if (result.error.length > 0) throw new Error(`ledger refused ${result.error.length} payments: ${JSON.stringify(result.error[0]).slice(0, 500)}`);
    }
    const count = async () => Number((await check.query<{ n: string }>("SELECT count(*) AS n FROM documents WHERE collection = 'payments' AND site_id = $1", [siteId])).rows[0]!.n);
    if ((await count()) !== 0) throw new Error('the server already holds payments of a fresh site');

    const writtenBefore = await pushedPayments(serverUrl);
    const cpuBefore = cpuSnapshot(serverPid);
    const started = performance.now();
    gw.sync.start();
    let held = 0;
    let progressAt = Date.now();
    let lastHeld = 0;
    const end = Date.now() + CATCH_UP_TIMEOUT_MS;
    // The site's commit counter (one row) is polled, and the exact count only
    // once the counter says N documents may be there: each stored payment took
    // one counter value, so counter < N means fewer than N are stored. (Counting
    // up to N rows every 10 ms, 2.5 ms of PostgreSQL per poll at 10,000 rows,
    // took about 0.1 CPU-s per catch-up from the catch-up it measures on a
    // 2-core machine: PostgreSQL 0.75 -> 0.64 CPU-s, means of 6 runs each.)
    // The counter also counts the forwarder's outcomes, so it can reach N a
    // little early; then the exact count decides, as before.
    const counter = async () => Number((await check.query<{ value: string }>("SELECT value FROM change_counters WHERE collection = 'payments' AND site_id = $1", [siteId])).rows[0]?.value ?? 0);
    const heldNow = async () => {
      const c = await counter();
      return c < docsCount ? Math.min(c, docsCount - 1) : await count();
    };
    while ((held = await heldNow()) < docsCount) {
      if (held !== lastHeld) [lastHeld, progressAt] = [held, Date.now()];
      if (Date.now() > end || Date.now() - progressAt > STALL_MS) {
        const status = await gw.sync.status();
        throw new Error(
          `catch-up ${Date.now() > end ? 'timed out' : `stalled (no progress for ${STALL_MS / 1000} s)`}: the server holds ${held} of ${docsCount}; ` +
            `gateway online: ${status.online}, last error: ${JSON.stringify(status.lastError)}`,
        );
      }
      await sleep(10);
    }
    const ms = performance.now() - started;
    const cpuAfter = cpuSnapshot(serverPid);

    // Once each: exactly these ids, and the server counted exactly N rows
    // written by pushes for this run (none twice). Not the site's commit
    // counter: the server's forwarder writes outcomes of offline payments too.
    const { rows } = await check.query<{ id: string }>("SELECT id FROM documents WHERE collection = 'payments' AND site_id = $1", [siteId]);
    const want = new Set(docs.map((d) => d.id));
    const got = new Set(rows.map((r) => r.id));
    if (rows.length !== docsCount || got.size !== docsCount || ![...want].every((id) => got.has(id))) {
      throw new Error(`server holds ${rows.length} rows (${got.size} distinct), not exactly the ${docsCount} recorded payments`);
    }
    // The handler counts after its COMMIT, so the rows may be visible a moment before.
    let written = 0;
    for (let i = 0; i < 100 && (written = (await pushedPayments(serverUrl)) - writtenBefore) < docsCount; i++) await sleep(20);
    if (written !== docsCount) throw new Error(`the server wrote ${written} pushed payments for ${docsCount} documents`);

    const rate = docsCount / (ms / 1000);
    const used = (k: 'gateway' | 'server' | 'postgres') => (cpuBefore[k] === undefined || cpuAfter[k] === undefined ? '?' : (cpuAfter[k]! - cpuBefore[k]!).toFixed(2));
    log(
      `edgepay-postgres catch-up run ${run}: ${docsCount} docs in ${ms.toFixed(0)} ms = ${rate.toFixed(0)} docs/s (ids and once-each verified); ` +
        `CPU s in that time: gateway${serverPid === undefined ? '+server' : ''} ${used('gateway')}, server ${used('server')}, PostgreSQL ${used('postgres')}`,
    );
    return rate;
  } finally {
    await gw.close();
  }
}

async function edgePayLive(serverUrl: string, rounds: number, batches: Batches): Promise<{ latencies: number[]; localCommit: number[] }> {
  const siteId = 'bench-live';
  const ea = await enrol(serverUrl, siteId, 'live gateway A');
  const eb = await enrol(serverUrl, siteId, 'live gateway B');
  const a = await openGateway('live-a', serverUrl, ea, batches);
  const b = await openGateway('live-b', serverUrl, eb, batches);
  try {
    a.sync.start();
    b.sync.start();
    const end = Date.now() + 20_000;
    while (!(a.sync.online && b.sync.online)) {
      if (Date.now() > end) throw new Error('live gateways did not go online');
      await sleep(20);
    }
    await withTimeout(Promise.all([a.sync.awaitInSync(), b.sync.awaitInSync()]), 20_000, 'initial sync of the live gateways');

    const waiting = new Map<string, (at: number) => void>();
    const sub = b.ledger.db.payments.insert$.subscribe((event) => {
      const at = performance.now();
      waiting.get(event.documentId)?.(at);
    });
    const latencies: number[] = [];
    const localCommit: number[] = [];
    try {
      for (let i = 0; i < WARM_UP_ROUNDS + rounds; i++) {
        const doc = payment(siteId, ea.gatewayId, i);
        const seen = new Promise<number>((resolve) => waiting.set(doc.id, resolve));
        const t0 = performance.now();
        await a.ledger.db.payments.insert(doc);
        const committed = performance.now();
        const t1 = await withTimeout(seen, ROUND_TIMEOUT_MS, `payment ${i} on gateway B`);
        waiting.delete(doc.id);
        if (i >= WARM_UP_ROUNDS) {
          latencies.push(t1 - t0);
          localCommit.push(committed - t0);
        }
        await sleep(GAP_MS);
      }
    } finally {
      sub.unsubscribe();
    }
    return { latencies, localCommit };
  } finally {
    await b.close();
    await a.close();
  }
}

// ---------------------------------------------------------------- PouchDB

type PouchServer = { url: string; stop(): Promise<void> };

/** The peer's packages, installed on first use into the bench peers' cache (bench/peers.ts). */
let peers: { require: NodeRequire; PouchDB: typeof PouchDB } | undefined;
async function loadPouchPeers(): Promise<NonNullable<typeof peers>> {
  if (peers) return peers;
  const require = await benchPeers(['pouchdb-server', 'pouchdb-node']);
  peers = { require, PouchDB: require('pouchdb-node') as typeof PouchDB };
  return peers;
}

async function startPouchServer(dir: string): Promise<PouchServer> {
  const { require } = await loadPouchPeers();
  const pkgPath = require.resolve('pouchdb-server/package.json');
  const pkg = JSON.parse(readFileSync(pkgPath, 'utf8')) as { bin: string | Record<string, string> };
  const bin = join(dirname(pkgPath), typeof pkg.bin === 'string' ? pkg.bin : pkg.bin['pouchdb-server']!);
  const port = await freePort();
  // Default storage (LevelDOWN on disk) under `dir`; its config.json and log.txt
  // go to the working directory, which is `dir` too. -n: no copy of the request
  // log on stdout (it is still written to log.txt).
  const s = spawnChild('pouchdb-server', process.execPath, [bin, '--host', '127.0.0.1', '--port', String(port), '--dir', join(dir, 'db'), '--config', join(dir, 'config.json'), '-n'], {
    cwd: dir,
  });
  const url = `http://127.0.0.1:${port}`;
  const end = Date.now() + 30_000;
  for (;;) {
    if (s.child.exitCode !== null || s.child.signalCode !== null) throw new Error(`pouchdb-server exited before it was ready:\n${s.output().slice(-3000)}`);
    try {
      const res = await fetch(url + '/');
      if (res.ok) {
        await res.text();
        break;
      }
    } catch {
      // not listening yet
    }
    if (Date.now() > end) throw new Error(`pouchdb-server not ready after 30 s:\n${s.output().slice(-3000)}`);
    await sleep(100);
  }
  return { url, stop: s.stop };
}

async function createRemoteDb(url: string): Promise<void> {
  const res = await fetch(url, { method: 'PUT' });
  const text = await res.text();
  if (res.status !== 201) throw new Error(`PUT ${url}: ${res.status} ${text}`);
}

async function remoteDocCount(url: string): Promise<number> {
  const res = await fetch(url);
  const body = (await res.json()) as { doc_count?: number };
  if (!res.ok || typeof body.doc_count !== 'number') throw new Error(`GET ${url}: ${res.status} ${JSON.stringify(body)}`);
  return body.doc_count;
}

function openPouch(path: string): PouchDB {
  if (!peers) throw new Error('openPouch before loadPouchPeers()');
  const db = new peers.PouchDB(path);
  const close = defer(`close PouchDB ${path}`, () => db.close());
  (db as unknown as { benchClose: () => Promise<void> }).benchClose = close;
  return db;
}
const closePouch = (db: PouchDB) => (db as unknown as { benchClose: () => Promise<void> }).benchClose();

async function pouchCatchUp(server: PouchServer, dir: string, run: number, docsCount: number): Promise<number> {
  const local = openPouch(join(dir, `catch-up-local-${run}`));
  try {
    const docs = Array.from({ length: docsCount }, (_, i) => {
      const p = payment(`bench-catch-up-${run}`, 'pouchdb-gateway', i);
      return { _id: p.id, ...p };
    });
    for (let i = 0; i < docs.length; i += 1000) {
      const result = await local.bulkDocs(docs.slice(i, i + 1000));
      const failed = result.filter((r) => r.error);
      if (failed.length > 0) throw new Error(`local PouchDB refused ${failed.length} docs: ${JSON.stringify(failed[0])}`);
    }
    const remote = `${server.url}/catch-up-${run}`;
    await createRemoteDb(remote);

    const started = performance.now();
    const result = await local.replicate.to(remote);
    const ms = performance.now() - started;

    if (!result.ok || result.docs_written !== docsCount) throw new Error(`replication: ${JSON.stringify(result).slice(0, 500)}`);
    const held = await remoteDocCount(remote);
    if (held !== docsCount) throw new Error(`pouchdb-server holds ${held} of ${docsCount} docs after the replication`);
    const rate = docsCount / (ms / 1000);
    log(`pouchdb-server catch-up run ${run}: ${docsCount} docs in ${ms.toFixed(0)} ms = ${rate.toFixed(0)} docs/s (doc_count verified)`);
    return rate;
  } finally {
    await closePouch(local);
  }
}

async function pouchLive(server: PouchServer, dir: string, rounds: number): Promise<{ latencies: number[]; localCommit: number[] }> {
  const remote = `${server.url}/live`;
  await createRemoteDb(remote);
  const a = openPouch(join(dir, 'live-a'));
  const b = openPouch(join(dir, 'live-b'));
  const syncs: { cancel(): void }[] = [];
  const stopSyncs = defer('cancel PouchDB live syncs', () => {
    for (const s of syncs) s.cancel();
  });
  try {
    const paused = (db: PouchDB) =>
      new Promise<void>((resolve, reject) => {
        const s = db.sync(remote, { live: true, retry: true });
        syncs.push(s);
        s.on('paused', (err: unknown) => (err ? undefined : resolve()));
        s.on('error', reject);
      });
    await withTimeout(Promise.all([paused(a), paused(b)]), 20_000, 'the PouchDB live syncs to settle');

    const waiting = new Map<string, (at: number) => void>();
    const feed = b.changes({ since: 'now', live: true });
    syncs.push(feed);
    feed.on('change', (change: { id: string }) => {
      const at = performance.now();
      waiting.get(change.id)?.(at);
    });
    const latencies: number[] = [];
    const localCommit: number[] = [];
    for (let i = 0; i < WARM_UP_ROUNDS + rounds; i++) {
      const p = payment('bench-live', 'pouchdb-gateway-a', i);
      const seen = new Promise<number>((resolve) => waiting.set(p.id, resolve));
      const t0 = performance.now();
      await a.put({ _id: p.id, ...p });
      const committed = performance.now();
      const t1 = await withTimeout(seen, ROUND_TIMEOUT_MS, `doc ${i} on PouchDB B`);
      waiting.delete(p.id);
      if (i >= WARM_UP_ROUNDS) {
        latencies.push(t1 - t0);
        localCommit.push(committed - t0);
      }
      await sleep(GAP_MS);
    }
    return { latencies, localCommit };
  } finally {
    await stopSyncs();
    await closePouch(b);
    await closePouch(a);
  }
}

// ---------------------------------------------------------------- run

function describeError(err: unknown): string {
  return err instanceof Error ? (err.stack ?? err.message) : String(err);
}

function emitLatency(subject: string, r: { latencies: number[]; localCommit: number[] }, rounds: number): void {
  const p50 = median(r.latencies);
  const p99 = percentile(r.latencies, 99);
  log(
    `${subject} live propagation over ${rounds} rounds: p50 ${p50.toFixed(1)} ms, p90 ${percentile(r.latencies, 90).toFixed(1)} ms, ` +
      `p99 ${p99.toFixed(1)} ms, max ${Math.max(...r.latencies).toFixed(1)} ms; of which local commit on A p50 ${median(r.localCommit).toFixed(1)} ms`,
  );
  emit({
    bench: BENCH,
    subject,
    metric: 'live-propagation',
    value: round(p50),
    unit: 'ms',
    p99: round(p99),
    rounds,
    localCommitP50: round(median(r.localCommit)),
  });
}

export async function run(_args: string[]): Promise<number> {
  const docsCount = intEnv('BENCH_DOCS', 10_000);
  const runs = intEnv('BENCH_RUNS', 3);
  const rounds = intEnv('BENCH_ROUNDS', 200);
  const batches: Batches = {
    push: intEnv('BENCH_PUSH_BATCH', PUSH_BATCH),
    pull: intEnv('BENCH_PULL_BATCH', PULL_BATCH),
    pushConcurrency: intEnv('BENCH_PUSH_CONCURRENCY', PUSH_CONCURRENCY),
  };
  const subjects = new Set((process.env['BENCH_SUBJECTS'] || 'edgepay-postgres,pouchdb-server').split(',').map((s) => s.trim()));
  for (const s of subjects) if (s !== 'edgepay-postgres' && s !== 'pouchdb-server') throw new Error(`BENCH_SUBJECTS: unknown subject '${s}'`);
  const serverMode = process.env['BENCH_SERVER'] || 'child';
  if (serverMode !== 'child' && serverMode !== 'in-process') throw new Error(`BENCH_SERVER must be child or in-process, got '${serverMode}'`);
  log(
    `sync bench: ${docsCount} docs per catch-up, ${runs} catch-up run(s) per subject, ${rounds} live rounds; ` +
      `EdgePay server: ${serverMode}, pushBatchSize ${batches.push}, pushConcurrency ${batches.pushConcurrency}, pullBatchSize ${batches.pull}`,
  );

  let exitCode = 0;
  const rates = new Map<string, number>();
  try {
    // ---- EdgePay on PostgreSQL
    if (subjects.has('edgepay-postgres'))
      try {
        const database = await freshPostgres();
        defer('drop the PostgreSQL schema', () => database.drop());
        if (database.label !== 'postgres' || !database.databaseUrl) throw new Error(`PostgreSQL is not reachable at ${TEST_PG_URL}`);
        log(`edgepay-postgres: fresh schema in ${TEST_PG_URL}`);
        const server = await startEdgePayServer(database.databaseUrl, serverMode);
        log(`edgepay-postgres: server at ${server.url}`);
        const check = new pg.Client({ connectionString: database.databaseUrl });
        await check.connect();
        const closeCheck = defer('close the checking connection', () => check.end());
        try {
          // Live propagation first: each catch-up leaves the server's forwarder
          // a long queue of offline payments to forward (in the background).
          // Either part may fail without taking the other one along.
          try {
            emitLatency('edgepay-postgres', await edgePayLive(server.url, rounds, batches), rounds);
          } catch (err) {
            exitCode = 1;
            log(`ERROR: edgepay-postgres live propagation failed: ${describeError(err)}`);
          }
          try {
            const samples: number[] = [];
            for (let r = 1; r <= runs; r++) samples.push(await edgePayCatchUp(server.url, server.pid, check, r, docsCount, batches));
            const value = median(samples);
            rates.set('edgepay-postgres', value);
            emit({
              bench: BENCH,
              subject: 'edgepay-postgres',
              metric: 'catch-up-10000',
              value: round(value, 0),
              unit: 'docs/s',
              docs: docsCount,
              runs,
              pushBatchSize: batches.push,
              pushConcurrency: batches.pushConcurrency,
              pullBatchSize: batches.pull,
            });
          } catch (err) {
            exitCode = 1;
            log(`ERROR: edgepay-postgres catch-up failed: ${describeError(err)}`);
          }
        } finally {
          await closeCheck();
          await server.stop();
        }
      } catch (err) {
        exitCode = 1;
        log(`ERROR: edgepay-postgres failed: ${describeError(err)}`);
      }

    // ---- the peer: PouchDB into pouchdb-server
    if (subjects.has('pouchdb-server'))
      try {
        const tmp = tempDir('pouchdb');
        const server = await startPouchServer(tmp.dir);
        log(`pouchdb-server: ${server.url}, files in ${tmp.dir}`);
        try {
          try {
            const samples: number[] = [];
            for (let r = 1; r <= runs; r++) samples.push(await pouchCatchUp(server, tmp.dir, r, docsCount));
            const value = median(samples);
            rates.set('pouchdb-server', value);
            // batchSize: PouchDB's default replication batch_size, left as shipped.
            emit({ bench: BENCH, subject: 'pouchdb-server', metric: 'catch-up-10000', value: round(value, 0), unit: 'docs/s', docs: docsCount, runs, batchSize: 100 });
          } catch (err) {
            exitCode = 1;
            log(`ERROR: pouchdb-server catch-up failed: ${describeError(err)}`);
          }
          try {
            emitLatency('pouchdb-server', await pouchLive(server, tmp.dir, rounds), rounds);
          } catch (err) {
            exitCode = 1;
            log(`ERROR: pouchdb-server live propagation failed: ${describeError(err)}`);
          }
        } finally {
          await server.stop();
          await tmp.remove();
        }
      } catch (err) {
        exitCode = 1;
        log(`ERROR: pouchdb-server failed: ${describeError(err)}`);
      }

    const ours = rates.get('edgepay-postgres');
    const peer = rates.get('pouchdb-server');
    if (ours !== undefined && peer !== undefined && peer > 0) {
      emit({ bench: BENCH, subject: 'edgepay-postgres', metric: 'catch-up-10000/ratio-to-pouchdb-server', value: round(ours / peer), unit: 'x' });
    } else {
      log('NOTE: no ratio line: one of the catch-ups did not complete');
    }
  } finally {
    await cleanupAll();
  }
  return exitCode;
}
