import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  checkGatewayProductWrite,
  checkGatewaySiteWrite,
  checkGatewayWrite,
  checkPaymentAmounts,
  edgePayCollections,
  paymentFieldOwnership,
  paymentGatewayFields,
  paymentSchema,
  paymentServerFields,
  productFieldOwnership,
  productSchema,
  siteFieldOwnership,
  siteSchema,
  type PaymentDoc,
  type WriteCheck,
} from '../index.ts';
import { examplePayment, exampleProduct, exampleSite, exampleStoredPayment } from './fixtures.ts';

const OK: WriteCheck = { ok: true };

function refused(result: WriteCheck, code: string, field: string): void {
  assert.deepEqual(result, { ok: false, code, field });
}

/** What the server holds after deciding: authorised with an approval code. */
function authorised(payment: PaymentDoc): PaymentDoc {
  return {
    ...payment,
    status: 'authorised',
    approvalCode: 'A1B2C3',
    serverUpdatedAt: '2025-03-01T09:30:02.000Z',
    statusHistory: [...payment.statusHistory, { status: 'authorised', at: '2025-03-01T09:30:02.000Z', by: 'server' }],
  };
}

describe('ownership maps', () => {
  test('every schema field has exactly one owner, and nothing else is listed', () => {
    for (const [schema, ownership] of [
      [paymentSchema, paymentFieldOwnership],
      [productSchema, productFieldOwnership],
      [siteSchema, siteFieldOwnership],
    ] as const) {
      assert.deepEqual(Object.keys(ownership).sort(), Object.keys(schema.properties).sort(), schema.title);
    }
  });

  test('payments: the gateway records the sale, the server owns the outcome', () => {
    assert.deepEqual([...paymentServerFields].sort(), ['approvalCode', 'declineReason', 'processorReference', 'refundedAmount', 'serverUpdatedAt', 'status', 'statusHistory']);
    assert.ok(paymentGatewayFields.includes('amount') && paymentGatewayFields.includes('cardDisplay'));
    assert.equal(paymentGatewayFields.length + paymentServerFields.length, Object.keys(paymentFieldOwnership).length);
  });

  test('products and sites are server-only', () => {
    assert.ok(Object.values(productFieldOwnership).every((rule) => rule === 'server'));
    assert.ok(Object.values(siteFieldOwnership).every((rule) => rule === 'server'));
  });
});

describe('checkGatewayWrite: creating a payment', () => {
  test('accepts a new online payment and a new offline (stored) one', () => {
    assert.deepEqual(checkGatewayWrite(undefined, examplePayment()), OK);
    assert.deepEqual(checkGatewayWrite(undefined, exampleStoredPayment()), OK);
    assert.deepEqual(checkGatewayWrite(undefined, examplePayment({ lineItems: [] })), OK);
  });

  test('refuses a status other than created/stored', () => {
    const p = examplePayment({ status: 'authorised' });
    p.statusHistory = [{ status: 'authorised', at: p.createdAt, by: 'gateway' }];
    refused(checkGatewayWrite(undefined, p), 'PAYMENT_INITIAL_STATE_INVALID', 'status');
  });

  test('refuses a history that does not match', () => {
    const p = examplePayment();
    const cases: PaymentDoc['statusHistory'][] = [
      [{ status: 'stored', at: p.createdAt, by: 'gateway' }],
      [{ status: 'created', at: p.createdAt, by: 'server' }],
      [{ status: 'created', at: '2025-03-01T09:31:00.000Z', by: 'gateway' }],
      [...p.statusHistory, { status: 'authorised', at: p.createdAt, by: 'server' }],
      [],
    ];
    for (const statusHistory of cases) {
      refused(checkGatewayWrite(undefined, { ...p, statusHistory }), 'PAYMENT_INITIAL_STATE_INVALID', 'statusHistory');
    }
  });

  test('refuses offline that disagrees with the status', () => {
    refused(checkGatewayWrite(undefined, examplePayment({ offline: true })), 'PAYMENT_INITIAL_STATE_INVALID', 'offline');
    refused(checkGatewayWrite(undefined, exampleStoredPayment({ offline: false })), 'PAYMENT_INITIAL_STATE_INVALID', 'offline');
  });

  test('refuses server-owned outcome fields (a gateway cannot pre-approve)', () => {
    refused(checkGatewayWrite(undefined, examplePayment({ approvalCode: 'X' })), 'PAYMENT_FIELD_NOT_WRITABLE', 'approvalCode');
    refused(checkGatewayWrite(undefined, examplePayment({ declineReason: 'x' })), 'PAYMENT_FIELD_NOT_WRITABLE', 'declineReason');
    refused(checkGatewayWrite(undefined, examplePayment({ serverUpdatedAt: '2025-03-01T09:30:00.000Z' })), 'PAYMENT_FIELD_NOT_WRITABLE', 'serverUpdatedAt');
  });

  test('refuses unknown fields, deletion, bad ids and unknown currencies', () => {
    refused(checkGatewayWrite(undefined, { ...examplePayment(), pan: '4111111111111111' } as PaymentDoc), 'PAYMENT_FIELD_NOT_WRITABLE', 'pan');
    refused(checkGatewayWrite(undefined, { ...examplePayment(), _deleted: true } as PaymentDoc), 'PAYMENT_DELETE_FORBIDDEN', '_deleted');
    refused(checkGatewayWrite(undefined, examplePayment({ id: 'order-42' })), 'ID_INVALID', 'id');
    refused(checkGatewayWrite(undefined, { ...examplePayment(), currency: 'XYZ' } as unknown as PaymentDoc), 'MONEY_UNKNOWN_CURRENCY', 'currency');
    // RxDB's own metadata is not ours to judge.
    assert.deepEqual(checkGatewayWrite(undefined, { ...examplePayment(), _deleted: false, _meta: { lwt: 1 } } as PaymentDoc), OK);
  });

  test('refuses amounts that do not add up', () => {
    refused(checkGatewayWrite(undefined, examplePayment({ amount: 7001 })), 'PAYMENT_AMOUNT_MISMATCH', 'amount');
    const p = examplePayment();
    p.lineItems[0]!.lineAmount = 3999;
    refused(checkGatewayWrite(undefined, p), 'PAYMENT_AMOUNT_MISMATCH', 'lineItems.0.lineAmount');
  });

  test('with a writer identity: only its own site, only as itself', () => {
    const writer = { siteId: 'site-seoul-1', gatewayId: 'gw-01' };
    assert.deepEqual(checkGatewayWrite(undefined, examplePayment(), writer), OK);
    refused(checkGatewayWrite(undefined, examplePayment({ siteId: 'site-busan-2' }), writer), 'PAYMENT_FOREIGN_WRITER', 'siteId');
    refused(checkGatewayWrite(undefined, examplePayment({ gatewayId: 'gw-02' }), writer), 'PAYMENT_FOREIGN_WRITER', 'gatewayId');
  });
});

describe('checkGatewayWrite: pushing an existing payment', () => {
  test('an unchanged re-push is fine (retries are idempotent), key order and undefined keys do not matter', () => {
    const server = authorised(examplePayment());
    assert.deepEqual(checkGatewayWrite(server, structuredClone(server)), OK);
    const reordered = Object.fromEntries(Object.entries(server).reverse()) as PaymentDoc;
    assert.deepEqual(checkGatewayWrite(server, { ...reordered, declineReason: undefined }), OK);
  });

  test('every gateway field is immutable after creation', () => {
    const original = examplePayment();
    const changes: Partial<PaymentDoc>[] = [
      { siteId: 'site-busan-2' },
      { gatewayId: 'gw-02' },
      { flow: 'cart' },
      { amount: 1 },
      { currency: 'USD' },
      { method: 'wallet' },
      { lineItems: [] },
      { cardDisplay: { bin: '411111', last4: '2222' } },
      { cardDisplay: undefined },
      { token: 'tok_other' },
      { createdAt: '2025-03-01T09:30:00.001Z' },
      { offline: true },
    ];
    for (const change of changes) {
      const [field] = Object.keys(change);
      refused(checkGatewayWrite(original, { ...original, ...change }), 'PAYMENT_IMMUTABLE_FIELD', field!);
    }
    // A change deep inside a field counts too.
    const deep = structuredClone(original);
    deep.lineItems[1]!.name = 'Crisps';
    refused(checkGatewayWrite(original, deep), 'PAYMENT_IMMUTABLE_FIELD', 'lineItems');
    // Adding an optional gateway field later is a change as well.
    const noToken = examplePayment();
    delete noToken.token;
    refused(checkGatewayWrite(noToken, { ...noToken, token: 'tok_late' }), 'PAYMENT_IMMUTABLE_FIELD', 'token');
  });

  test("every server field is the server's: a gateway may not change it", () => {
    const original = exampleStoredPayment();
    const server = authorised(original);
    // The gateway approving its own payment.
    refused(checkGatewayWrite(original, authorised(original)), 'PAYMENT_FIELD_NOT_WRITABLE', 'status');
    // A stale gateway copy that would roll back the server's decision.
    refused(checkGatewayWrite(server, original), 'PAYMENT_FIELD_NOT_WRITABLE', 'status');
    refused(checkGatewayWrite(server, { ...server, approvalCode: 'FORGED' }), 'PAYMENT_FIELD_NOT_WRITABLE', 'approvalCode');
    refused(checkGatewayWrite(server, { ...server, declineReason: 'x' }), 'PAYMENT_FIELD_NOT_WRITABLE', 'declineReason');
    refused(checkGatewayWrite(server, { ...server, serverUpdatedAt: '2030-01-01T00:00:00.000Z' }), 'PAYMENT_FIELD_NOT_WRITABLE', 'serverUpdatedAt');
    refused(checkGatewayWrite(server, { ...server, statusHistory: server.statusHistory.slice(0, 1) }), 'PAYMENT_FIELD_NOT_WRITABLE', 'statusHistory');
  });

  test('deleting an existing payment is refused', () => {
    const server = authorised(examplePayment());
    refused(checkGatewayWrite(server, { ...server, _deleted: true } as PaymentDoc), 'PAYMENT_DELETE_FORBIDDEN', '_deleted');
  });

  test('gateway fields are reported before server fields', () => {
    const original = examplePayment();
    refused(checkGatewayWrite(original, { ...authorised(original), amount: 1 }), 'PAYMENT_IMMUTABLE_FIELD', 'amount');
  });
});

describe('checkPaymentAmounts', () => {
  test('lines must multiply and add up; a payment without lines only needs a positive amount', () => {
    assert.deepEqual(checkPaymentAmounts(examplePayment()), OK);
    assert.deepEqual(checkPaymentAmounts({ amount: 1, currency: 'USD', lineItems: [] }), OK);
    refused(checkPaymentAmounts({ amount: 0, currency: 'USD', lineItems: [] }), 'PAYMENT_AMOUNT_MISMATCH', 'amount');
    refused(checkPaymentAmounts({ amount: 1.5, currency: 'USD', lineItems: [] }), 'MONEY_INVALID_AMOUNT', 'amount');
    refused(
      checkPaymentAmounts({
        amount: 1,
        currency: 'USD',
        lineItems: [{ name: 'x', quantity: 2, unitAmount: Number.MAX_SAFE_INTEGER, lineAmount: 1 }],
      }),
      'MONEY_OVERFLOW',
      'lineItems.0.lineAmount',
    );
  });
});

describe('products and sites: gateways may not write', () => {
  test('creating or changing is refused; an unchanged echo is harmless', () => {
    const product = exampleProduct();
    refused(checkGatewayProductWrite(undefined, product), 'COLLECTION_READ_ONLY', 'id');
    refused(checkGatewayProductWrite(product, { ...product, price: { amount: 1, currency: 'KRW' } }), 'COLLECTION_READ_ONLY', 'price');
    refused(checkGatewayProductWrite(product, { ...product, _deleted: true } as typeof product), 'COLLECTION_READ_ONLY', '_deleted');
    assert.deepEqual(checkGatewayProductWrite(product, structuredClone(product)), OK);

    const site = exampleSite();
    const raised = structuredClone(site);
    raised.offlineLimits.perPayment[0] = { amount: 10_000_000, currency: 'KRW' };
    refused(checkGatewaySiteWrite(site, raised), 'COLLECTION_READ_ONLY', 'offlineLimits');
    refused(checkGatewaySiteWrite(site, { ...site, extra: 1 } as typeof site), 'COLLECTION_READ_ONLY', 'extra');
    refused(checkGatewaySiteWrite(undefined, site), 'COLLECTION_READ_ONLY', 'id');
  });

  test("each collection's declaration routes to its check", () => {
    const payment = examplePayment();
    const writer = { siteId: payment.siteId, gatewayId: payment.gatewayId };
    assert.deepEqual(edgePayCollections.get('payments').checkGatewayWrite(undefined, payment, writer), OK);
    refused(edgePayCollections.get('products').checkGatewayWrite(undefined, exampleProduct(), writer), 'COLLECTION_READ_ONLY', 'id');
    refused(edgePayCollections.get('sites').checkGatewayWrite(undefined, exampleSite(), writer), 'COLLECTION_READ_ONLY', 'id');
  });
});
