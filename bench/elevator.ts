/**
 * `npm run bench -- elevator`: the elevator flow's figures (issue 19).
 *  - request-to-card: the courier's request at the lobby desk (LobbyDesk, the
 *    gateway's real orchestration) to the virtual card loaded in the card
 *    terminal (a simulator process on the CURVE bus), through the server on
 *    PostgreSQL: the delivery, the request to pay to the unit, the phone's
 *    live stream, the approval (automated: sent the moment the phone sees the
 *    request; the gap between seeing and sending is taken out), the card
 *    issued and sealed, the long poll's answer, `terminal.load-card`.
 *    p50/p99 over BENCH_DELIVERIES (200). Goal: p99 under 300 ms on loopback.
 *  - issuer-decision: the issuer's authorisation decision alone
 *    (`issuer.authorise`: open the sealed request, decide under the card's
 *    lock, record, hold the money), one fresh card each, p50/p99 over
 *    BENCH_DECISIONS (200). Goal: p99 under 20 ms (Stripe Issuing gives its
 *    users 2 s to decide).
 *  - single-use-approvals: approvals among 100 concurrent authorisations of
 *    one card (must be 1).
 *
 *
 * The named peer, measured in the same run, interleaved with ours (the same
 * machine, the same load): the floor that the request path cannot beat.
 *  - `http-roundtrip+pg-transaction` / request-to-card: one HTTP round trip
 *    to the same Fastify server whose handler commits one PostgreSQL write
 *    transaction (INSERT ... RETURNING), nothing else. Our path is several
 *    of those (the delivery, the request to pay, the approval, the card's
 *    issue), a long poll and a bus command.
 *  - `pg-transaction` / issuer-decision: one committed write transaction on
 *    the same pool, the floor of a decision that must be durable.
 *
 * Lines:
 *   edgepay                        request-to-card        ms     p50, with p99
 *   http-roundtrip+pg-transaction  request-to-card        ms     p50, with p99
 *   edgepay                        issuer-decision        ms     p50, with p99
 *   pg-transaction                 issuer-decision        ms     p50, with p99
 *   edgepay                        single-use-approvals   count  of 100
 * EDGEPAY_TEST_PG_URL picks the PostgreSQL (PGlite where none runs).
 */
import { randomBytes } from 'node:crypto';
import type { PhonePaymentRequestView } from '../core/index.ts';
import { LobbyDesk, newTerminalKey, openCard, sealAuthorisation, startBus, startDeviceSimulators, x25519Private, x25519Public } from '../edge-services/index.ts';
import { buildApp, issuer, openDatabase, serverTesting, wallet as walletContext } from '../server/index.ts';
import { emit, log, percentile, round } from './report.ts';
import { benchWallet, openEventStream } from './wallet-requests-kit.ts';

const BENCH = 'elevator';
const FLOOR_PEER = 'http-roundtrip+pg-transaction';
const TX_PEER = 'pg-transaction';
const FLOOR_PATH = '/bench/elevator-floor';
const ADMIN = 'bench-elevator-admin-token-0123456789';
const SITE = 'bench-tower';
const TERMINAL = 'bench-lobby-terminal';

const intEnv = (name: string, fallback: number) => {
  const n = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive integer`);
  return n;
};

export async function run(_args: string[]): Promise<number> {
  const deliveries = intEnv('BENCH_DELIVERIES', 200);
  const decisions = intEnv('BENCH_DECISIONS', 200);
  const database = await serverTesting.freshPostgres();
  const db = await openDatabase(database.databaseUrl ? { databaseUrl: database.databaseUrl } : {});
  const demo = await walletContext.seedDemoWallet(db);
  const resident = demo.users.find((u) => u.role === 'resident')!.userId;
  await db.query('DELETE FROM wallet_memberships WHERE unit = $1 AND user_id <> $2', [demo.unit, resident]);
  const phone = benchWallet(resident, { buildingId: demo.buildingId, unit: demo.unit });
  const server = await buildApp({ db, adminToken: ADMIN, forwarder: false, paymentRequests: phone.deps, issuer: { sweepMs: 0 } });
  // The peer's route on the same server: one committed write transaction per request, nothing else.
  await db.query('CREATE TABLE IF NOT EXISTS bench_elevator_floor (id BIGSERIAL PRIMARY KEY, at TIMESTAMPTZ NOT NULL DEFAULT now())');
  const floorTx = () => db.transaction(async (tx) => (await tx.query<{ id: string }>('INSERT INTO bench_elevator_floor DEFAULT VALUES RETURNING id')).rows[0]!.id);
  server.app.post(FLOOR_PATH, async () => ({ id: await floorTx() }));
  const url = await server.app.listen({ host: '127.0.0.1', port: 0 });
  const admin = async (path: string, body: unknown, method = 'POST') => {
    const res = await fetch(url + path, { method, headers: { authorization: 'Bearer ' + ADMIN, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const text = await res.text();
    if (!res.ok) throw new Error(`${path}: ${res.status} ${text}`);
    return JSON.parse(text);
  };
  const stops: (() => Promise<unknown> | unknown)[] = [];
  try {
    const gw = await admin('/admin/gateways', { siteId: SITE, name: 'bench lobby' });
    const key = newTerminalKey();
    await admin(`/admin/issuer/terminals/${TERMINAL}`, { publicKey: key.publicKey }, 'PUT');
    await admin(`/admin/elevator/sites/${SITE}`, { buildingId: demo.buildingId, terminalId: TERMINAL, place: 'Bench lobby', cardLifeSeconds: 300, answerSeconds: 60 }, 'PUT');
    await admin('/admin/elevator/couriers', { code: 'BENCH-COURIER', merchantId: 'bench-merchant', merchantName: 'Bench Delivery' });

    // ---- request-to-card ----
    const bus = await startBus();
    stops.push(() => bus.stop());
    const sims = startDeviceSimulators(bus, { only: ['card-terminal'], options: { 'card-terminal': { cardKey: key.privateKey, issuerUrl: url, issuerTerminalId: TERMINAL, stepMs: 1 } } });
    stops.push(() => sims.stop());
    await sims.ready();
    for (let end = Date.now() + 30_000; ; ) {
      try {
        await bus.bus.command('terminal-1', 'device.ping', {});
        break;
      } catch (err) {
        if (Date.now() > end) throw err;
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    const desk = new LobbyDesk(bus.bus, { server: { serverUrl: url, credential: gw.credential }, currency: 'KRW', terminalId: 'terminal-1', elevatorId: 'elevator-none' });
    stops.push(() => desk.stop());
    let reaction = 0;
    const stream = await openEventStream(url + '/wallet/api/requests/stream', phone.headers, (e) => {
      if (e.event !== 'request') return;
      const r = e.data.request as PhonePaymentRequestView;
      const sent = performance.now();
      reaction = sent - e.at; // the phone saw it at e.at; the automated person answers now
      void fetch(url + `/wallet/api/requests/${r.id}/approve`, {
        method: 'POST',
        headers: { ...phone.headers, 'content-type': 'application/json' },
        body: JSON.stringify({ proof: phone.proof({ requestId: r.id, amount: r.amount, currency: r.currency, payeeId: r.payee.id }) }),
      }).then((res) => res.arrayBuffer());
    });
    stops.push(() => stream.close());
    const toCard: number[] = [];
    const floor: number[] = [];
    const warmup = 10;
    for (let i = 0; i < warmup + deliveries; i++) {
      const cardReady = new Promise<number>((resolve, reject) => {
        const off = desk.onChange((s) => {
          if (s.step === 'card-ready') {
            off();
            resolve(performance.now());
          } else if (s.step !== 'sending' && s.step !== 'waiting-orderer' && s.step !== 'approved') {
            off();
            reject(new Error('the delivery ended at ' + s.step));
          }
        });
      });
      reaction = 0;
      const t0 = performance.now();
      desk.request({ courierCode: 'BENCH-COURIER', unit: demo.unit, amount: 10_000 + i });
      const t1 = await cardReady;
      if (i >= warmup) toCard.push(t1 - t0 - reaction);
      await desk.settled(); // charge, capture, no elevator here: refunded; not timed
      const f0 = performance.now();
      const res = await fetch(url + FLOOR_PATH, { method: 'POST', headers: { authorization: 'Bearer ' + gw.credential } });
      await res.arrayBuffer();
      if (!res.ok) throw new Error(`${FLOOR_PATH}: ${res.status}`);
      if (i >= warmup) floor.push(performance.now() - f0);
      if ((i + 1) % 50 === 0) log(`elevator: ${i + 1}/${warmup + deliveries} deliveries`);
    }
    const p = (xs: number[], q: number) => round(percentile(xs, q), 2);
    const dbKind = database.databaseUrl ? 'postgres' : 'pglite';
    emit({ bench: BENCH, subject: 'edgepay', metric: 'request-to-card', value: p(toCard, 50), unit: 'ms', p99: p(toCard, 99), samples: toCard.length, goalP99: 300, database: dbKind });
    emit({ bench: BENCH, subject: FLOOR_PEER, metric: 'request-to-card', value: p(floor, 50), unit: 'ms', p99: p(floor, 99), samples: floor.length, database: dbKind });

    // ---- issuer-decision and single use ----
    const terminalKey = x25519Private(key.privateKey);
    const issuerKey = x25519Public((await issuer.issuerKeys(db)).publicKey);
    const issue = (amount: number) =>
      db.transaction((tx) =>
        issuer.issueCard(db, tx, {
          reference: 'bench:' + randomBytes(8).toString('hex'),
          amount,
          currency: 'KRW',
          merchantId: 'bench-merchant',
          terminalId: TERMINAL,
          lifeSeconds: 300,
          funding: { accountId: 'buyer_funding:bench:KRW', owner: 'bench' },
        }),
      );
    const body = (card: Awaited<ReturnType<typeof issue>>, amount: number) =>
      sealAuthorisation(terminalKey, issuerKey, TERMINAL, 'auth_' + randomBytes(10).toString('hex'), { ...openCard(terminalKey, card), amount, currency: 'KRW', merchantId: 'bench-merchant' });
    const decide: number[] = [];
    const bareTx: number[] = [];
    for (let i = 0; i < warmup + decisions; i++) {
      const b = body(await issue(5_000), 5_000);
      const t0 = performance.now();
      const d = await issuer.authorise(db, b);
      if (i >= warmup) decide.push(performance.now() - t0);
      if (d.decision !== 'approved') throw new Error('a fresh card was declined: ' + d.reason);
      const b0 = performance.now();
      await floorTx();
      if (i >= warmup) bareTx.push(performance.now() - b0);
    }
    emit({ bench: BENCH, subject: 'edgepay', metric: 'issuer-decision', value: p(decide, 50), unit: 'ms', p99: p(decide, 99), samples: decide.length, goalP99: 20 });
    emit({ bench: BENCH, subject: TX_PEER, metric: 'issuer-decision', value: p(bareTx, 50), unit: 'ms', p99: p(bareTx, 99), samples: bareTx.length });
    const card = await issue(7_000);
    const answers = await Promise.all(Array.from({ length: 100 }, () => issuer.authorise(db, body(card, 7_000))));
    const approvals = answers.filter((a) => a.decision === 'approved').length;
    emit({ bench: BENCH, subject: 'edgepay', metric: 'single-use-approvals', value: approvals, unit: 'count', of: 100, goal: 1 });
    await serverTesting.assertLedgerBalanced(db, { graceSeconds: 3600 });
    return approvals === 1 ? 0 : 1;
  } finally {
    for (const s of stops.reverse()) await Promise.resolve(s()).catch(() => undefined);
    await server.app.close();
    await db.close();
    await database.drop();
  }
}
