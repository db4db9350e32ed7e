/**
 * The relay while PostgreSQL refuses connections: the server's pool wants 8,
 * its database role may hold 4 (one of them LISTENs), as when max_connections
 * is reached by others on the machine. 60 codes from 6 stand-alone terminals
 * and one paired with a POS program, all at once: every code is paid exactly
 * once (one destination approval, one transfer, one POS submission each), and
 * PostgreSQL did refuse connections during the run (else this proves nothing).
 * Before refused connections were waited for, such a run lost sales (500s
 * that ended as cancelled relays).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { relayFlow } from '../../edge-services/index.ts';
import { serverTesting } from '../../server/index.ts';
import { RelayWorld, type Phone } from './relay-world.ts';

const CODES = 60;
const DIRECT = 6;

describe('relay while PostgreSQL refuses connections (role limited to 4, pool of 8)', () => {
  let world: RelayWorld;
  const terminals: relayFlow.RelayTerminal[] = [];
  let pos: Awaited<ReturnType<RelayWorld['pairedTerminal']>>;
  let phones: Phone[] = [];

  before(async () => {
    world = await RelayWorld.start({ relay: { deadlineMs: 30_000, waitMs: 40_000 }, pgPoolSize: 8, connectionLimit: 4 });
    pos = await world.pairedTerminal('Q-POS', { sale: 2_000, destinationTimeoutMs: 20_000 });
    phones = await Promise.all([0, 1].map((i) => world.phone(i)));
    for (let i = 0; i < DIRECT; i++) {
      const id = `Q-${i}`;
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

  test(`${CODES} codes at once from ${DIRECT + 1} terminals: each paid exactly once`, async (t) => {
    if (world.server.db.kind !== 'postgres') return t.skip('needs PostgreSQL (a role with a connection limit)');
    const codes: string[] = [];
    while (codes.length < CODES) {
      const batch = await Promise.all(phones.map((p) => p.codes()));
      for (const c of batch) codes.push(c.paymentCode.barcode, c.paymentCode.qr);
    }
    codes.length = CODES;
    const scanners: ((code: string) => Promise<any>)[] = [
      (code) => fetch(`${pos.terminal.url}/api/relay/scan`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code }) }).then((r) => r.json()),
      ...terminals.map((term) => (code: string) => term.scan(code)),
    ];
    const per = Math.ceil(CODES / scanners.length);
    const refusedBefore = world.server.db.connectionsRefused ?? 0;
    // Each terminal scans its codes two at a time (a shop with a queue), all terminals at once.
    const answers = (
      await Promise.all(
        scanners.map(async (scan, ti) => {
          const mine = codes.slice(ti * per, (ti + 1) * per);
          const out: any[] = [];
          const lane = async (offset: number) => {
            for (let i = offset; i < mine.length; i += 2) out.push(await scan(mine[i]!));
          };
          await Promise.all([lane(0), lane(1)]);
          return out;
        }),
      )
    ).flat();
    const refused = (world.server.db.connectionsRefused ?? 0) - refusedBefore;
    console.error(`relay refused connections: ${answers.length} scans, ${refused} connections refused and asked again`);
    const notPaid = answers.filter((a) => a.relay?.status !== 'paid');
    assert.deepEqual(notPaid.map((a) => (a.relay ? `${a.relay.status}/${a.relay.reason}` : JSON.stringify(a))).slice(0, 5), [], `${notPaid.length} not paid\n${world.serverErrors().slice(0, 3000)}`);
    assert.ok(refused > 0, 'PostgreSQL refused no connection: the run did not test what it says');

    const count = async (sql: string) => Number((await world.server.db.query<{ n: string }>(sql)).rows[0]!.n);
    assert.equal(await count("SELECT count(*) AS n FROM relay_transactions WHERE status = 'paid'"), CODES);
    assert.equal(await count("SELECT count(*) AS n FROM relay_destination_records WHERE status = 'approved'"), CODES);
    assert.equal(await count("SELECT count(*) AS n FROM ledger_transfers WHERE code = 'relay-pay'"), CODES);
    assert.equal(await count("SELECT count(*) AS n FROM ledger_transfers WHERE code = 'relay-reverse'"), 0);
    const lines = readFileSync(join(world.dir, 'pos-Q-POS.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { reference: string; state: string });
    const submitted = lines.filter((l) => l.state === 'in-progress').map((l) => l.reference);
    assert.equal(new Set(submitted).size, submitted.length, 'a reference submitted twice at the POS');
    assert.equal(submitted.length, per);
  });
});
