/**
 * The gateway ledger: payments survive a reopen, bad documents are refused
 * and change nothing, and the schema migration path works on this storage.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { edgePayCollections, isEdgePayError, uuidV7, type PaymentDoc } from '../../core/index.ts';
import { openLedger } from '../index.ts';

function payment(overrides: Partial<PaymentDoc> = {}): PaymentDoc {
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

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'edgepay-ledger-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

describe('gateway ledger', () => {
  it('keeps payments across a reopen, in a WAL file with synchronous=FULL', async () => {
    const directory = join(dir, 'reopen');
    const first = await openLedger({ directory });
    const p = payment();
    await first.db.payments.insert(p);
    assert.equal(first.synchronous, 'FULL');
    await first.close();

    const raw = new Database(first.filePath, { readonly: true });
    assert.equal(raw.pragma('journal_mode', { simple: true }), 'wal');
    raw.close();

    const second = await openLedger({ directory });
    try {
      const found = await second.db.payments.findOne(p.id).exec();
      assert.equal(found?.amount, 4500);
      assert.deepEqual(found?.toJSON().lineItems, p.lineItems);
    } finally {
      await second.close();
    }
  });

  it('refuses a payment that breaks the schema (a card number as token, a float amount) and stores nothing', async () => {
    const ledger = await openLedger({ directory: join(dir, 'bad') });
    try {
      await assert.rejects(ledger.db.payments.insert(payment({ amount: 12.5 })), (e: any) => e.code === 'VD2');
      await assert.rejects(ledger.db.payments.insert(payment({ token: '4111111111111111' })), (e: any) => e.code === 'VD2');
      await assert.rejects(ledger.db.payments.insert({ ...payment(), pan: '4111111111111111' } as any), (e: any) => e.code === 'VD2');
      assert.equal(await ledger.db.payments.count().exec(), 0);
    } finally {
      await ledger.close();
    }
  });

  it('finds stored payments through the status index', async () => {
    const ledger = await openLedger({ directory: join(dir, 'status') });
    try {
      await ledger.db.payments.bulkInsert([payment(), payment(), payment({ offline: false, status: 'created', statusHistory: [{ status: 'created', at: new Date().toISOString(), by: 'gateway' }] })]);
      const stored = await ledger.db.payments.find({ selector: { status: 'stored' }, sort: [{ createdAt: 'asc' }] }).exec();
      assert.equal(stored.length, 2);
    } finally {
      await ledger.close();
    }
  });

  it('migrates payments to a new schema version on open, and a failing migration leaves the data untouched', async () => {
    const directory = join(dir, 'migrate');
    const v0 = await openLedger({ directory });
    const ids = [payment(), payment(), payment()];
    await v0.db.payments.bulkInsert(ids);
    await v0.close();

    const declared = edgePayCollections.get('payments');
    const base = declared.schema;
    // The next version after the current one, with the current one's own strategies kept.
    const next = base.version + 1;
    const v1 = {
      ...base,
      version: next,
      properties: { ...base.properties, receiptNo: { type: 'string', maxLength: 32 } },
    } as any;

    await assert.rejects(
      openLedger({
        directory,
        collections: edgePayCollections.with({
          ...declared,
          schema: v1,
          migrations: {
            ...declared.migrations,
            [next]: () => {
              throw new Error('strategy bug');
            },
          },
        }),
      }),
      (e: unknown) => isEdgePayError(e, 'LEDGER_MIGRATION_FAILED'),
    );

    const migrated = await openLedger({
      directory,
      collections: edgePayCollections.with({ ...declared, schema: v1, migrations: { ...declared.migrations, [next]: (doc: any) => ({ ...doc, receiptNo: 'R-' + doc.id.slice(-6) }) } }),
    });
    try {
      const docs = await migrated.db.payments.find().exec();
      assert.deepEqual(docs.map((d) => d.id).sort(), ids.map((p) => p.id).sort());
      for (const d of docs) assert.equal((d as any).receiptNo, 'R-' + d.id.slice(-6));
    } finally {
      await migrated.close();
    }
  });

  it("opens a ledger with version-0 payments at version 1: kept as they are, readable, and new ones may carry a method's details", async () => {
    const directory = join(dir, 'payments-v0');
    const declared = edgePayCollections.get('payments');
    const v1 = declared.schema;
    const { details: _details, processorReference: _reference, ...v0Properties } = v1.properties;
    // Version 0 as it shipped: no details, no processorReference, methods from a fixed list.
    const v0 = {
      ...v1,
      version: 0,
      properties: { ...v0Properties, method: { type: 'string', enum: ['card-terminal', 'wallet', 'virtual-card', 'pay-later', 'payment-code', 'otp'], maxLength: 16, final: true } },
    } as any;
    const old = [payment(), payment({ cardDisplay: { bin: '476173', last4: '0010' }, token: 'tok_test_approve' })];
    const before = await openLedger({ directory, collections: edgePayCollections.with({ ...declared, schema: v0, migrations: {} }) });
    await before.db.payments.bulkInsert(old);
    await before.close();

    const after = await openLedger({ directory });
    try {
      for (const p of old) {
        const doc = (await after.db.payments.findOne(p.id).exec())!.toMutableJSON();
        const { _meta, _rev, _attachments, _deleted, ...fields } = doc as any;
        assert.deepEqual(fields, p);
      }
      await after.db.payments.insert({ ...payment(), method: 'wallet', details: { wallet: { account: 'wal_123' } } });
      assert.equal(await after.db.payments.count().exec(), 3);
    } finally {
      await after.close();
    }
  });

  it('opens a ledger with version-0 enrolments (no keypoints) at version 1: kept as they are, new ones carry keypoints', async () => {
    const directory = join(dir, 'enrolments-v0');
    const v1 = edgePayCollections.get('enrolments').schema;
    const { keypoints: _keypoints, ...v0Properties } = v1.properties;
    const v0 = { ...v1, version: 0, properties: v0Properties } as any;
    const old = {
      id: uuidV7(),
      siteId: 'site-1',
      productId: 'p-1',
      modelId: 'm',
      dims: 2,
      embeddings: [
        [1, 0],
        [0, 1],
        [0.6, 0.8],
      ],
      createdAt: '2026-11-01T10:00:00.000Z',
      createdBy: 'gw-1',
    };
    const before = await openLedger({ directory, collections: edgePayCollections.with({ ...edgePayCollections.get('enrolments'), schema: v0 }) });
    await before.db.enrolments.insert(old);
    await before.close();

    const after = await openLedger({ directory });
    try {
      const doc = (await after.db.enrolments.findOne(old.id).exec())!.toMutableJSON();
      assert.deepEqual(
        { ...doc, _meta: undefined, _rev: undefined, _attachments: undefined, _deleted: undefined },
        { ...old, _meta: undefined, _rev: undefined, _attachments: undefined, _deleted: undefined },
      );
      await after.db.enrolments.insert({ ...old, id: uuidV7(), keypoints: ['orb1.AAA=', 'orb1.AAA=', 'orb1.AAA='] });
      assert.equal(await after.db.enrolments.count().exec(), 2);
    } finally {
      await after.close();
    }
  });

  it('refuses to open a ledger file that is not a database, with a clear code', async () => {
    const directory = join(dir, 'corrupt');
    const ledger = await openLedger({ directory });
    const file = ledger.filePath;
    await ledger.close();
    const { writeFileSync } = await import('node:fs');
    for (const suffix of ['-wal', '-shm']) rmSync(file + suffix, { force: true });
    writeFileSync(file, Buffer.alloc(8192, 0x42));
    await assert.rejects(openLedger({ directory }), (e: unknown) => isEdgePayError(e, 'STORAGE_CORRUPT'));
  });
});
