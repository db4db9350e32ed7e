/**
 * A live event read on the server before a later push of ours must not undo
 * that push on the gateway (sync/replication/acked-writes.ts).
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
import { WRITE_OK } from '../core/index.ts';
import { defineCollection, edgePayCollections, serverTesting, startServer } from '../server/index.ts';
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
  properties: { id: { type: 'string', maxLength: 40 }, age: { type: 'integer', minimum: 0, maximum: 1000 } },
  required: ['id', 'age'],
} as const;

/** Passes every request through to `target`, but holds the live stream's events until release() lets one go. */
async function holdingProxy(target: string) {
  const held: string[] = [];
  let downstream: ServerResponse | undefined;
  let seen = 0;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const upstream = httpRequest(target + req.url, { method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      if (!req.url?.endsWith('/pullStream')) {
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

describe('a live event read before a later push of ours', () => {
  it('does not undo that push, and the next change still reaches the server', async () => {
    const database = serverTesting.pglite();
    const server = await startServer({
      adminToken: ADMIN,
      collections: [...edgePayCollections(), defineCollection({ name: 'items', schema: itemSchema as any, checkGatewayWrite: () => WRITE_OK })],
    });
    cleanups.push(() => database.drop(), () => server.close());
    const enrolled = await fetch(server.url + '/admin/gateways', {
      method: 'POST',
      headers: { authorization: 'Bearer ' + ADMIN, 'content-type': 'application/json' },
      body: JSON.stringify({ siteId: 'stale-site', name: 'gw' }),
    });
    const { credential } = (await enrolled.json()) as { credential: string };
    const proxy = await holdingProxy(server.url);
    cleanups.push(() => proxy.close());

    const db = await createRxDatabase({ name: 'stale', storage: wrappedValidateAjvStorage({ storage: getRxStorageSQLite({ directory: dir }) }), multiInstance: false });
    cleanups.push(() => db.close());
    await db.addCollections({ items: { schema: itemSchema as any } });
    const items = db['items']!;
    const sync = replicateCollection({
      collection: items,
      endpoint: { serverUrl: proxy.url, credential },
      replicationIdentifier: 'stale-test',
      push: true,
      pull: true,
      live: true,
      onCallResult: () => undefined,
    });
    cleanups.push(() => sync.replication.cancel(), () => sync.closeStream());
    await sync.replication.start();
    sync.openStream();
    await sync.replication.awaitInitialReplication();

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
    await eventually(() => proxy.seen >= 1, 'the insert\'s live event');
    proxy.release();
    await new Promise((r) => setTimeout(r, 500));
    await sync.replication.awaitInSync();
    assert.equal((await items.findOne('item-1').exec(true)).age, 100, 'the gateway still holds its update');

    await (await items.findOne('item-1').exec(true)).remove();
    await sync.replication.awaitInSync();
    await eventually(async () => (await serverAge())?.deleted === true, 'the removal on the server', 5_000);
  });
});
