/**
 * Offline catch-up (issue "central replication server"): a gateway records
 * 1,000 payments while the server is down; the server comes back; the server
 * then holds exactly those 1,000, once each. Repeated with the server SIGKILLed
 * and restarted in the middle of the catch-up, and with the gateway SIGKILLed
 * and restarted in the middle. Server and gateway are real processes.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { uuidV7, type PaymentDoc } from '../core/index.ts';
import { openDatabase, serverTesting, type Db } from '../server/index.ts';
import { openLedger } from '../sync/index.ts';
import { kill, lastStatus, startGatewayProcess, startServerProcess, type Child } from './support/processes.ts';
import { freePort, until as untilWithin } from './support/wait.ts';

// Generous: a loaded 2-core machine runs this several times slower than an idle one.
const until = (what: string, check: () => Promise<boolean> | boolean, timeoutMs = 240_000) => untilWithin(what, check, timeoutMs);

const ADMIN = 'catch-up-admin-token-0123456';
const COUNT = Number(process.env.CATCH_UP_COUNT ?? 1000);

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
    token: i % 10 === 9 ? 'tok_test_insufficient_funds' : 'tok_test_approve',
    createdAt,
    offline: true,
    status: 'stored',
    statusHistory: [{ status: 'stored', at: createdAt, by: 'gateway' }],
  };
}

type Scenario = 'plain' | 'server killed mid-way' | 'gateway killed mid-way';

describe(`offline catch-up of ${COUNT} payments`, () => {
  let root: string;
  before(() => {
    root = mkdtempSync(join(tmpdir(), 'edgepay-catchup-'));
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  for (const scenario of ['plain', 'server killed mid-way', 'gateway killed mid-way'] as Scenario[]) {
    it(scenario, { timeout: 600_000 }, async () => {
      const dir = join(root, scenario.replace(/\W+/g, '-'));
      const pgliteDir = join(dir, 'server');
      const port = await freePort();
      const url = `http://127.0.0.1:${port}`;
      const children: Child[] = [];
      try {
        // Enrol while the server is up once, then take it down.
        let server = await startServerProcess({ port, pgliteDir, adminToken: ADMIN });
        const res = await fetch(url + '/admin/gateways', {
          method: 'POST',
          headers: { authorization: 'Bearer ' + ADMIN, 'content-type': 'application/json' },
          body: JSON.stringify({ siteId: 'site-cu', name: 'kiosk' }),
        });
        const gw = (await res.json()) as { gatewayId: string; credential: string };
        await kill(server, 'SIGTERM');

        // Offline: the gateway records the payments.
        const ledger = await openLedger({ directory: join(dir, 'gateway') });
        const recorded = Array.from({ length: COUNT }, (_, i) => payment('site-cu', gw.gatewayId, i));
        for (let i = 0; i < recorded.length; i += 100) await ledger.db.payments.bulkInsert(recorded.slice(i, i + 100));
        await ledger.close();

        // Small pushes make the catch-up long enough to be interrupted.
        let gateway = await startGatewayProcess(join(dir, 'gateway'), url, gw.credential, 20);
        children.push(gateway);
        server = await startServerProcess({ port, pgliteDir, adminToken: ADMIN });
        children.push(server);

        // The gateway counts a payment as sent once the server's receipt came back down.
        const pending = () => lastStatus(gateway)?.pending ?? COUNT;
        if (scenario !== 'plain') {
          await until('part of the catch-up', async () => pending() <= COUNT * 0.8);
          assert.ok(pending() > 0, 'interrupted before the end');
          if (scenario === 'server killed mid-way') {
            await kill(server);
            server = await startServerProcess({ port, pgliteDir, adminToken: ADMIN });
            children.push(server);
          } else {
            await kill(gateway);
            gateway = await startGatewayProcess(join(dir, 'gateway'), url, gw.credential, 20);
            children.push(gateway);
          }
        }
        await until('every payment acknowledged by the server', async () => lastStatus(gateway)?.pending === 0).catch((err) => {
          throw new Error(`${(err as Error).message}; last gateway status ${JSON.stringify(lastStatus(gateway))}; gateway output tail: ${gateway.output().slice(-1500)}`);
        });
        // ... and forwarded to the acquirer (the server's forwarding queue is empty).
        await until('the forwarding queue drained', async () => {
          const text = await fetch(url + '/metrics').then(
            (r) => r.text(),
            () => '',
          );
          return /^edgepay_forward_queue_length 0$/m.test(text);
        });
        await kill(gateway, 'SIGTERM');
        await kill(server, 'SIGTERM');

        // Read the server's database directly (the server is stopped, so PGlite is free).
        const db: Db = await openDatabase({ pgliteDir });
        try {
          const { rows } = await db.query<{ id: string }>("SELECT id FROM documents WHERE collection = 'payments' AND site_id = 'site-cu'");
          const ids = rows.map((r) => r.id).sort();
          assert.equal(ids.length, COUNT, 'exactly the recorded number of payments');
          assert.deepEqual(ids, recorded.map((p) => p.id).sort(), 'exactly those payments, once each');
          // Forwarded exactly once each: one authorisation at the acquirer, one decision.
          const charges = await db.query<{ n: string | number }>("SELECT COUNT(*) AS n FROM sandbox_acquirer_transactions WHERE operation = 'authorise'");
          assert.equal(Number(charges.rows[0]!.n), COUNT, 'one authorisation per payment');
          const statuses = await db.query<{ status: string; n: string | number }>("SELECT data->>'status' AS status, COUNT(*) AS n FROM documents WHERE collection = 'payments' GROUP BY 1 ORDER BY 1");
          assert.deepEqual(
            statuses.rows.map((r) => [r.status, Number(r.n)]),
            [
              ['captured', COUNT - COUNT / 10],
              ['declined', COUNT / 10],
            ],
          );
          const forwardedTwice = await db.query("SELECT payment_id FROM audit_log WHERE action = 'payment.forwarded' GROUP BY payment_id HAVING COUNT(*) > 1");
          assert.deepEqual(forwardedTwice.rows, [], 'no payment forwarded twice');
          // Each forwarded payment's money in the ledger once: captured ones posted, declined ones none.
          await serverTesting.assertLedgerBalanced(db);
          const posted = await db.query<{ n: string | number }>("SELECT COUNT(*) AS n FROM ledger_transfers WHERE kind = 'post_pending' AND id LIKE 'payment:%:capture'");
          assert.equal(Number(posted.rows[0]!.n), COUNT - COUNT / 10, 'one posted capture per captured payment');
        } finally {
          await db.close();
        }
      } finally {
        for (const c of children) await kill(c).catch(() => undefined);
      }
    });
  }
});
