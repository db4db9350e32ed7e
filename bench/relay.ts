/**
 * `npm run bench -- relay`: the relay terminal (issue 22), on loopback, the
 * server on PostgreSQL. From the terminal's scan to the destination's answer
 * back at the terminal (the scan call returns the settled relay), sequential
 * scans of fresh payment codes (barcode and QR alternately):
 *   edgepay  scan-to-destination-direct  ms  p50, with p99   a stand-alone terminal submits to the issuer
 *   edgepay  scan-to-destination-pos     ms  p50, with p99   a paired terminal: the POS agent types it into the POS program, which submits
 * and the named peer, measured in the same run:
 *   bare-destination-post  scan-to-destination-direct  ms  p50, with p99   the destination's HTTP POST alone
 *     (the last hop of a direct relay, with its grant: the floor under the edgepay figure; what lies
 *     between the two is the relay itself: checks, its record and command, the stream, the settling)
 * Goal: p99 under 100 ms each. The terminal, the POS program and the agent run
 * in this process (the e2e tests run them as processes).
 *   BENCH_SCANS=300   timed scans per path (after 20 untimed)
 *   EDGEPAY_TEST_PG_URL  PostgreSQL (default postgres://postgres@127.0.0.1:5432/test)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { relayFlow } from '../edge-services/index.ts';
import { enrolGateway, serverTesting, startServer, wallet } from '../server/index.ts';
import { emit, log, percentile, round } from './report.ts';

const ADMIN = 'relay-bench-admin-token-0123456789';

export async function run(): Promise<number> {
  const scans = Number(process.env.BENCH_SCANS ?? 300);
  const database = await serverTesting.freshPostgres();
  const server = await startServer({ ...(database.databaseUrl ? { databaseUrl: database.databaseUrl } : {}), adminToken: ADMIN, ledgerSweeper: false, forwarder: false, wallet: { demoSignIn: true } });
  const dir = mkdtempSync(join(tmpdir(), 'edgepay-relay-bench-'));
  const stops: (() => Promise<unknown>)[] = [];
  try {
    log(`relay bench on ${database.label}`);
    const admin = async (path: string, body: unknown, method = 'PUT') => {
      const res = await fetch(server.url + path, { method, headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      if (!res.ok) throw new Error(`${path}: ${res.status}`);
      return res.json() as Promise<any>;
    };
    const gw = await enrolGateway(server.db, 'bench-store', 'bench');
    const agent = await admin('/admin/relay/pos-agents', { siteId: 'bench-store' }, 'POST');
    await admin('/admin/relay/terminals/B-DIRECT', { siteId: 'bench-store', gatewayId: gw.gatewayId, label: 'direct' });
    await admin('/admin/relay/terminals/B-POS', { siteId: 'bench-store', gatewayId: gw.gatewayId, label: 'pos', posAgentId: agent.agentId });
    const direct = new relayFlow.RelayTerminal({ serverUrl: server.url, credential: gw.credential, terminalId: 'B-DIRECT', seenFile: join(dir, 'd.seen'), sale: { amount: 4_500, currency: 'KRW' } });
    const paired = new relayFlow.RelayTerminal({ serverUrl: server.url, credential: gw.credential, terminalId: 'B-POS', seenFile: join(dir, 'p.seen') });
    const pos = await relayFlow.startPosProgram({
      serverUrl: server.url,
      apps: [{ appId: 'edgepay-pay', label: 'EdgePay Pay', destinationPath: '/relay/destinations/payment-code/submit' }],
      sale: { amount: 4_500, currency: 'KRW' },
    });
    const posAgent = relayFlow.startPosAgent({ serverUrl: server.url, credential: agent.credential, driver: relayFlow.simulatedPosDriver(pos.url), pollMs: 2 });
    stops.push(
      () => posAgent.stop(),
      () => direct.stop(),
      () => paired.stop(),
      () => pos.close(),
    );
    while (!direct.screen().connected || !paired.screen().connected || !posAgent.connected) await new Promise((r) => setTimeout(r, 20));

    await wallet.seedDemoWallet(server.db);
    const [user] = await wallet.demoUsers(server.db);
    const signIn = await fetch(`${server.url}/wallet/api/demo/sign-in`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ userId: user!.userId }) });
    const cookie = signIn.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; ');
    const codes = async (n: number) => {
      const out: string[] = [];
      while (out.length < n) {
        const c = (await (await fetch(`${server.url}/wallet/api/relay/codes`, { headers: { cookie } })).json()) as { paymentCode: { barcode: string; qr: string } };
        out.push(c.paymentCode.barcode, c.paymentCode.qr);
      }
      return out.slice(0, n);
    };

    for (const [metric, terminal] of [
      ['scan-to-destination-direct', direct],
      ['scan-to-destination-pos', paired],
    ] as const) {
      const all = await codes(scans + 20);
      const times: number[] = [];
      for (const [i, code] of all.entries()) {
        const t0 = performance.now();
        const answer = await terminal.scan(code);
        const ms = performance.now() - t0;
        if (!('relay' in answer) || answer.relay.status !== 'paid') throw new Error(`${metric}: not paid: ${JSON.stringify(answer)}`);
        if (i >= 20) times.push(ms);
      }
      const p50 = percentile(times, 50);
      const p99 = percentile(times, 99);
      log(`${metric}: p50 ${p50.toFixed(2)} ms, p99 ${p99.toFixed(2)} ms over ${times.length} (goal p99 < 100 ms)`);
      emit({ bench: 'relay', subject: 'edgepay', metric, value: round(p50), unit: 'ms', p99: round(p99), samples: times.length, goalP99Ms: 100, database: database.label });
    }

    // The peer: a terminal that only receives its commands; each scan is posted, and what is timed is
    // its command's bare POST to the destination (then its result is posted so the scan settles).
    await admin('/admin/relay/terminals/B-PEER', { siteId: 'bench-store', gatewayId: gw.gatewayId, label: 'peer' });
    const commands: any[] = [];
    let wake: (() => void) | undefined;
    const peerStream = relayFlow.openCommandStream(
      { serverUrl: server.url, credential: gw.credential, terminalId: 'B-PEER' },
      {
        onCommand: (c) => {
          if (!commands.some((x) => x.id === c.id)) commands.push(c);
          wake?.();
        },
      },
    );
    stops.unshift(() => peerStream.stop());
    while (!peerStream.connected) await new Promise((r) => setTimeout(r, 20));
    const floor: number[] = [];
    for (const [i, code] of (await codes(scans + 20)).entries()) {
      const scanned = fetch(`${server.url}/relay/v1/relays`, {
        method: 'POST',
        headers: { authorization: `Bearer ${gw.credential}`, 'content-type': 'application/json' },
        body: JSON.stringify({ id: crypto.randomUUID(), terminalId: 'B-PEER', code, operation: 'pay' }),
      });
      while (commands.length === 0) await new Promise<void>((r) => (wake = r));
      const c = commands.shift()!;
      const t0 = performance.now();
      const res = await fetch(new URL(c.destinationPath, server.url), {
        method: 'POST',
        headers: { authorization: `Bearer ${c.grant}`, 'content-type': 'application/json' },
        body: JSON.stringify({ reference: c.relayId, code: c.code, operation: 'pay', amount: { amount: 4_500, currency: 'KRW' } }),
      });
      const answer = (await res.json()) as { answer: { status: string } };
      const ms = performance.now() - t0;
      if (answer.answer?.status !== 'approved') throw new Error(`peer: not approved: ${JSON.stringify(answer)}`);
      if (i >= 20) floor.push(ms);
      await relayFlow.postResult(server.url, gw.credential, c.id, { outcome: 'answered', answer: answer.answer as never });
      await (await scanned).json();
    }
    const p50 = percentile(floor, 50);
    const p99 = percentile(floor, 99);
    log(`bare-destination-post (the floor of scan-to-destination-direct): p50 ${p50.toFixed(2)} ms, p99 ${p99.toFixed(2)} ms over ${floor.length}`);
    emit({ bench: 'relay', subject: 'bare-destination-post', metric: 'scan-to-destination-direct', value: round(p50), unit: 'ms', p99: round(p99), samples: floor.length, database: database.label });
    return 0;
  } finally {
    for (const s of stops) await s().catch(() => undefined);
    await server.close();
    await database.drop();
    rmSync(dir, { recursive: true, force: true });
  }
}
