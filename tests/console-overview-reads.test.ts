/**
 * The console's overview with a backlog of unsent payments (issue 25's
 * 10,000-payment run): it shows the right counts without reading the
 * payments. It read every unsent payment twice (the sync status and the
 * unsent card) and every declined one once, on each of its twice-a-second
 * polls, on the thread that pushes the backlog. The ledger keeps the counts
 * (sync/ledger/unsent-payments.ts).
 *
 * The gateway's server is an address nobody answers (it is offline, as while
 * a backlog builds): the sync status is still computed.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { uuidV7, type ConsoleOverview, type PaymentDoc } from '../core/index.ts';
import { startGatewayRuntime } from '../edge-services/index.ts';
import { freePort } from './support/wait.ts';

const BACKLOG = 3000;
const PIN = '482916';

function payment(i: number): PaymentDoc {
  const createdAt = new Date(Date.now() - (BACKLOG - i) * 1000).toISOString();
  return {
    id: uuidV7(),
    siteId: 'site-ov',
    gatewayId: 'gw-ov',
    flow: 'kiosk',
    amount: 1000,
    currency: 'KRW',
    method: 'card-terminal',
    lineItems: [{ name: 'item ' + i, quantity: 1, unitAmount: 1000, lineAmount: 1000 }],
    createdAt,
    offline: true,
    // One in ten was forwarded and declined; the rest wait to be sent.
    status: i % 10 === 9 ? 'declined' : 'stored',
    statusHistory: [{ status: 'stored', at: createdAt, by: 'gateway' }],
  };
}

describe('the console overview with a backlog', () => {
  it(`counts ${BACKLOG} payments without reading them`, { timeout: 120_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'edgepay-overview-'));
    const gw = await startGatewayRuntime({
      dataDir: join(dir, 'gateway'),
      siteId: 'site-ov',
      gatewayId: 'gw-ov',
      operatorPin: PIN,
      // Nobody listens there: the gateway is offline all along.
      server: { url: `http://127.0.0.1:${await freePort()}`, credential: 'gw_unused.c2VjcmV0', backoff: { initialMs: 60_000, maxMs: 60_000 } },
      http: { port: 0 },
    });
    try {
      const base = gw.api!.url;
      const signIn = await fetch(base + '/api/console/session', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ pin: PIN }) });
      assert.equal(signIn.status, 200);
      const { token } = (await signIn.json()) as { token: string };
      const overview = async () => {
        const res = await fetch(base + '/api/console/overview', { headers: { authorization: 'Bearer ' + token } });
        assert.equal(res.status, 200);
        return (await res.json()) as ConsoleOverview;
      };
      await overview();

      const payments = gw.gateway.ledger.db.payments;
      const docs = Array.from({ length: BACKLOG }, (_, i) => payment(i));
      for (let i = 0; i < docs.length; i += 500) await payments.bulkInsert(docs.slice(i, i + 500));

      // Count what the payments' storage hands out while the console reads its overview.
      const storage = payments.storageInstance as { query(q: unknown): Promise<{ documents: unknown[] }> };
      const query = storage.query.bind(storage);
      let read = 0;
      storage.query = async (q) => {
        const result = await query(q);
        read += result.documents.length;
        return result;
      };
      let o: ConsoleOverview;
      try {
        o = await overview();
      } finally {
        storage.query = query;
      }
      const declined = docs.filter((d) => d.status === 'declined').length;
      assert.equal(o.unsent.count, BACKLOG - declined);
      assert.deepEqual(o.unsent.sums, [{ amount: (BACKLOG - declined) * 1000, currency: 'KRW' }]);
      assert.equal(o.sync?.pending.count, BACKLOG - declined, 'the sync status counts the same');
      assert.equal(o.declinedAfterForward, declined);
      // Other parts of the gateway may read a few payments meanwhile; the overview read none of the backlog.
      assert.ok(read < BACKLOG / 10, `the overview read ${read} payments for a backlog of ${BACKLOG}`);
    } finally {
      await gw.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
