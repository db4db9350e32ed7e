/**
 * Valid example documents for tests (core's own and other folders' through
 * copies, not through index.ts: fixtures are not part of the public surface).
 * Each call returns fresh objects, so a test may mutate what it gets.
 */
import { uuidV7 } from '../ids.ts';
import type { PaymentDoc } from './payments.ts';
import type { ProductDoc } from './products.ts';
import type { SiteDoc } from './sites.ts';

export function examplePayment(overrides: Partial<PaymentDoc> = {}): PaymentDoc {
  const createdAt = '2025-03-01T09:30:00.000Z';
  return {
    id: uuidV7(),
    siteId: 'site-seoul-1',
    gatewayId: 'gw-01',
    flow: 'kiosk',
    amount: 7000,
    currency: 'KRW',
    method: 'card-terminal',
    lineItems: [
      { productId: 'p-cola', sku: 'COLA-500', barcode: '8801094000000', name: 'Cola 500ml', quantity: 2, unitAmount: 2000, lineAmount: 4000 },
      { productId: 'p-chips', name: 'Chips', quantity: 1, unitAmount: 3500, lineAmount: 3500 },
      { name: 'Member discount', quantity: 1, unitAmount: -500, lineAmount: -500 },
    ],
    cardDisplay: { bin: '411111', last4: '1111', brand: 'visa' },
    token: 'tok_sandbox_4f9a2c',
    createdAt,
    offline: false,
    status: 'created',
    statusHistory: [{ status: 'created', at: createdAt, by: 'gateway' }],
    ...overrides,
  };
}

/** An offline (store-and-forward) payment as the gateway creates it. */
export function exampleStoredPayment(overrides: Partial<PaymentDoc> = {}): PaymentDoc {
  const base = examplePayment();
  return {
    ...base,
    offline: true,
    status: 'stored',
    statusHistory: [{ status: 'stored', at: base.createdAt, by: 'gateway' }],
    ...overrides,
  };
}

export function exampleProduct(overrides: Partial<ProductDoc> = {}): ProductDoc {
  return {
    id: 'p-cola',
    siteId: 'site-seoul-1',
    sku: 'COLA-500',
    barcode: '8801094000000',
    name: 'Cola 500ml',
    price: { amount: 2000, currency: 'KRW' },
    active: true,
    updatedAt: '2025-02-01T00:00:00.000Z',
    ...overrides,
  };
}

export function exampleSite(overrides: Partial<SiteDoc> = {}): SiteDoc {
  return {
    id: 'site-seoul-1',
    name: 'Gangnam store',
    timezone: 'Asia/Seoul',
    currency: 'KRW',
    locale: 'ko-KR',
    offlineLimits: {
      perPayment: [{ amount: 50_000, currency: 'KRW' }],
      totalStored: [{ amount: 1_000_000, currency: 'KRW' }],
      maxAgeMinutes: 1440,
    },
    updatedAt: '2025-02-01T00:00:00.000Z',
    ...overrides,
  };
}
