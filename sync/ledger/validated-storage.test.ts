/**
 * The ledger's storage validates the ledger's collections and leaves RxDB's
 * replication bookkeeping alone (see validated-storage.ts), on real SQLite.
 */
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fillWithDefaultSettings, getRxReplicationMetaInstanceSchema, now, type RxJsonSchema } from 'rxdb';
import { edgePayCollections } from '../../core/index.ts';
import { getRxStorageSQLite } from '../sqlite-storage/index.ts';
import { validatedLedgerStorage } from './validated-storage.ts';

const dir = mkdtempSync(join(tmpdir(), 'edgepay-validated-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const storage = validatedLedgerStorage(getRxStorageSQLite({ directory: dir }));
const meta = { lwt: now() };

async function instanceFor(collectionName: string, schema: RxJsonSchema<any>) {
  return storage.createStorageInstance<any>({
    databaseInstanceToken: 'token-1',
    databaseName: 'validated',
    collectionName,
    schema: fillWithDefaultSettings(schema),
    options: {},
    multiInstance: false,
    devMode: false,
  });
}

describe('ledger storage validation', () => {
  it('refuses a ledger document that breaks its schema, with 422 and nothing written', async () => {
    const products = await instanceFor('products', edgePayCollections.get('products').schema as RxJsonSchema<any>);
    const result = await products.bulkWrite([{ document: { id: 'p-1', unexpected: true, _deleted: false, _rev: '1-a', _attachments: {}, _meta: meta } }], 'test');
    assert.equal(result.error.length, 1);
    assert.equal(result.error[0]!.status, 422);
    assert.deepEqual(await products.findDocumentsById(['p-1'], true), []);
    await products.close();
  });

  it('writes replication bookkeeping documents without validating them', async () => {
    const schema = getRxReplicationMetaInstanceSchema(fillWithDefaultSettings(edgePayCollections.get('payments').schema as RxJsonSchema<any>), false);
    const metaInstance = await instanceFor('rx-replication-meta-payments', schema);
    // Out of the meta schema (an extra field): the validator would refuse it with 422; RxDB never writes such a
    // document, and the storage takes what RxDB writes as it is.
    const document = { id: 'x|0', isCheckpoint: '0', itemId: 'x', isResolvedConflict: undefined, notInSchema: 1, _deleted: false, _rev: '1-a', _attachments: {}, _meta: meta };
    const result = await metaInstance.bulkWrite([{ document }], 'test');
    assert.deepEqual(result.error, []);
    assert.equal((await metaInstance.findDocumentsById(['x|0'], true)).length, 1);
    await metaInstance.close();
  });
});
