/**
 * Issue 25: one bad document must not stop a gateway's sync. A gateway whose
 * ledger holds documents the server refuses (planted with an older, laxer
 * validation, as a ledger written before core's text rules would hold them:
 * a NUL, a lone surrogate, a card number in an item name) keeps syncing
 * everything else; the refused ones are set aside, never pushed again (also
 * after a restart), and the console API lists them with the server's reason.
 *
 * Real parts: the server on PGlite over HTTP, the gateway as
 * startGatewayRuntime wires it (SQLite ledger, GatewaySync), the console over
 * the gateway's HTTP API with an operator session.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { edgePayCollections, findCardNumbers, type PaymentDoc, type RefusedDocument } from '../core/index.ts';
import { edgePayServerCollections, serverTesting, startServer, writeAsServer, type RunningServer } from '../server/index.ts';
import { openLedger } from '../sync/index.ts';
import { startGatewayRuntime, type GatewayRuntime } from '../edge-services/index.ts';
import { freePort, until } from './support/wait.ts';
import { adminClient } from './support/admin.ts';

const ADMIN = 'poisoned-document-admin-token-0123';
const SITE = 'site-poison';
const PIN = '246813';

function payment(gatewayId: string, name: string, amount = 1000): PaymentDoc {
  const { _deleted: _, ...doc } = serverTesting.testPayment(SITE, gatewayId, { amount, currency: 'KRW', lineItems: [{ name, quantity: 1, unitAmount: amount, lineAmount: amount }] });
  return doc;
}

describe('a document the server refuses', () => {
  let root: string;
  let server: RunningServer;
  let runtime: GatewayRuntime | undefined;
  let gatewayId: string;
  let credential: string;
  const poisoned: { doc: PaymentDoc; code: string; reason: string }[] = [];

  const onServer = async (ids: string[]) => (await server.db.query<{ id: string }>(`SELECT id FROM documents WHERE collection = 'payments' AND id = ANY($1)`, [ids])).rows.length;
  const refusedPushes = async () => {
    const text = await server.metrics.registry.getSingleMetricAsString('edgepay_sync_refused_pushes_total');
    return [...text.matchAll(/collection="payments"[^}]*} (\d+)/g)].reduce((a, m) => a + Number(m[1]), 0);
  };
  const startGateway = () =>
    startGatewayRuntime({
      dataDir: join(root, 'gateway'),
      siteId: SITE,
      gatewayId,
      server: { url: server.url, credential, backoff: { initialMs: 100, maxMs: 300 } },
      operatorPin: PIN,
      http: { port: 0 },
    });
  /** The console's list, over the gateway's HTTP API as the console calls it. */
  const consoleRefused = async (rt: GatewayRuntime): Promise<RefusedDocument[]> => {
    const base = rt.api!.url;
    const session = await fetch(base + '/api/console/session', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ pin: PIN }) });
    assert.equal(session.status, 200, await session.clone().text());
    const { token } = (await session.json()) as { token: string };
    const res = await fetch(base + '/api/console/sync/refused', { headers: { authorization: 'Bearer ' + token } });
    assert.equal(res.status, 200, await res.clone().text());
    return (await res.json()) as RefusedDocument[];
  };

  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'edgepay-poison-'));
    server = await startServer({ adminToken: ADMIN, port: await freePort(), pgliteDir: join(root, 'server') });
    const gw = await adminClient(server.url, ADMIN)('/admin/gateways', { siteId: SITE, name: 'kiosk' });
    gatewayId = gw.gatewayId;
    credential = gw.credential;

    // A ledger written before the text rules: the same collections with no document check.
    const payments = edgePayCollections.get('payments');
    const lax = edgePayCollections.with({ ...payments, checkDocument: () => null });
    const old = await openLedger({ directory: join(root, 'gateway', 'ledger'), collections: lax });
    poisoned.push(
      { doc: payment(gatewayId, 'tea\u0000'), code: 'DOCUMENT_TEXT_INVALID', reason: 'NUL character' },
      { doc: payment(gatewayId, 'cake \ud83c'), code: 'DOCUMENT_TEXT_INVALID', reason: 'lone UTF-16 surrogate' },
      { doc: payment(gatewayId, 'card 4111 1111 1111 1111'), code: 'CARD_DATA_REFUSED', reason: 'card number' },
    );
    // Good payments on either side of the bad ones, in one ledger: they go up in the same push.
    await old.db.payments.bulkInsert([payment(gatewayId, 'before'), ...poisoned.map((p) => p.doc), payment(gatewayId, 'after')]);
    await old.close();
  });

  after(async () => {
    await runtime?.stop();
    await server?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('is set aside with its reason, and everything else reaches the server', { timeout: 90_000 }, async () => {
    runtime = await startGateway();
    const ledger = runtime.gateway.ledger;
    const all = (await ledger.db.payments.find().exec()).map((d) => d.id);
    const good = all.filter((id) => !poisoned.some((p) => p.doc.id === id));
    assert.equal(good.length, 2);
    await until('the good payments of the ledger on the server', async () => (await onServer(good)) === good.length);

    // Payments recorded after the bad ones flow as ever.
    const later = [payment(gatewayId, 'later 1', 500), payment(gatewayId, 'later 2', 700)];
    for (const p of later) await ledger.db.payments.insert(p);
    await until('the later payments on the server', async () => (await onServer(later.map((p) => p.id))) === later.length);
    assert.equal(await onServer(poisoned.map((p) => p.doc.id)), 0, 'no refused document was stored');
    // The server's receipts come back down; the refused payments stay unsent, and only they.
    await until('only the refused payments unsent', async () => (await runtime!.gateway.sync!.status()).pending.count === poisoned.length);
    assert.equal((await runtime.gateway.sync!.status()).online, true, 'a refusal is no outage');

    const listed = await consoleRefused(runtime);
    assert.deepEqual(listed.map((r) => [r.collection, r.documentId, r.code, r.reason]).sort(), poisoned.map((p) => ['payments', p.doc.id, p.code, p.reason]).sort());
    for (const r of listed) {
      assert.match(r.path ?? '', /^\/lineItems\/0\/name$/);
      assert.ok(r.message.length > 0);
    }
    assert.deepEqual(findCardNumbers(JSON.stringify(listed)), [], 'the list does not echo the card number');

    // The gateway's own validation (core's, the server's) refuses such a document now.
    for (const p of poisoned) {
      await assert.rejects(ledger.db.payments.insert(payment(gatewayId, p.doc.lineItems[0]!.name)), (err: any) => {
        const problems = err?.parameters?.writeError?.validationErrors;
        assert.deepEqual(
          problems?.map((e: any) => [e.code, e.path, e.reason]),
          [[p.code, '/lineItems/0/name', p.reason]],
        );
        assert.deepEqual(findCardNumbers(JSON.stringify(problems)), [], 'the reason does not quote the text');
        return true;
      });
    }
  });

  it('the server refuses such text in its own writes too (the gateways could not store it): 400, not 500', async () => {
    // Over HTTP the admin route's body parser refuses it first (server/http/input-guard.ts);
    // the server's own write path (writeAsServer: checkDocument) is the second line, tested below.
    const now = new Date().toISOString();
    for (const [name, reason] of [
      ['tea\u0000', 'NUL character'],
      ['cake \udc00', 'lone UTF-16 surrogate'],
    ]) {
      const res = await fetch(`${server.url}/admin/sites/${SITE}/products`, {
        method: 'PUT',
        headers: { authorization: 'Bearer ' + ADMIN, 'content-type': 'application/json' },
        body: JSON.stringify([{ id: 'p-1', siteId: SITE, sku: 'P1', barcode: '8800000000011', name, price: { amount: 1000, currency: 'KRW' }, active: true, updatedAt: now }]),
      });
      const body = (await res.json()) as { code: string; details?: { reason?: string } };
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.equal(body.code, 'REQUEST_INVALID_TEXT');
      assert.equal(body.details?.reason, 'a ' + reason);
      // Past the door, the server's own write path refuses it too.
      const products = edgePayServerCollections().find((c) => c.name === 'products')!;
      const doc = { id: 'p-1', siteId: SITE, sku: 'P1', barcode: '8800000000011', name, price: { amount: 1000, currency: 'KRW' }, active: true, updatedAt: now };
      await assert.rejects(
        writeAsServer(server.db, products, SITE, [doc as never]),
        (e: { code?: string; details?: { reason?: string } }) => e.code === 'DOCUMENT_TEXT_INVALID' && e.details?.reason === reason,
      );
    }
    assert.equal((await server.db.query(`SELECT 1 FROM documents WHERE collection = 'products'`)).rows.length, 0);
  });

  it('is never pushed again, also after a restart, while the rest keeps flowing', { timeout: 90_000 }, async () => {
    const refusedBefore = await refusedPushes();
    assert.ok(refusedBefore >= 1, 'the server refused them');
    await runtime!.stop();
    runtime = await startGateway();
    const more = payment(gatewayId, 'after restart', 900);
    await runtime.gateway.ledger.db.payments.insert(more);
    await until('the payment after the restart on the server', async () => (await onServer([more.id])) === 1);
    await runtime.gateway.sync!.awaitInSync();
    assert.equal(await refusedPushes(), refusedBefore, 'no refused document was sent again');
    assert.equal((await consoleRefused(runtime)).length, poisoned.length, 'the console still lists them after the restart');
  });
});
