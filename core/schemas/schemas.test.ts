import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { addRxPlugin, createRxDatabase, fillWithDefaultSettings, type RxDatabase, type RxJsonSchema } from 'rxdb';
import { RxDBDevModePlugin, checkSchema, disableWarnings } from 'rxdb/plugins/dev-mode';
import { RxDBMigrationSchemaPlugin } from 'rxdb/plugins/migration-schema';
import { getRxStorageMemory } from 'rxdb/plugins/storage-memory';
import { getValidator, wrappedValidateAjvStorage } from 'rxdb/plugins/validate-ajv';
import { edgePayCollections, migratePaymentToV1, paymentSchema, productSchema, siteSchema, type PaymentDoc } from '../index.ts';
import { examplePayment, exampleProduct, exampleSite, exampleStoredPayment } from './fixtures.ts';

// Each registered collection's schema, by name, from its one declaration.
const collectionSchemas: Record<string, RxJsonSchema<any>> = Object.fromEntries(edgePayCollections.list().map((c) => [c.name, c.schema]));

disableWarnings();
addRxPlugin(RxDBDevModePlugin);
// sites and products are at schema version 2: RxDB wants the migration plugin for any collection above 0.
addRxPlugin(RxDBMigrationSchemaPlugin);

/** A document as the storage holds it: RxDB adds `_deleted`, `_rev`, `_meta`, `_attachments`. */
function stored<T extends object>(doc: T) {
  return { ...doc, _deleted: false, _rev: '1-a', _meta: { lwt: 1_700_000_000_000.01 }, _attachments: {} };
}

function validatorFor<T>(schema: RxJsonSchema<T>) {
  const validate = getValidator(fillWithDefaultSettings(schema));
  return (doc: unknown) => validate(stored(doc as object)) as { instancePath: string; message?: string }[];
}

describe('RxDB dev-mode checkSchema', () => {
  test('accepts every collection schema', () => {
    assert.deepEqual(Object.keys(collectionSchemas).sort(), ['enrolments', 'payment-requests', 'payments', 'products', 'sites']);
    for (const [name, schema] of Object.entries(collectionSchemas)) {
      assert.doesNotThrow(() => checkSchema(schema as RxJsonSchema<unknown>), name);
      // A version bump needs a ledger migration (the declaration's `migrations`): this list changes with it.
      assert.equal(schema.version, ({ payments: 1, products: 2, sites: 2, enrolments: 1, 'payment-requests': 0 } as Record<string, number>)[name], name);
      assert.equal(schema.additionalProperties, false);
    }
  });

  test('is a real check: it refuses an index on a string without maxLength', () => {
    const broken = structuredClone(paymentSchema) as RxJsonSchema<PaymentDoc>;
    delete (broken.properties.createdAt as { maxLength?: number }).maxLength;
    assert.throws(() => checkSchema(broken), /SC34/);
  });

  test('every indexed field is required and bounded', () => {
    for (const schema of Object.values(collectionSchemas) as RxJsonSchema<Record<string, unknown>>[]) {
      for (const index of schema.indexes ?? []) {
        for (const field of typeof index === 'string' ? [index] : index) {
          assert.ok(schema.required?.includes(field), `${schema.title}: ${field} indexed but not required`);
          assert.ok(schema.properties[field]?.maxLength, `${schema.title}: ${field} indexed without maxLength`);
        }
      }
    }
  });
});

describe('ajv validation (rxdb/plugins/validate-ajv)', () => {
  const validatePayment = validatorFor(paymentSchema);

  test('accepts valid payments, online and offline', () => {
    assert.deepEqual(validatePayment(examplePayment()), []);
    assert.deepEqual(validatePayment(exampleStoredPayment()), []);
    const minimal = examplePayment({ lineItems: [], flow: 'elevator', method: 'virtual-card' });
    delete minimal.cardDisplay;
    delete minimal.token;
    assert.deepEqual(validatePayment(minimal), []);
    // A method's own details section (version 1), and the processor's reference the server keeps.
    assert.deepEqual(validatePayment(examplePayment({ method: 'wallet', details: { wallet: { account: 'wal_1' } }, processorReference: 'ref-1' })), []);
    const decided = examplePayment({
      status: 'declined',
      declineReason: 'insufficient-funds',
      serverUpdatedAt: '2025-03-01T09:30:01.250Z',
    });
    decided.statusHistory.push({ status: 'declined', at: '2025-03-01T09:30:01.250Z', by: 'server', reason: 'insufficient-funds' });
    assert.deepEqual(validatePayment(decided), []);
  });

  const refusals: [string, (doc: PaymentDoc) => void, string][] = [
    ['a full card number inside cardDisplay', (d) => Object.assign(d.cardDisplay!, { pan: '4111111111111111' }), '/cardDisplay'],
    ['a BIN longer than 8 digits', (d) => (d.cardDisplay!.bin = '411111111'), '/cardDisplay/bin'],
    ['a PAN-shaped token', (d) => (d.token = '4111111111111111'), '/token'],
    ['a fractional amount', (d) => (d.amount = 70.5), '/amount'],
    ['a zero amount', (d) => (d.amount = 0), '/amount'],
    ['an unsafe amount', (d) => (d.amount = 2 ** 53), '/amount'],
    ['an unknown status', (d) => ((d as { status: string }).status = 'approved'), '/status'],
    ['an unknown flow', (d) => ((d as { flow: string }).flow = 'atm'), '/flow'],
    ['a lowercase currency', (d) => ((d as { currency: string }).currency = 'krw'), '/currency'],
    ['a local-time createdAt', (d) => (d.createdAt = '2025-03-01T18:30:00+09:00'), '/createdAt'],
    ['an uppercase id', (d) => (d.id = d.id.toUpperCase()), '/id'],
    ['a zero quantity', (d) => (d.lineItems[0]!.quantity = 0), '/lineItems/0/quantity'],
    ['an extra top-level field', (d) => Object.assign(d, { cvv: '123' }), ''],
    ['a missing siteId', (d) => delete (d as { siteId?: string }).siteId, ''],
    ['an empty statusHistory', (d) => (d.statusHistory = []), '/statusHistory'],
    // A method's details: one flat section of short text values, named like identifiers.
    ['two details sections', (d) => (d.details = { wallet: { account: 'a' }, voucher: { code: 'b' } }), '/details'],
    ['a nested value in a details section', (d) => Object.assign(d, { details: { wallet: { account: { pan: '4111111111111111' } } } }), '/details/wallet/account'],
    ['a number as a details field name', (d) => (d.details = { wallet: { '4111111111111111': 'x' } }), '/details/wallet'],
    ['a badly formed method name', (d) => ((d as { method: string }).method = 'Card Terminal'), '/method'],
  ];
  for (const [what, mutate, path] of refusals) {
    test(`refuses ${what}`, () => {
      const doc = examplePayment();
      mutate(doc);
      const errors = validatePayment(doc);
      assert.ok(errors.length > 0, 'expected validation errors');
      assert.ok(
        errors.some((e) => e.instancePath === path),
        `no error at "${path}": ${JSON.stringify(errors)}`,
      );
    });
  }

  test('products and sites', () => {
    const validateProduct = validatorFor(productSchema);
    const validateSite = validatorFor(siteSchema);
    assert.deepEqual(validateProduct(exampleProduct()), []);
    assert.deepEqual(validateProduct(exampleProduct({ barcode: '' })), [], "'' means no barcode");
    assert.ok(validateProduct(exampleProduct({ price: { amount: -1, currency: 'KRW' } })).length > 0);
    assert.ok(validateProduct({ ...exampleProduct(), barcode: undefined }).length > 0, 'barcode is required');
    assert.deepEqual(validateSite(exampleSite()), []);
    const site = exampleSite();
    (site.offlineLimits as { maxAgeMinutes: number }).maxAgeMinutes = 1.5;
    assert.ok(validateSite(site).length > 0);
    assert.ok(validateSite({ ...exampleSite(), offlineLimits: { perPayment: [], totalStored: [] } }).length > 0);
  });
});

describe('in a real RxDB database (memory storage, ajv, dev-mode)', () => {
  let db: RxDatabase | undefined;
  after(async () => {
    await db?.close();
  });

  test('collections are created, valid docs stored, invalid refused, indexes queried, final fields enforced', async () => {
    db = await createRxDatabase({
      name: 'edgepay-core-schemas',
      storage: wrappedValidateAjvStorage({ storage: getRxStorageMemory() }),
      multiInstance: false,
    });
    const collections = await db.addCollections({
      payments: { schema: edgePayCollections.get('payments').schema, migrationStrategies: { 1: migratePaymentToV1 } },
      products: { schema: edgePayCollections.get('products').schema, migrationStrategies: edgePayCollections.get('products').migrations! },
      sites: { schema: edgePayCollections.get('sites').schema, migrationStrategies: edgePayCollections.get('sites').migrations! },
    });

    const first = examplePayment({ createdAt: '2025-03-01T09:00:00.000Z', statusHistory: [{ status: 'created', at: '2025-03-01T09:00:00.000Z', by: 'gateway' }] });
    const second = exampleStoredPayment();
    const otherSite = examplePayment({ siteId: 'site-busan-2' });
    await collections.payments.bulkInsert([second, first, otherSite]);
    await collections.products.insert(exampleProduct());
    await collections.sites.insert(exampleSite());

    const bad = examplePayment();
    Object.assign(bad.cardDisplay!, { pan: '4111111111111111' });
    await assert.rejects(collections.payments.insert(bad), /VD2/);

    const seoul = await collections.payments.find({ selector: { siteId: 'site-seoul-1' }, sort: [{ createdAt: 'asc' }] }).exec();
    assert.deepEqual(
      seoul.map((d) => d.id),
      [first.id, second.id],
    );
    const unsent = await collections.payments.count({ selector: { status: 'stored' } }).exec();
    assert.equal(unsent, 1);
    const byBarcode = await collections.products.findOne({ selector: { siteId: 'site-seoul-1', barcode: '8801094000000' } }).exec();
    assert.equal(byBarcode?.name, 'Cola 500ml');

    const doc = await collections.payments.findOne(first.id).exec();
    await assert.rejects(doc!.incrementalPatch({ amount: 1 }), /DOC9/);
    const updated = await doc!.incrementalPatch({ status: 'authorised', approvalCode: 'A1B2C3' });
    assert.equal(updated.status, 'authorised');
  });
});
