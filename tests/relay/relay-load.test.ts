/**
 * The relay under load: 1,000 payment codes from 20 terminals (18 stand-alone,
 * 2 paired with a POS program and its POS agent, each in its own process), the
 * first POS agent SIGKILLed and restarted in the middle. Every code is relayed
 * exactly once: 1,000 relays, all paid, 1,000 destination approvals, 1,000
 * payment transfers, each POS submission typed once; the ledger balances.
 * `npm test` runs 200 codes (about a minute on a quiet machine);
 * RELAY_LOAD_CODES=1000 runs the 1,000 (a few minutes).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { relayFlow } from '../../edge-services/index.ts';
import { serverTesting } from '../../server/index.ts';
import { RelayWorld, type Phone } from './relay-world.ts';

const CODES = Number(process.env.RELAY_LOAD_CODES ?? 200);
const TERMINALS = 20;
const POOL = 8;
const CONNECTION_LIMIT = 12;

describe(`relay load: ${CODES} codes from ${TERMINALS} terminals, a POS agent restarted mid-way`, () => {
  let world: RelayWorld;
  const terminals: relayFlow.RelayTerminal[] = [];
  let pos: Awaited<ReturnType<RelayWorld['pairedTerminal']>>[] = [];
  let phones: Phone[] = [];

  before(async () => {
    // Codes are issued up front for the whole run: they live an hour here, not the wallet's 3 minutes.
    // PostgreSQL's max_connections (100) is shared with everything else on the machine: the server
    // keeps a pool of 8 (+1 for LISTEN), and its role may hold 12 at most, so PostgreSQL itself bounds
    // the run (terminals, POS agents and POS programs reach only the server, over HTTP, never the database).
    world = await RelayWorld.start({ relay: { deadlineMs: 30_000, waitMs: 40_000, codeTtlSeconds: 3_600 }, pgPoolSize: POOL, connectionLimit: CONNECTION_LIMIT });
    pos = [await world.pairedTerminal('L-POS-0', { sale: 3_000, destinationTimeoutMs: 20_000 }), await world.pairedTerminal('L-POS-1', { sale: 3_000, destinationTimeoutMs: 20_000 })];
    phones = await Promise.all([0, 1, 2].map((i) => world.phone(i)));
    for (let i = 0; i < TERMINALS - 2; i++) {
      const id = `L-${i}`;
      await world.admin(`/admin/relay/terminals/${id}`, { siteId: world.gateway.siteId, gatewayId: world.gateway.gatewayId, label: id });
      terminals.push(
        new relayFlow.RelayTerminal({
          serverUrl: world.server.url,
          credential: world.gateway.credential,
          terminalId: id,
          seenFile: join(world.dir, `${id}.seen`),
          sale: { amount: 1_000 + i, currency: 'KRW' },
          destinationTimeoutMs: 20_000,
        }),
      );
    }
  });
  after(async () => {
    await Promise.all(terminals.map((t) => t.stop()));
    await serverTesting.assertLedgerBalanced(world.server.db);
    await world.stop();
  });

  test('each code relayed exactly once, none lost', async () => {
    // The phones' codes: each issue is a barcode and a QR.
    const codes: string[] = [];
    while (codes.length < CODES) {
      const batch = await Promise.all(phones.map((p) => p.codes()));
      for (const c of batch) codes.push(c.paymentCode.barcode, c.paymentCode.qr);
    }
    codes.length = CODES;
    const perTerminal = Math.ceil(CODES / TERMINALS);
    const scanners: ((code: string) => Promise<any>)[] = [
      ...pos.map(
        (p) => (code: string) => fetch(`${p.terminal.url}/api/relay/scan`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code }) }).then((r) => r.json()),
      ),
      ...terminals.map((t) => (code: string) => t.scan(code)),
    ];
    let done = 0;
    let restarted: Promise<unknown> | undefined;
    const started = performance.now();
    // The most connections the run holds at once (its role's, sampled).
    let most = 0;
    const sampler = setInterval(() => {
      void world.server.db.query<{ n: string }>('SELECT count(*) AS n FROM pg_stat_activity WHERE usename = current_user').then(
        (r) => (most = Math.max(most, Number(r.rows[0]!.n))),
        () => undefined,
      );
    }, 200);
    const answers = await Promise.all(
      scanners.map(async (scan, ti) => {
        const out: any[] = [];
        for (const code of codes.slice(ti * perTerminal, (ti + 1) * perTerminal)) {
          out.push(await scan(code));
          done++;
          if (done === Math.floor(CODES * 0.3) && !restarted) {
            // In the middle: the first POS agent dies (whatever it holds) and comes back.
            restarted = pos[0]!.agent.kill('SIGKILL').then(() => world.restartAgent(pos[0]!.agentConfig));
          }
        }
        return out;
      }),
    );
    await restarted;
    clearInterval(sampler);
    const flat = answers.flat();
    console.error(
      `relay load: ${flat.length} scans in ${((performance.now() - started) / 1000).toFixed(1)} s; at most ${most} PostgreSQL connections; ${world.server.db.connectionsRefused ?? 0} refused and asked again`,
    );
    assert.ok(most <= POOL + 1, `${most} connections: more than the pool and its LISTEN connection`);
    const notPaid = flat.filter((a) => a.relay?.status !== 'paid');
    assert.deepEqual(
      notPaid.map((a) => (a.relay ? `${a.relay.status}/${a.relay.reason}/${a.relay.path}` : JSON.stringify(a))).slice(0, 5),
      [],
      `${notPaid.length} not paid\n${world.serverErrors().slice(0, 3000)}`,
    );
    assert.equal(new Set(flat.map((a) => a.relay.id)).size, CODES);

    const db = world.server.db;
    const count = async (sql: string) => Number((await db.query<{ n: string }>(sql)).rows[0]!.n);
    assert.equal(await count("SELECT count(*) AS n FROM relay_transactions WHERE status = 'paid'"), CODES);
    assert.equal(await count('SELECT count(*) AS n FROM relay_transactions'), CODES);
    assert.equal(await count("SELECT count(*) AS n FROM relay_destination_records WHERE status = 'approved'"), CODES);
    assert.equal(await count("SELECT count(DISTINCT reference) AS n FROM ledger_transfers WHERE code = 'relay-pay'"), CODES);
    assert.equal(await count("SELECT count(*) AS n FROM ledger_transfers WHERE code = 'relay-pay'"), CODES);
    assert.equal(await count("SELECT count(*) AS n FROM relay_commands WHERE state <> 'done'"), 0);
    assert.equal(await count('SELECT count(*) AS n FROM relay_issued_codes WHERE consumed_by IS NOT NULL'), CODES);
    // Every POS submission typed once: one in-progress line per reference in the POS programs' records.
    for (const id of ['L-POS-0', 'L-POS-1']) {
      const lines = readFileSync(join(world.dir, `pos-${id}.jsonl`), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { reference: string; state: string });
      const started = lines.filter((l) => l.state === 'in-progress').map((l) => l.reference);
      assert.equal(new Set(started).size, started.length, `${id}: a reference submitted twice`);
      assert.equal(started.length, perTerminal);
    }
  });
});
