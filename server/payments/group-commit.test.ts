/**
 * The invariants of the payment authority's group commit (issue 24) at high
 * concurrency: 2,000 payments from 50 concurrent clients over 4 sites and 2
 * server processes sharing one PostgreSQL database, while one checkpoint
 * reader per site pulls continuously (small pages, from both processes).
 *
 * The payments take both entrances: half are recorded and decided in one call
 * (`POST /payments/authorise`), half are pushed by replication and decided by
 * `POST /payments/{id}/authorise`; every tenth is sent twice at once, to both
 * processes, with one idempotency key; amounts ending in 77 are declined by
 * the acquirer. Afterwards:
 *   - every answer is 200 with the payment decided, and the two answers of a
 *     duplicate are equal (idempotency across processes);
 *   - each payment is captured (or declined) once: one acquirer authorisation,
 *     one capture per captured payment, one `payment.captured` (or
 *     `payment.declined`) audit entry, its two ledger transfers, and the
 *     ledger balanced with the payments matching their transfers;
 *   - every reader's checkpoints only go forward, it never sees one version
 *     of a document twice, and the last version it saw of every document of
 *     its site is the one the database holds (a skipped commit would leave it
 *     an older one, or none).
 * Decisions went through the batches (the servers' /metrics count them), so
 * the test covers the group-commit path, not only the locked fallback.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { findCardDataPath, paymentSchema, uuidV7, type PaymentDoc } from '../../core/index.ts';
import { openDatabase, type Db } from '../index.ts';
import { freshPostgres, postgresReachable, type TestDatabase } from '../testing/databases.ts';
import { assertLedgerBalanced } from '../testing/ledger.ts';

const ADMIN = 'group-commit-admin-token-0123456789';
const PAYMENTS = Number(process.env.GROUP_COMMIT_PAYMENTS ?? 2000);
const CLIENTS = 50;
const SITES = 4;
const VERSION = paymentSchema.version;

type Gateway = { gatewayId: string; siteId: string; credential: string };
type Server = { url: string; child: ChildProcess };

function startServer(databaseUrl: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, '../cli.ts')], {
      env: {
        ...process.env,
        DATABASE_URL: databaseUrl,
        HOST: '127.0.0.1',
        PORT: '0',
        EDGEPAY_ADMIN_TOKEN: ADMIN,
        EDGEPAY_PRINT_URL: '1',
        // A few ms at the acquirer interleave the two decisions of each payment with the others'.
        EDGEPAY_SANDBOX_LATENCY_MS: '0,4',
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let err = '';
    child.stderr!.on('data', (d) => {
      err += d;
      const m = /EDGEPAY_SERVER_URL=(\S+)/.exec(err);
      if (m) resolve({ url: m[1]!, child });
    });
    child.on('exit', (code) => reject(new Error(`server exited ${code}: ${err.slice(-2000)}`)));
  });
}

async function call(url: string, token: string, init: { method?: string; body?: unknown; key?: string } = {}): Promise<{ status: number; text: string }> {
  for (let attempt = 1; ; attempt++) {
    try {
      const res = await fetch(url, {
        method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
        headers: {
          authorization: 'Bearer ' + token,
          ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...(init.key ? { 'idempotency-key': init.key } : {}),
        },
        ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
      });
      return { status: res.status, text: await res.text() };
    } catch (err) {
      // A keep-alive socket closed under us on a loaded machine: every call here is safe to repeat.
      if ((err as { cause?: { code?: string } }).cause?.code !== 'UND_ERR_SOCKET' || attempt >= 3) throw err;
    }
  }
}

/** A payment id core's card-number detector does not take for a PAN (the server would refuse it). */
function paymentId(): string {
  for (;;) {
    const id = uuidV7();
    if (findCardDataPath(id) === undefined) return id;
  }
}

function payment(gw: Gateway, n: number): PaymentDoc {
  const createdAt = new Date().toISOString();
  // Every 25th declined by the sandbox acquirer (amount ending in 77).
  const amount = n % 25 === 0 ? 1077 : 1000 + (n % 50) * 100;
  return {
    id: paymentId(),
    siteId: gw.siteId,
    gatewayId: gw.gatewayId,
    flow: 'kiosk',
    amount,
    currency: 'KRW',
    method: 'card-terminal',
    lineItems: [{ name: 'Lunch box', quantity: 1, unitAmount: amount, lineAmount: amount }],
    cardDisplay: { bin: '411111', last4: '1111', brand: 'visa' },
    token: `tok_test_approve_g${n}`,
    createdAt,
    offline: false,
    status: 'created',
    statusHistory: [{ status: 'created', at: createdAt, by: 'gateway' }],
  };
}

/** A checkpoint reader of one site: pulls from its checkpoint in small pages, alternating between the servers. */
class Reader {
  private checkpoint: { id: string; lwt: number } | null = null;
  /** The last version seen of each document, by id. */
  readonly last = new Map<string, { lwt: number; status: string; json: string }>();
  readonly problems: string[] = [];
  private seenVersions = new Set<string>();
  private pulls = 0;

  constructor(
    private readonly servers: Server[],
    readonly gw: Gateway,
  ) {}

  /** One page; answers how many documents it held. */
  async pull(): Promise<number> {
    const url = this.servers[this.pulls++ % this.servers.length]!.url;
    const q = this.checkpoint ? `?id=${this.checkpoint.id}&lwt=${this.checkpoint.lwt}&limit=20` : '?limit=20';
    const res = await call(`${url}/sync/payments/${VERSION}/pull${q}`, this.gw.credential);
    if (res.status !== 200) throw new Error(`pull ${res.status} ${res.text}`);
    const page = JSON.parse(res.text) as { documents: (PaymentDoc & { _deleted: boolean })[]; checkpoint: { id: string; lwt: number } | null };
    for (const doc of page.documents) {
      const json = JSON.stringify(doc);
      const version = doc.id + ' ' + json;
      if (this.seenVersions.has(version)) this.problems.push(`saw one version of ${doc.id} twice`);
      this.seenVersions.add(version);
      if (doc.siteId !== this.gw.siteId) this.problems.push(`saw ${doc.id} of another site`);
      this.last.set(doc.id, { lwt: page.checkpoint?.lwt ?? -1, status: doc.status, json });
    }
    if (page.checkpoint) {
      if (this.checkpoint && page.checkpoint.lwt <= this.checkpoint.lwt && page.documents.length > 0) {
        this.problems.push(`checkpoint went from ${this.checkpoint.lwt} to ${page.checkpoint.lwt}`);
      }
      this.checkpoint = page.checkpoint;
    }
    return page.documents.length;
  }
}

describe('group commit of payment decisions at high concurrency (2 server processes, PostgreSQL)', { timeout: 600_000 }, () => {
  let database: TestDatabase;
  let db: Db;
  const servers: Server[] = [];
  let skip = false;

  before(async () => {
    if (!(await postgresReachable())) {
      skip = true;
      return;
    }
    database = await freshPostgres();
    // One after the other: the first applies the migrations.
    for (let i = 0; i < 2; i++) servers.push(await startServer(database.databaseUrl!));
    db = await openDatabase({ databaseUrl: database.databaseUrl! });
  });

  after(async () => {
    for (const s of servers) s.child.kill('SIGTERM');
    await db?.close();
    await database?.drop();
  });

  it(`${PAYMENTS} payments from ${CLIENTS} clients over ${SITES} sites: each decided once, the ledger balanced, every reader sees every commit`, async (t) => {
    if (skip) return t.skip('PostgreSQL not reachable');
    const enrol = async (siteId: string, name: string): Promise<Gateway> => {
      const res = await call(servers[0]!.url + '/admin/gateways', ADMIN, { body: { siteId, name } });
      assert.equal(res.status, 201, res.text);
      return JSON.parse(res.text) as Gateway;
    };
    const gateways: Gateway[] = [];
    const readers: Reader[] = [];
    for (let s = 0; s < SITES; s++) {
      gateways.push(await enrol(`gc-site-${s}`, 'kiosk'));
      readers.push(new Reader(servers, await enrol(`gc-site-${s}`, 'reader')));
    }

    let writing = true;
    const reading = readers.map(async (reader) => {
      for (;;) {
        const stillWriting = writing;
        const n = await reader.pull();
        if (n === 0) {
          if (!stillWriting) return;
          await new Promise((r) => setTimeout(r, 5));
        }
      }
    });

    const sent = new Map<string, PaymentDoc>();
    const failures: string[] = [];
    let duplicatesEqual = 0;
    let next = 0;
    const decide = async (p: PaymentDoc, gw: Gateway, serverIndex: number, held: boolean): Promise<string> => {
      const url = servers[serverIndex % servers.length]!.url;
      const res = held
        ? await call(`${url}/payments/${p.id}/authorise`, gw.credential, { method: 'POST', key: p.id })
        : await call(`${url}/payments/authorise`, gw.credential, { body: { payment: p }, key: p.id });
      if (res.status !== 200) failures.push(`${res.status} ${res.text.slice(0, 200)}`);
      return res.text;
    };
    const client = async (c: number) => {
      for (;;) {
        const n = next++;
        if (n >= PAYMENTS) return;
        const gw = gateways[n % SITES]!;
        const p = payment(gw, n);
        sent.set(p.id, p);
        const held = n % 2 === 1;
        if (held) {
          const pushed = await call(`${servers[(c + n) % 2]!.url}/sync/payments/${VERSION}/push`, gw.credential, {
            body: [{ newDocumentState: { ...p, _deleted: false } }],
          });
          if (pushed.status !== 200 || pushed.text !== '[]') failures.push(`push ${pushed.status} ${pushed.text.slice(0, 200)}`);
        }
        if (n % 10 === 0) {
          // The same request at once to both processes, one key: decided once, the same answer twice.
          const [a, b] = await Promise.all([decide(p, gw, 0, held), decide(p, gw, 1, held)]);
          if (a === b) duplicatesEqual++;
          else failures.push(`duplicate answers differ: ${a.slice(0, 200)} | ${b.slice(0, 200)}`);
        } else {
          await decide(p, gw, c + n, held);
        }
      }
    };
    const started = performance.now();
    await Promise.all(Array.from({ length: CLIENTS }, (_, c) => client(c)));
    const seconds = (performance.now() - started) / 1000;
    writing = false;
    await Promise.all(reading);
    t.diagnostic(`${PAYMENTS} payments in ${seconds.toFixed(1)} s (${(PAYMENTS / seconds).toFixed(0)}/s)`);

    assert.deepEqual(failures.slice(0, 5), []);
    assert.equal(duplicatesEqual, Math.ceil(PAYMENTS / 10));

    // Each payment decided once, in the database.
    const { rows: docs } = await db.query<{ id: string; site_id: string; status: string; data: PaymentDoc }>(
      "SELECT id, site_id, data->>'status' AS status, data FROM documents WHERE collection = 'payments'",
    );
    assert.equal(docs.length, PAYMENTS);
    const declinedIds = new Set([...sent.values()].filter((p) => p.amount % 100 === 77).map((p) => p.id));
    for (const d of docs) {
      assert.ok(sent.has(d.id), 'a payment nobody sent');
      assert.equal(d.status, declinedIds.has(d.id) ? 'declined' : 'captured', d.id);
    }
    const captured = PAYMENTS - declinedIds.size;
    const count = async (sql: string) => (await db.query<{ n: string; ids: string }>(sql)).rows[0]!;
    const acquirer = await db.query<{ operation: string; n: string; keys: string }>(
      'SELECT operation, COUNT(*) AS n, COUNT(DISTINCT idempotency_key) AS keys FROM sandbox_acquirer_transactions GROUP BY 1',
    );
    const op = (name: string) => acquirer.rows.find((r) => r.operation === name);
    assert.equal(Number(op('authorise')?.n), PAYMENTS);
    assert.equal(Number(op('authorise')?.keys), PAYMENTS);
    assert.equal(Number(op('capture')?.n), captured);
    for (const action of ['payment.submitted', 'payment.authorised', 'payment.captured', 'payment.declined'] as const) {
      const r = await count(`SELECT COUNT(*) AS n, COUNT(DISTINCT payment_id) AS ids FROM audit_log WHERE action = '${action}'`);
      const expected = action === 'payment.declined' ? declinedIds.size : action === 'payment.submitted' ? PAYMENTS : captured;
      assert.equal(Number(r.n), expected, action);
      assert.equal(Number(r.ids), expected, action);
    }
    const received = await count("SELECT COUNT(*) AS n, COUNT(DISTINCT payment_id) AS ids FROM audit_log WHERE action = 'payment.received'");
    assert.equal(Number(received.n), PAYMENTS);
    const transfers = await count("SELECT COUNT(*) AS n, COUNT(DISTINCT reference) AS ids FROM ledger_transfers WHERE reference LIKE 'payment:%'");
    assert.equal(Number(transfers.n), 2 * captured);
    assert.equal(Number(transfers.ids), captured);
    await assertLedgerBalanced(db);

    // Every reader: forward only, no version twice, and the last version of every document of its site is the database's.
    for (const reader of readers) {
      assert.deepEqual(reader.problems.slice(0, 5), [], reader.gw.siteId);
      const ofSite = docs.filter((d) => d.site_id === reader.gw.siteId);
      assert.equal(reader.last.size, ofSite.length, `${reader.gw.siteId}: documents seen`);
      for (const d of ofSite) {
        const seen = reader.last.get(d.id);
        assert.ok(seen, `${reader.gw.siteId} never saw ${d.id}`);
        assert.equal(seen.status, d.status, `${reader.gw.siteId} holds an older version of ${d.id}`);
        assert.deepEqual(JSON.parse(seen.json), { ...d.data, _deleted: false });
      }
    }

    // The decisions went through the group commit, in batches of more than one.
    let batches = 0;
    let items = 0;
    for (const s of servers) {
      const metrics = (await call(s.url + '/metrics', ADMIN)).text;
      batches += Number(/^edgepay_payment_decision_batches (\d+)/m.exec(metrics)?.[1] ?? 0);
      items += Number(/^edgepay_payment_decisions_batched (\d+)/m.exec(metrics)?.[1] ?? 0);
    }
    t.diagnostic(`group commit: ${items} decisions in ${batches} batches`);
    assert.ok(items > PAYMENTS, `decisions batched: ${items}`);
    assert.ok(items > batches, `batches of more than one: ${items} in ${batches}`);
  });
});
