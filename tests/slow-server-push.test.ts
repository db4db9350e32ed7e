/**
 * A slow server is not an outage (issue 25's 10,000-payment run): the
 * gateway's push of a backlog to a server that answers large pushes later
 * than the push timeout, while it answers its health at once. The gateway
 * used to count every timed-out push as "unreachable": it went offline,
 * probed, came back, sent the same large push again, and never got the
 * backlog up. Now a timed-out push goes again in smaller requests (the
 * answered ones are kept), the gateway stays online, and the backlog lands.
 *
 * The server is the real one (PGlite, in this process); between it and the
 * gateway a proxy holds each push's answer back 30 ms per row, as a link that
 * carries little per second would.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request as httpRequest } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { CollectionRegistry, edgePayCollections, type PaymentDoc } from '../core/index.ts';
import { serverTesting, startServer } from '../server/index.ts';
import { GatewaySync, openLedger } from '../sync/index.ts';
import { adminClient } from './support/admin.ts';
import { until } from './support/wait.ts';

const ADMIN = 'slow-push-admin-token-0123';
const BACKLOG = 400;
const MS_PER_ROW = 30;
const PUSH_TIMEOUT_MS = 1000;
const COLLECTIONS = new CollectionRegistry(edgePayCollections.list().filter((c) => c.name === 'payments' || c.name === 'sites'));

describe('a slow server', () => {
  it(`gets a backlog of ${BACKLOG} payments from a gateway that stays online`, { timeout: 120_000 }, async () => {
    const root = mkdtempSync(join(tmpdir(), 'edgepay-slowpush-'));
    // No forwarder: what is measured is the push, not the acquirer's work after it.
    const server = await startServer({ adminToken: ADMIN, port: 0, pgliteDir: join(root, 'server-db'), forwarder: false });
    const pushes: { rows: number; answered: boolean; status?: number }[] = [];
    const proxy = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        const isPush = req.method === 'POST' && /\/push$/.test(req.url ?? '');
        const push: (typeof pushes)[number] | undefined = isPush ? { rows: (JSON.parse(body.toString()) as unknown[]).length, answered: false } : undefined;
        if (push) pushes.push(push);
        const up = httpRequest({ host: '127.0.0.1', port: new URL(server.url).port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
          setTimeout(
            () => {
              if (res.destroyed) return answer.resume();
              if (push) push.status = answer.statusCode;
              res.writeHead(answer.statusCode ?? 502, answer.headers);
              answer.pipe(res);
              if (push) answer.on('end', () => (push.answered = true));
            },
            push ? push.rows * MS_PER_ROW : 0,
          );
        });
        up.on('error', () => res.destroy());
        up.end(body);
      });
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    const proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
    const enrolled = await adminClient(server.url, ADMIN)('/admin/gateways', { siteId: 'site-slow', name: 'kiosk' });
    const ledger = await openLedger({ directory: join(root, 'gw'), name: 'ledger-slowpush', collections: COLLECTIONS });
    const docs: PaymentDoc[] = Array.from({ length: BACKLOG }, () => {
      const { _deleted: _, ...doc } = serverTesting.testPayment('site-slow', enrolled.gatewayId, { amount: 1000, lineItems: [{ name: 'item', quantity: 1, unitAmount: 1000, lineAmount: 1000 }] });
      return doc;
    });
    await ledger.db.payments.bulkInsert(docs);
    const sync = new GatewaySync(ledger.db as any, {
      collections: COLLECTIONS,
      serverUrl: proxyUrl,
      credential: enrolled.credential,
      timeoutMs: PUSH_TIMEOUT_MS,
      pushTimeoutMs: PUSH_TIMEOUT_MS,
      backoff: { initialMs: 100, maxMs: 400 },
    });
    let wentOnline = false;
    let wentOffline = 0;
    const watch = setInterval(() => {
      if (sync.online) wentOnline = true;
      else if (wentOnline) wentOffline++;
    }, 5);
    try {
      sync.start();
      const onServer = async () => Number((await server.db.query<{ n: string | number }>("SELECT COUNT(*) AS n FROM documents WHERE collection = 'payments' AND site_id = 'site-slow'")).rows[0]!.n);
      await until('the backlog on the server', async () => (await onServer()) === BACKLOG, 90_000, 200);
      await until("the gateway's push done", async () => (await sync.status()).lastSuccessAt !== undefined && pushes.every((p) => p.answered || p.rows * MS_PER_ROW > PUSH_TIMEOUT_MS), 30_000, 100);
      assert.ok(wentOnline, 'the gateway was online');
      assert.equal(wentOffline, 0, 'a slow answer never took the gateway offline');
      const answered = pushes.filter((p) => p.rows * MS_PER_ROW < PUSH_TIMEOUT_MS);
      assert.ok(
        pushes.some((p) => p.rows * MS_PER_ROW > PUSH_TIMEOUT_MS),
        'some pushes were too large for the link (the test has teeth)',
      );
      assert.ok(answered.length > 0, 'the pushes went smaller, to a size the link answers in time');
      // Progress kept: rows sent again only those of the requests that timed out.
      const sent = pushes.reduce((a, p) => a + p.rows, 0);
      const timedOut = pushes.filter((p) => p.rows * MS_PER_ROW > PUSH_TIMEOUT_MS).reduce((a, p) => a + p.rows, 0);
      assert.ok(sent <= BACKLOG + timedOut, `${sent} rows sent for ${BACKLOG}, ${timedOut} of them in requests that timed out`);
    } finally {
      clearInterval(watch);
      await sync.stop();
      await ledger.close();
      proxy.closeAllConnections();
      await new Promise((r) => proxy.close(r));
      await server.close();
      rmSync(root, { recursive: true, force: true });
    }
  });
});
