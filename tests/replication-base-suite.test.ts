/**
 * RxDB's own replication contract (`runReplicationBaseTestSuite` from
 * rxdb/plugins/test-utils) against the EdgePay server, on PGlite and on
 * PostgreSQL, with the gateway's replication client and the SQLite storage on
 * the client side.
 *
 * The server replicates the suite's `human` collection as a plain collection
 * (no field ownership, the writer's site). The protocol does not carry
 * attachments (payments have none), so the suite's attachment cases are not
 * enabled.
 */
import { describe, it, before, after, beforeEach, afterEach } from 'node:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { addRxPlugin, type RxCollection } from 'rxdb';
import { RxDBDevModePlugin } from 'rxdb/plugins/dev-mode';
import { wrappedValidateAjvStorage } from 'rxdb/plugins/validate-ajv';
import { defineCollection, edgePayCollections, WRITE_OK } from '../core/index.ts';
import { serverTesting, startServer, type RunningServer } from '../server/index.ts';
import { getRxStorageSQLite, replicateCollection } from '../sync/index.ts';

const { freshPostgres, pglite } = serverTesting;
type TestDatabase = Awaited<ReturnType<typeof freshPostgres>>;

// The suite is written for mocha's globals.
Object.assign(globalThis, { describe, it, before, after, beforeEach, afterEach });
const testUtils = await import('rxdb/plugins/test-utils');

const ADMIN = 'base-suite-admin-token-01234';
const storageDir = mkdtempSync(join(tmpdir(), 'edgepay-base-suite-'));
// The suite's helpers open databases with `ignoreDuplicate`, which needs dev-mode,
// which needs a schema validator around the storage.
addRxPlugin(RxDBDevModePlugin);
const storage = wrappedValidateAjvStorage({ storage: getRxStorageSQLite({ directory: storageDir }) });
testUtils.setConfig({
  storage: {
    name: 'edgepay-sqlite',
    getStorage: () => storage,
    getPerformanceStorage: () => ({ storage, description: 'edgepay-sqlite' }),
    hasPersistence: true,
    hasMultiInstance: true,
    hasAttachments: true,
    hasReplication: true,
  } as any,
});
after(() => rmSync(storageDir, { recursive: true, force: true }));

for (const which of ['pglite', 'postgres'] as const) {
  describe(`RxDB replication base suite against the EdgePay server on ${which}`, () => {
    let server: RunningServer;
    let database: TestDatabase;
    let credential: string;

    before(async () => {
      database = which === 'pglite' ? pglite() : await freshPostgres();
      server = await startServer({
        ...(database.databaseUrl ? { databaseUrl: database.databaseUrl } : {}),
        adminToken: ADMIN,
        collections: edgePayCollections.with(defineCollection({ name: 'human', schema: testUtils.schemas.human as any, checkGatewayWrite: () => WRITE_OK, sync: { push: true, pull: true } })),
      });
      const res = await fetch(server.url + '/admin/gateways', {
        method: 'POST',
        headers: { authorization: 'Bearer ' + ADMIN, 'content-type': 'application/json' },
        body: JSON.stringify({ siteId: 'suite-site', name: 'suite' }),
      });
      credential = ((await res.json()) as { credential: string }).credential;
    });
    after(async () => {
      await server.close();
      await database.drop();
    });

    const replicate = (collection: RxCollection<any>, live: boolean) => {
      const sync = replicateCollection({
        collection,
        endpoint: { serverUrl: server.url, credential },
        replicationIdentifier: 'edgepay-suite',
        push: true,
        pull: true,
        live,
        onCallResult: () => undefined,
      });
      void sync.replication.start();
      sync.openStream();
      // Close the live stream with the replication.
      const cancel = sync.replication.cancel.bind(sync.replication);
      sync.replication.cancel = async () => {
        sync.closeStream();
        return cancel();
      };
      return sync.replication;
    };

    testUtils.runReplicationBaseTestSuite({
      startReplication: (collection) => replicate(collection, true),
      async syncOnce(collection) {
        const replication = replicate(collection, false);
        await replication.awaitInitialReplication();
        await replication.cancel();
      },
      async getAllServerDocs() {
        const { rows } = await server.db.query<{ data: any; deleted: boolean }>("SELECT data, deleted FROM documents WHERE collection = 'human'");
        return rows.map((r) => ({ ...r.data, _deleted: r.deleted }));
      },
      async cleanUpServer() {
        await server.db.query("DELETE FROM documents WHERE collection = 'human'");
      },
      softDeletes: true,
      isDeleted: (doc) => doc._deleted === true,
      getPrimaryOfServerDoc: (doc) => doc.passportId,
    });
  });
}
