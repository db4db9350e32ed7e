/**
 * Requests to pay, end to end on loopback: how long a new request takes to
 * show on the phone, and an approval to reach the requester. Called by
 * `bench/wallet.ts` (`npm run bench -- wallet`); `bench/wallet-requests-main.ts`
 * runs it alone.
 *
 * Figures (one JSON line each, DESIGN.md section 8), subject `edgepay`:
 *   request-to-phone       ms, value p50 + p99: from just before the requester's
 *                          `POST /v1/payment-requests` is sent until the phone's
 *                          SSE stream (`/wallet/api/requests/stream`) has parsed
 *                          the `request` event of that request
 *   approval-to-requester  ms, value p50 + p99: from just before the phone's
 *                          `POST /wallet/api/requests/:id/approve` is sent (its
 *                          proof, an Ed25519 signature over the binding, made
 *                          before the clock starts) until the requester's SSE
 *                          stream (`/v1/payment-requests/stream`) has parsed the
 *                          `outcome` event
 * Requests go one after another (latency, not throughput), 500 timed after 20
 * untimed. Extra fields: `database` (postgres: a fresh schema on the test
 * PostgreSQL, dropped afterwards; pglite: in memory), `requests`.
 *
 * What runs: the real server app (Fastify on 127.0.0.1, the migrations, the
 * requests-to-pay plugin with LISTEN/NOTIFY delivery) with a stand-in for the
 * wallet (bench/wallet-requests-kit.ts: bearer session, Ed25519 verifier; the
 * wallet's passkey verifier is another engineer's, built at the same time), and the phone and the
 * requester as real SSE clients over node:http, all in this one process:
 * the clients share the server's event loop, which can only add to the figures.
 */
import { buildApp, openDatabase, serverTesting } from '../server/index.ts';
import { benchWallet, openEventStream, type ArrivedEvent } from './wallet-requests-kit.ts';
import { emit, log, percentile, round } from './report.ts';

export type WalletRequestsOptions = {
  /** Timed requests (default 500). */
  count?: number;
  /** Untimed requests first (default 20). */
  warmup?: number;
  /** Default 'postgres' (PGlite when no PostgreSQL is reachable off CI). */
  database?: 'postgres' | 'pglite';
  /** Print the JSON lines (default true). */
  emit?: boolean;
};

export type LatencyFigures = { p50: number; p99: number; samples: number };
export type WalletRequestsResult = { database: string; requestToPhone: LatencyFigures; approvalToRequester: LatencyFigures };

const UNIT = { buildingId: 'bench-building', unit: '101' };
const ADMIN = 'bench-wallet-requests-admin-0123456789';

export async function runWalletRequests(options: WalletRequestsOptions = {}): Promise<WalletRequestsResult> {
  const count = options.count ?? 500;
  const warmup = options.warmup ?? 20;
  const db = options.database === 'pglite' ? serverTesting.pglite() : await serverTesting.freshPostgres();
  const database = db.databaseUrl ? 'postgres' : 'pglite';
  const wallet = benchWallet('bench-phone', UNIT);
  const dbHandle = await openDatabase(db.databaseUrl ? { databaseUrl: db.databaseUrl } : {});
  const server = await buildApp({ db: dbHandle, adminToken: ADMIN, forwarder: false, paymentRequests: wallet.deps });
  const url = await server.app.listen({ host: '127.0.0.1', port: 0 });
  const streams: { close(): void }[] = [];
  try {
    const enrolled = await fetch(url + '/admin/gateways', {
      method: 'POST',
      headers: { authorization: 'Bearer ' + ADMIN, 'content-type': 'application/json' },
      body: JSON.stringify({ siteId: 'bench-site', name: 'bench lobby' }),
    });
    const gw = (await enrolled.json()) as { credential: string };

    // Arrivals keyed by what the sender knows before the answer comes back: the note for a new request, the id for an outcome.
    const waiting = new Map<string, (e: ArrivedEvent) => void>();
    const early = new Map<string, ArrivedEvent>();
    const deliver = (key: string, e: ArrivedEvent) => {
      const w = waiting.get(key);
      if (w) {
        waiting.delete(key);
        w(e);
      } else early.set(key, e);
    };
    streams.push(
      await openEventStream(url + '/wallet/api/requests/stream', wallet.headers, (e) => {
        if (e.event === 'request') deliver('note:' + e.data.request.note, e);
      }),
      await openEventStream(url + '/v1/payment-requests/stream', { authorization: 'Bearer ' + gw.credential }, (e) => {
        if (e.event === 'outcome') deliver('id:' + e.data.request.id, e);
      }),
    );
    const arrival = (key: string) =>
      new Promise<ArrivedEvent>((resolve, reject) => {
        const e = early.get(key);
        if (e) {
          early.delete(key);
          return resolve(e);
        }
        const timer = setTimeout(() => reject(new Error('no SSE event for ' + key + ' within 10 s')), 10_000);
        waiting.set(key, (ev) => {
          clearTimeout(timer);
          resolve(ev);
        });
      });

    const toPhone: number[] = [];
    const toRequester: number[] = [];
    for (let i = 0; i < warmup + count; i++) {
      const note = `bench-${i}`;
      const seen = arrival('note:' + note);
      const t0 = performance.now();
      const res = await fetch(url + '/v1/payment-requests', {
        method: 'POST',
        headers: { authorization: 'Bearer ' + gw.credential, 'content-type': 'application/json', 'idempotency-key': `bench-key-${i}` },
        body: JSON.stringify({
          to: UNIT,
          amount: 12_000 + i,
          currency: 'KRW',
          payee: { id: 'bench-payee', name: 'Bench Chicken' },
          items: [{ name: 'Chicken', quantity: 1, amount: 12_000 + i }],
          place: 'Lobby',
          note,
        }),
      });
      if (res.status !== 201) throw new Error(`create answered ${res.status}: ${await res.text()}`);
      const created = ((await res.json()) as { request: { id: string; amount: number; currency: string; payee: { id: string } } }).request;
      const shown = await seen;
      if (i >= warmup) toPhone.push(shown.at - t0);

      const proof = wallet.proof({ requestId: created.id, amount: created.amount, currency: created.currency, payeeId: created.payee.id });
      const outcome = arrival('id:' + created.id);
      const t2 = performance.now();
      const ans = await fetch(url + `/wallet/api/requests/${created.id}/approve`, {
        method: 'POST',
        headers: { ...wallet.headers, 'content-type': 'application/json' },
        body: JSON.stringify({ proof }),
      });
      if (ans.status !== 200) throw new Error(`approve answered ${ans.status}: ${await ans.text()}`);
      await ans.arrayBuffer();
      const known = await outcome;
      if (known.data.request.state !== 'approved') throw new Error('outcome ' + known.data.request.state);
      if (i >= warmup) toRequester.push(known.at - t2);
      if ((i + 1) % 100 === 0) log(`wallet requests: ${i + 1}/${warmup + count}`);
    }

    const figures = (xs: number[]): LatencyFigures => ({ p50: round(percentile(xs, 50), 2), p99: round(percentile(xs, 99), 2), samples: xs.length });
    const result: WalletRequestsResult = { database, requestToPhone: figures(toPhone), approvalToRequester: figures(toRequester) };
    if (options.emit !== false) {
      for (const [metric, f] of [
        ['request-to-phone', result.requestToPhone],
        ['approval-to-requester', result.approvalToRequester],
      ] as const) {
        emit({ bench: 'wallet', subject: 'edgepay', metric, value: f.p50, p99: f.p99, unit: 'ms', database, requests: f.samples });
      }
    }
    return result;
  } finally {
    for (const s of streams) s.close();
    await server.app.close();
    await dbHandle.close();
    await db.drop();
  }
}
