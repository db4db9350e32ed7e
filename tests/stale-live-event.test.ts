/**
 * The server's news about a document must reach the gateway's RxDB in a state
 * it can use:
 * - a live event read on the server before a later push of ours must not undo
 *   that push on the gateway (sync/replication/acked-writes.ts);
 * - a server change made while a push call of that document is still under
 *   way must not be dropped (sync/replication/pushes-in-flight.ts).
 *
 * Real server (PGlite), real HTTP, the gateway's replication on the SQLite
 * storage. Between them a proxy holds the live stream's document events until
 * the test lets them through one by one, which makes the race CI once hit by chance
 * certain: insert, update (both pushed and acknowledged), and only then the
 * insert's event arrives. Without the guard, RxDB writes the inserted state
 * over the updated one, and a later change is refused as a conflict.
 */
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { createRxDatabase, addRxPlugin } from 'rxdb';
import { RxDBDevModePlugin } from 'rxdb/plugins/dev-mode';
import { wrappedValidateAjvStorage } from 'rxdb/plugins/validate-ajv';
import { defineCollection, edgePayCollections, WRITE_OK } from '../core/index.ts';
import { serverTesting, startServer, writeAsServer } from '../server/index.ts';
import { getRxStorageSQLite, replicateCollection } from '../sync/index.ts';

addRxPlugin(RxDBDevModePlugin);
const ADMIN = 'stale-event-admin-token-0123';
const dir = mkdtempSync(join(tmpdir(), 'edgepay-stale-event-'));
const cleanups: (() => Promise<unknown> | unknown)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
  rmSync(dir, { recursive: true, force: true });
});

const itemSchema = {
  version: 0,
  primaryKey: 'id',
  type: 'object',
  additionalProperties: false,
  properties: {
    id: { type: 'string', maxLength: 40 },
    age: { type: 'integer', minimum: 0, maximum: 1000 },
    /** Set by the server on `receipts` when it accepts a push (like a payment's serverUpdatedAt). */
    receivedAt: { type: 'string', maxLength: 40 },
  },
  required: ['id', 'age'],
} as const;

const itemsCollection = defineCollection({ name: 'items', schema: itemSchema as any, checkGatewayWrite: () => WRITE_OK, sync: { push: true, pull: true } });
const receiptsCollection = defineCollection({
  name: 'receipts',
  schema: itemSchema as any,
  checkGatewayWrite: () => WRITE_OK,
  stampAccepted: (doc: any, now: string) => ({ ...doc, receivedAt: now }),
  sync: { push: true, pull: true },
});

/**
 * Passes every request through to `target`, but: with events 'hold', holds
 * the live stream's document events until release() lets one go; with
 * 'resync', turns each into "RESYNC" (as the server does when many changes
 * wait), so that the gateway pulls them instead; with `holdPush`, holds the
 * answer to push request number `holdPush` (1-based) until releasePush().
 */
async function holdingProxy(target: string, hold: { events: 'pass' | 'hold' | 'resync'; holdPush?: number }) {
  const held: string[] = [];
  let downstream: ServerResponse | undefined;
  let seen = 0;
  let pushes = 0;
  let heldPush: (() => void) | undefined;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const isPush = req.method === 'POST' && !!req.url?.endsWith('/push');
    const number = isPush ? ++pushes : 0;
    const upstream = httpRequest(target + req.url, { method: req.method, headers: req.headers }, (answer) => {
      if (isPush && number === hold.holdPush) {
        heldPush = () => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        };
        return;
      }
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      if (!req.url?.endsWith('/pullStream') || hold.events === 'pass') {
        answer.pipe(res);
        return;
      }
      downstream = res;
      let buffer = '';
      answer.setEncoding('utf8');
      answer.on('data', (chunk: string) => {
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const event = buffer.slice(0, end + 2);
          buffer = buffer.slice(end + 2);
          // Comments (heartbeats) and RESYNC pass; events with documents wait.
          if (!event.includes('"documents"')) res.write(event);
          else if (hold.events === 'resync') res.write('data: "RESYNC"\n\n');
          else {
            held.push(event);
            seen++;
          }
        }
      });
      answer.on('end', () => res.end());
    });
    req.pipe(upstream);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    /** Events with documents the server has sent so far (held or released). */
    get seen() {
      return seen;
    },
    release(): void {
      const event = held.shift();
      assert.ok(event && downstream, 'an event to release');
      downstream.write(event);
    },
    /** The held push answer has come back from the server (the server committed that push). */
    get pushHeld() {
      return heldPush !== undefined;
    },
    releasePush(): void {
      assert.ok(heldPush, 'a push answer to release');
      heldPush();
    },
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

async function eventually(check: () => boolean | Promise<boolean>, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A server (PGlite) with the `items` and `receipts` collections, one enrolled gateway credential, and a proxy to it. */
async function site(siteId: string, hold: Parameters<typeof holdingProxy>[1]) {
  const database = serverTesting.pglite();
  const server = await startServer({
    adminToken: ADMIN,
    collections: edgePayCollections.with(itemsCollection, receiptsCollection),
  });
  cleanups.push(
    () => database.drop(),
    () => server.close(),
  );
  const enrolled = await fetch(server.url + '/admin/gateways', {
    method: 'POST',
    headers: { authorization: 'Bearer ' + ADMIN, 'content-type': 'application/json' },
    body: JSON.stringify({ siteId, name: 'gw' }),
  });
  const { credential } = (await enrolled.json()) as { credential: string };
  const proxy = await holdingProxy(server.url, hold);
  cleanups.push(() => proxy.close());
  return { server, credential, proxy };
}

/** The gateway side: an RxDB database on the SQLite storage, its `items` (or `receipts`) replicated live through `serverUrl`. */
async function gateway(
  name: string,
  serverUrl: string,
  credential: string,
  options: { collection?: 'items' | 'receipts'; pushBatchSize?: number; pushConcurrency?: number; recordedOffline?: { id: string; age: number }[] } = {},
) {
  const { recordedOffline, collection: _, ...batches } = options;
  const db = await createRxDatabase({ name, storage: wrappedValidateAjvStorage({ storage: getRxStorageSQLite({ directory: dir }) }), multiInstance: false });
  cleanups.push(() => db.close());
  await db.addCollections({ items: { schema: itemSchema as any }, receipts: { schema: itemSchema as any } });
  const items = db[options.collection ?? 'items']!;
  if (recordedOffline) await items.bulkInsert(recordedOffline);
  const sync = replicateCollection({
    collection: items,
    endpoint: { serverUrl, credential },
    replicationIdentifier: name + '-test',
    push: true,
    pull: true,
    live: true,
    ...batches,
    onCallResult: () => undefined,
  });
  cleanups.push(
    () => sync.replication.cancel(),
    () => sync.closeStream(),
  );
  await sync.replication.start();
  sync.openStream();
  // Documents recorded offline go up in the initial replication, which the caller watches.
  if (!recordedOffline) await sync.replication.awaitInitialReplication();
  return { items, sync };
}

describe('a live event read before a later push of ours', () => {
  it('does not undo that push, and the next change still reaches the server', async () => {
    const { server, credential, proxy } = await site('stale-site', { events: 'hold' });
    const { items, sync } = await gateway('stale', proxy.url, credential);

    const serverAge = async () => {
      const { rows } = await server.db.query<{ data: { age: number }; deleted: boolean }>("SELECT data, deleted FROM documents WHERE collection = 'items' AND id = 'item-1'");
      return rows[0];
    };
    await items.insert({ id: 'item-1', age: 1 });
    await eventually(async () => (await serverAge())?.data.age === 1, 'the insert on the server');
    await (await items.findOne('item-1').exec(true)).incrementalPatch({ age: 100 });
    await eventually(async () => (await serverAge())?.data.age === 100, 'the update on the server');
    await sync.replication.awaitInSync();
    // The insert's event, read before the update, arrives now.
    await eventually(() => proxy.seen >= 1, "the insert's live event");
    proxy.release();
    await new Promise((r) => setTimeout(r, 500));
    await sync.replication.awaitInSync();
    assert.equal((await items.findOne('item-1').exec(true)).age, 100, 'the gateway still holds its update');

    await (await items.findOne('item-1').exec(true)).remove();
    await sync.replication.awaitInSync();
    await eventually(async () => (await serverAge())?.deleted === true, 'the removal on the server', 5_000);
  });
});

describe('a server change while a push call of that document is under way', () => {
  for (const path of ['live event', 'pull'] as const) {
    it(`reaches the gateway once the push call is done (${path})`, async () => {
      const siteId = `in-flight-${path.replace(' ', '-')}`;
      const { credential, proxy } = await site(siteId, { events: path === 'pull' ? 'resync' : 'pass', holdPush: 2 });
      // Recorded while offline, so they go up in the initial replication, as in a catch-up; one
      // row per request, one request at a time: RxDB's push call of the two is two requests.
      const { items: receipts, sync } = await gateway(siteId, proxy.url, credential, {
        collection: 'receipts',
        pushBatchSize: 1,
        pushConcurrency: 1,
        recordedOffline: [
          { id: 'item-a', age: 1 },
          { id: 'item-b', age: 2 },
        ],
      });
      // item-a is stored and stamped with its receipt; its news (an event, or a pull after RESYNC)
      // reaches the gateway while the answer to item-b's request is held, i.e. RxDB's push call is under way.
      await eventually(() => proxy.pushHeld, 'the second push request answered by the server');
      await new Promise((r) => setTimeout(r, 500));
      proxy.releasePush();
      await sync.replication.awaitInSync();
      await eventually(async () => (await receipts.findOne('item-a').exec(true)).receivedAt !== undefined, "item-a's receipt on the gateway", 5_000);
      await eventually(async () => (await receipts.findOne('item-b').exec(true)).receivedAt !== undefined, "item-b's receipt on the gateway", 5_000);
    });
  }

  it('reaches the gateway when RxDB writes its records of a large push call in several chunks', async () => {
    // 2,400 rows in one push call, as 4 requests of 600; the answer to the second is held. RxDB
    // then records the call in one write that the storage commits as chunks of 1,000 rows, so the
    // receipts of the second request's rows 1,000-1,199 must wait for the second chunk.
    const siteId = 'in-flight-chunks';
    const { credential, proxy } = await site(siteId, { events: 'pass', holdPush: 2 });
    const ids = Array.from({ length: 2400 }, (_, i) => `bulk-${String(i).padStart(4, '0')}`);
    const { items: receipts, sync } = await gateway(siteId, proxy.url, credential, {
      collection: 'receipts',
      pushBatchSize: 600,
      pushConcurrency: 1,
      recordedOffline: ids.map((id, i) => ({ id, age: i % 1000 })),
    });
    await eventually(() => proxy.pushHeld, 'the second push request answered by the server');
    await new Promise((r) => setTimeout(r, 500));
    proxy.releasePush();
    await sync.replication.awaitInSync();
    const unreceipted = async () => (await receipts.find({ selector: { receivedAt: { $exists: false } } }).exec()).map((d) => d.id);
    await eventually(async () => (await unreceipted()).length === 0, 'every receipt on the gateway', 10_000).catch(async (err: Error) => {
      const left = await unreceipted();
      throw new Error(`${err.message}: ${left.length} without one, from ${left[0]} to ${left[left.length - 1]}`);
    });
  });
});
