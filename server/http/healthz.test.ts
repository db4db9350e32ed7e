/**
 * /healthz answers a database that stopped answering with a registry error
 * (503 STORAGE_CLOSED, the registry's message), like every other error.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CollectionRegistry, errorRegistry, renderErrorMessage } from '../../core/index.ts';
import { openDatabase } from '../start-server.ts';
import { buildApp } from '../app.ts';

describe('/healthz', () => {
  it('is 200 while the database answers and a registry 503 once it does not', async () => {
    const db = await openDatabase({});
    const { app } = await buildApp({ db, collections: new CollectionRegistry(), adminToken: 'healthz-admin-token-0123', forwarder: false });
    try {
      const up = await app.inject({ method: 'GET', url: '/healthz' });
      assert.equal(up.statusCode, 200);
      assert.deepEqual(up.json(), { status: 'ok', database: 'pglite' });

      await db.close();
      const down = await app.inject({ method: 'GET', url: '/healthz' });
      assert.equal(down.statusCode, errorRegistry.STORAGE_CLOSED.httpStatus);
      const details = { collectionName: 'database', operation: 'SELECT 1' };
      assert.deepEqual(down.json(), { code: 'STORAGE_CLOSED', message: renderErrorMessage('STORAGE_CLOSED', details), details });
    } finally {
      await app.close().catch(() => undefined);
    }
  });
});
