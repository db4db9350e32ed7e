/**
 * Network faults between a gateway and the server (issue 25): the server runs
 * in its own Linux network namespace, reached only through a faulty path
 * (`tests/support/netfault/delay-line.py`: 30% loss, 500 ms delay with jitter,
 * a partition that heals, connections reset at the server's answer to a push).
 * The gateway records payments all along; at the end every one of them is on
 * the server exactly once (one document, one authorisation, one forwarding),
 * and the gateway's console, read over its HTTP API all along, never showed a
 * wrong count: unsent never above what was recorded, never growing but by new
 * payments, its sum always its count's, declined-after-forward never above
 * the payments meant to be declined, all ending at the exact figures.
 *
 * `tc netem` would be the usual tool; the kernels this runs on (CI's too) are
 * built without it, so the path is a user-space delay line over TUN devices
 * (delay-line.py says more). Needs root (network namespaces): skipped with a
 * message elsewhere, never on CI.
 *
 * npm test records NETFAULT_COUNT=300 payments with 10 s per fault
 * (NETFAULT_PHASE_S); the full proof, 10,000 payments, runs longer than the
 * test runner's 10 minutes per file, so it is run directly:
 *   NETFAULT_COUNT=10000 NETFAULT_PHASE_S=20 NETFAULT_POLL_MS=1000 node --import tsx --test tests/network-faults.test.ts
 * Most of its time is the server forwarding the stored payments to the
 * acquirer after the faults, not the faults.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { uuidV7, type ConsoleOverview, type PaymentDoc } from '../core/index.ts';
import { startGatewayRuntime } from '../edge-services/index.ts';
import { openDatabase, serverTesting } from '../server/index.ts';
import { adminClient } from './support/admin.ts';
import { until } from './support/wait.ts';

const root = join(import.meta.dirname, '..');
const COUNT = Number(process.env.NETFAULT_COUNT ?? 300);
/** Seconds each fault lasts (the loss, the delay, the partition). */
const PHASE_S = Number(process.env.NETFAULT_PHASE_S ?? 10);
/** How often the test reads the console (the console itself polls twice a second). */
const POLL_MS = Number(process.env.NETFAULT_POLL_MS ?? 250);
const AMOUNT = 1000;
const ADMIN = 'netfault-admin-token-0123456789';
const PIN = '482916';

/** Why this machine cannot run the test, or undefined. */
function cannotRun(): string | undefined {
  if (process.platform !== 'linux') return 'network namespaces are Linux only';
  if (process.getuid?.() !== 0) return 'network namespaces need root (run as root, as CI does)';
  if (spawnSync('ip', ['-V']).status !== 0) return 'the `ip` command (iproute2) is missing';
  if (spawnSync('python3', ['-V']).status !== 0) return 'python3 is missing (it runs the delay line)';
  if (!existsSync('/dev/net/tun')) return '/dev/net/tun is missing';
  return undefined;
}
const why = cannotRun();
if (why && process.env.CI) throw new Error(`network-faults: cannot run on CI: ${why}`);
if (why) console.log(`# network-faults skipped: ${why}`);

function payment(siteId: string, gatewayId: string, i: number): PaymentDoc {
  const createdAt = new Date().toISOString();
  return {
    id: uuidV7(),
    siteId,
    gatewayId,
    flow: 'kiosk',
    amount: AMOUNT,
    currency: 'KRW',
    method: 'card-terminal',
    lineItems: [{ name: 'item ' + i, quantity: 1, unitAmount: AMOUNT, lineAmount: AMOUNT }],
    // One in ten is declined by the acquirer when forwarded: the console counts those.
    token: i % 10 === 9 ? 'tok_test_insufficient_funds' : 'tok_test_approve',
    createdAt,
    offline: true,
    status: 'stored',
    statusHistory: [{ status: 'stored', at: createdAt, by: 'gateway' }],
  };
}

/**
 * Namespaces left by a run that was killed (a test timeout kills without
 * cleaning up): their processes (the server) are stopped and they are removed.
 */
function removeStaleNamespaces(): void {
  const list = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout ?? '';
  for (const [, name, pid] of list.matchAll(/^(edgepay-nf-(\d+))\b/gm)) {
    if (alive(Number(pid))) continue;
    const pids = (spawnSync('ip', ['netns', 'pids', name!], { encoding: 'utf8' }).stdout ?? '').split(/\s+/).filter(Boolean);
    for (const p of pids) spawnSync('kill', ['-9', p]);
    spawnSync('ip', ['netns', 'del', name!]);
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A child whose stdout/stderr are kept, and whose lines can be waited for. */
function child(cmd: string, args: string[], env: Record<string, string> = {}) {
  const proc: ChildProcess = spawn(cmd, args, { cwd: root, env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  const waiters: { re: RegExp; resolve: (m: RegExpMatchArray) => void }[] = [];
  const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
  for (const stream of [proc.stdout!, proc.stderr!]) {
    createInterface({ input: stream }).on('line', (line) => {
      out = (out + line + '\n').slice(-20_000);
      for (const w of waiters.splice(0)) {
        const m = line.match(w.re);
        if (m) w.resolve(m);
        else waiters.push(w);
      }
    });
  }
  return {
    proc,
    output: () => out,
    exited,
    line(re: RegExp, timeoutMs = 60_000): Promise<RegExpMatchArray> {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${cmd}: no line ${re} in ${timeoutMs} ms; output:\n${out.slice(-3000)}`)), timeoutMs);
        waiters.push({ re, resolve: (m) => (clearTimeout(timer), resolve(m)) });
        void exited.then((code) => reject(new Error(`${cmd} exited (${code}) before ${re}; output:\n${out.slice(-3000)}`)));
      });
    },
    async kill(signal: NodeJS.Signals = 'SIGKILL') {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
      await exited;
    },
  };
}

describe('network faults between a gateway and the server', { skip: why }, () => {
  it(`${COUNT} payments through loss, delay, a partition and resets: on the server exactly once, the console never wrong`, { timeout: 600_000 + COUNT * 1_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'edgepay-netfault-'));
    const tag = String(process.pid);
    const ns = `edgepay-nf-${tag}`;
    const subnet = `10.213.${process.pid % 250}`;
    const gwIp = `${subnet}.1`;
    const serverIp = `${subnet}.2`;
    const cleanups: (() => Promise<unknown> | unknown)[] = [];
    removeStaleNamespaces();
    try {
      assert.equal(spawnSync('ip', ['netns', 'add', ns]).status, 0, 'ip netns add');
      cleanups.push(() => spawnSync('ip', ['netns', 'del', ns]));

      const line = child('python3', [join(root, 'tests/support/netfault/delay-line.py'), ns, `epg${tag}`, `eps${tag}`, gwIp, serverIp]);
      cleanups.push(() => line.kill('SIGTERM'));
      await line.line(/^ready$/, 10_000);
      // The delay line prints `reset <n>` after each reset it makes.
      const resetsMade = () => (line.output().match(/^reset \d+$/gm) ?? []).length;
      const fault = (settings: Record<string, unknown>) => {
        process.stderr.write(`# network-faults: ${JSON.stringify(settings)}\n`);
        line.proc.stdin!.write(JSON.stringify(settings) + '\n');
      };

      // The server, inside the namespace: the gateway reaches it only through the delay line.
      const pgliteDir = join(dir, 'server');
      const server = child('ip', ['netns', 'exec', ns, process.execPath, '--import', 'tsx', join(root, 'server/cli.ts')], {
        HOST: serverIp,
        PORT: '0',
        EDGEPAY_PGLITE_DIR: pgliteDir,
        EDGEPAY_ADMIN_TOKEN: ADMIN,
        EDGEPAY_PRINT_URL: '1',
        LOG_LEVEL: 'warn',
        EDGEPAY_SANDBOX_LATENCY_MS: '1,3',
      });
      cleanups.push(() => server.kill());
      const serverUrl = (await server.line(/^EDGEPAY_SERVER_URL=(\S+)$/, 120_000))[1]!;
      const admin = adminClient(serverUrl, ADMIN);
      const enrolment = (await admin('/admin/gateways', { siteId: 'site-nf', name: 'kiosk' })) as { gatewayId: string; credential: string };

      const gw = await startGatewayRuntime({
        dataDir: join(dir, 'gateway'),
        siteId: 'site-nf',
        gatewayId: enrolment.gatewayId,
        operatorPin: PIN,
        server: { url: serverUrl, credential: enrolment.credential, backoff: { initialMs: 200, maxMs: 2000 } },
        http: { port: 0 },
      });
      cleanups.push(() => gw.stop());
      const consoleBase = gw.api!.url;
      const signIn = await fetch(consoleBase + '/api/console/session', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ pin: PIN }) });
      assert.equal(signIn.status, 200);
      const { token } = (await signIn.json()) as { token: string };

      // Recording: the payments go into the ledger as the kiosk stores them offline.
      const recorded: PaymentDoc[] = [];
      let lastRecordReport = 0;
      let startedAt = Date.now();
      const record = async (n: number, overMs: number) => {
        const chunk = 25;
        const chunks = Math.ceil(n / chunk);
        for (let c = 0; c < chunks; c++) {
          const batch = Array.from({ length: Math.min(chunk, n - c * chunk) }, (_, k) => payment('site-nf', enrolment.gatewayId, recorded.length + k));
          await gw.gateway.ledger.db.payments.bulkInsert(batch);
          recorded.push(...batch);
          if (Date.now() - lastRecordReport > 10_000) {
            lastRecordReport = Date.now();
            process.stderr.write(
              `# network-faults: ${recorded.length}/${COUNT} recorded, ${seen.polls} console reads (${seen.offline} offline, max unsent ${seen.maxUnsent}), ${problems.length} problems, ${resetsMade()} resets, ${((Date.now() - startedAt) / 1000).toFixed(0)} s\n`,
            );
          }
          await sleep(overMs / chunks);
        }
      };
      const declinesAmong = (n: number) => Math.floor((n + 0) / 10);

      // The console, read all along: every answer checked against what is known.
      const problems: string[] = [];
      const seen = { polls: 0, offline: 0, maxUnsent: 0 };
      let last: { unsent: number; recorded: number; declined: number } | undefined;
      let polling = true;
      const poller = (async () => {
        while (polling) {
          const before = recorded.length;
          const res = await fetch(consoleBase + '/api/console/overview', { headers: { authorization: 'Bearer ' + token } }).catch((err: Error) => err);
          const after = recorded.length;
          if (res instanceof Error) {
            problems.push(`the console did not answer: ${res.message}`);
            continue;
          }
          if (res.status !== 200) {
            problems.push(`overview answered ${res.status}`);
            continue;
          }
          const o = (await res.json()) as ConsoleOverview;
          seen.polls++;
          if (!o.sync?.online) seen.offline++;
          const unsent = o.unsent.count;
          seen.maxUnsent = Math.max(seen.maxUnsent, unsent);
          if (unsent < 0 || unsent > after) problems.push(`unsent ${unsent} with ${after} recorded`);
          const sum = o.unsent.sums.find((s) => s.currency === 'KRW')?.amount ?? 0;
          if (sum !== unsent * AMOUNT || o.unsent.sums.some((s) => s.currency !== 'KRW')) problems.push(`unsent ${unsent} summed ${JSON.stringify(o.unsent.sums)}`);
          if (o.declinedAfterForward > declinesAmong(after)) problems.push(`declined after forward ${o.declinedAfterForward} of ${after} recorded`);
          if (last) {
            // A payment the server took over never becomes unsent again; only new ones add.
            if (unsent > last.unsent + (after - last.recorded)) problems.push(`unsent grew from ${last.unsent} to ${unsent} with ${after - last.recorded} new`);
            if (o.declinedAfterForward < last.declined) problems.push(`declined after forward fell from ${last.declined} to ${o.declinedAfterForward}`);
          }
          last = { unsent, recorded: before, declined: o.declinedAfterForward };
          if (problems.length > 20) polling = false;
          await sleep(POLL_MS);
        }
      })();
      cleanups.push(async () => {
        polling = false;
        await poller;
      });

      const quarter = Math.floor(COUNT / 4);
      startedAt = Date.now();
      fault({ loss: 0.3 });
      await record(quarter, PHASE_S * 1000);
      fault({ loss: 0, delayMs: 500, jitterMs: 200 });
      await record(quarter, PHASE_S * 1000);
      fault({ delayMs: 0, jitterMs: 0, partition: true });
      await record(quarter, PHASE_S * 1000);
      await until('the console showing the gateway offline', () => seen.offline > 0, 30_000);
      fault({ partition: false, resetPushes: 3 });
      await record(COUNT - 3 * quarter, 5_000);
      await until("three pushes reset at the server's answer", () => resetsMade() >= 3, 120_000).catch(() => {
        throw new Error(`only ${resetsMade()} resets; delay line output:\n${line.output().slice(-2000)}`);
      });
      fault({ resetPushes: 0 });

      let lastReport = 0;
      const drained = async () => {
        const o = (await (await fetch(consoleBase + '/api/console/overview', { headers: { authorization: 'Bearer ' + token } })).json()) as ConsoleOverview;
        if (Date.now() - lastReport > 10_000) {
          lastReport = Date.now();
          // Counted through the status index: reading 10,000 payments every 10 s would slow the gateway under test.
          const statuses: Record<string, number> = {};
          for (const status of ['stored', 'forwarded', 'authorised', 'captured', 'declined'] as const) {
            const n = await gw.gateway.ledger.db.payments.count({ selector: { status } }).exec();
            if (n > 0) statuses[status] = n;
          }
          process.stderr.write(
            `# network-faults: ${((Date.now() - startedAt) / 1000).toFixed(0)} s, unsent ${o.unsent.count}, declined after forward ${o.declinedAfterForward}, ledger ${JSON.stringify(statuses)}, sync ${JSON.stringify(o.sync)}\n`,
          );
        }
        return o.unsent.count === 0 && o.declinedAfterForward === declinesAmong(COUNT);
      };
      await until('every payment taken over by the server and its outcome back on the console', drained, 120_000 + COUNT * 500, 500);
      const tookMs = Date.now() - startedAt;
      polling = false;
      await poller;
      process.stderr.write(
        `# network-faults: ${COUNT} payments, ${resetsMade()} resets, ${seen.polls} console reads (${seen.offline} offline, max unsent ${seen.maxUnsent}), ${(tookMs / 1000).toFixed(1)} s\n`,
      );
      assert.deepEqual(problems, [], 'the console never showed a wrong count');
      assert.equal(recorded.length, COUNT);
      assert.ok(seen.maxUnsent > 0, 'the console saw a backlog');

      // On the server, exactly once: read its database once it has stopped.
      await gw.stop();
      await server.kill('SIGTERM');
      const db = await openDatabase({ pgliteDir });
      try {
        const { rows } = await db.query<{ id: string }>("SELECT id FROM documents WHERE collection = 'payments' AND site_id = 'site-nf'");
        assert.equal(rows.length, COUNT, 'exactly the recorded number of payments');
        assert.deepEqual(rows.map((r) => r.id).sort(), recorded.map((p) => p.id).sort(), 'exactly those payments, once each');
        const charges = await db.query<{ n: string | number }>("SELECT COUNT(*) AS n FROM sandbox_acquirer_transactions WHERE operation = 'authorise'");
        assert.equal(Number(charges.rows[0]!.n), COUNT, 'one authorisation per payment');
        const forwardedTwice = await db.query("SELECT payment_id FROM audit_log WHERE action = 'payment.forwarded' GROUP BY payment_id HAVING COUNT(*) > 1");
        assert.deepEqual(forwardedTwice.rows, [], 'no payment forwarded twice');
        const statuses = await db.query<{ status: string; n: string | number }>("SELECT data->>'status' AS status, COUNT(*) AS n FROM documents WHERE collection = 'payments' GROUP BY 1 ORDER BY 1");
        assert.deepEqual(
          statuses.rows.map((r) => [r.status, Number(r.n)]),
          [
            ['captured', COUNT - declinesAmong(COUNT)],
            ['declined', declinesAmong(COUNT)],
          ],
        );
        await serverTesting.assertLedgerBalanced(db);
      } finally {
        await db.close();
      }
    } finally {
      for (const c of cleanups.reverse()) await Promise.resolve(c()).catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
