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
import { edgePayCollections, findCardNumbers, uuidV7, type PaymentDoc } from '../../core/index.ts';
import { getRxStorageSQLite } from '../sqlite-storage/index.ts';
import { validatedLedgerStorage } from './validated-storage.ts';
import { openLedger } from './open-ledger.ts';

const dir = mkdtempSync(join(tmpdir(), 'edgepay-validated-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** An offline kiosk sale as the ledger stores it. */
function examplePayment(overrides: Partial<PaymentDoc> = {}): PaymentDoc {
  const createdAt = new Date().toISOString();
  return {
    id: uuidV7(),
    siteId: 'site-1',
    gatewayId: 'gw-1',
    flow: 'kiosk',
    amount: 4500,
    currency: 'KRW',
    method: 'card-terminal',
    lineItems: [{ sku: 'TEA', name: 'Green tea', quantity: 3, unitAmount: 1500, lineAmount: 4500 }],
    createdAt,
    offline: true,
    status: 'stored',
    statusHistory: [{ status: 'stored', at: createdAt, by: 'gateway' }],
    ...overrides,
  };
}

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

  it("refuses, as the server does, a payment whose item name holds a NUL, a lone surrogate or a card number (core's one check)", async () => {
    const ledger = await openLedger({ directory: join(dir, 'ledger'), synchronous: 'NORMAL' });
    try {
      const withName = (name: string) => examplePayment({ lineItems: [{ name, quantity: 1, unitAmount: 1000, lineAmount: 1000 }], amount: 1000 });
      const cases: [string, string, string][] = [
        ['tea\u0000', 'DOCUMENT_TEXT_INVALID', 'NUL character'],
        ['cake \ud83c', 'DOCUMENT_TEXT_INVALID', 'lone UTF-16 surrogate'],
        ['card 4111 1111 1111 1111', 'CARD_DATA_REFUSED', 'card number'],
      ];
      for (const [name, code, reason] of cases) {
        const doc = withName(name);
        // The same declaration's check the server runs on push.
        assert.deepEqual(edgePayCollections.get('payments').checkDocument(doc), { code, path: '/lineItems/0/name', reason });
        await assert.rejects(ledger.db.payments.insert(doc), (err: any) => {
          const problems = err?.parameters?.writeError?.validationErrors;
          assert.deepEqual(
            problems?.map((e: any) => [e.code, e.path, e.reason]),
            [[code, '/lineItems/0/name', reason]],
            JSON.stringify(name),
          );
          assert.deepEqual(findCardNumbers(JSON.stringify(problems)), []);
          return true;
        });
        await ledger.db.payments.insert(withName('tea'));
      }
      assert.equal(await ledger.db.payments.count().exec(), cases.length, 'only the fine payments were stored');
      await ledger.db.payments.insert(withName('김밥 🍰'));
      // An update cannot slip such text in either (products: fields that change).
      const product = await ledger.db.products.insert({
        id: 'p-1',
        siteId: 'site-1',
        sku: 'TEA',
        barcode: '8800000000011',
        name: 'tea',
        price: { amount: 1500, currency: 'KRW' },
        active: true,
        updatedAt: new Date().toISOString(),
      } as never);
      await assert.rejects(product.incrementalPatch({ name: 'tea\u0000' } as never), (err: any) => {
        assert.equal(err?.parameters?.writeError?.validationErrors?.[0]?.code, 'DOCUMENT_TEXT_INVALID');
        return true;
      });
    } finally {
      await ledger.close();
    }
  });
});
