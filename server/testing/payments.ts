/**
 * The payment a gateway pushes in server tests: an offline kiosk sale
 * (status `stored`) of one 3,000 KRW coffee, with a fresh id. `overrides`
 * change fields (a hostile push, another id); `_deleted` is always false.
 */
import { uuidV7, type PaymentDoc } from '../../core/index.ts';

export function testPayment(siteId: string, gatewayId: string, overrides: Partial<PaymentDoc> = {}): PaymentDoc & { _deleted: boolean } {
  const createdAt = new Date().toISOString();
  return {
    id: uuidV7(),
    siteId,
    gatewayId,
    flow: 'kiosk',
    amount: 3000,
    currency: 'KRW',
    method: 'card-terminal',
    lineItems: [{ name: 'Coffee', quantity: 1, unitAmount: 3000, lineAmount: 3000 }],
    createdAt,
    offline: true,
    status: 'stored',
    statusHistory: [{ status: 'stored', at: createdAt, by: 'gateway' }],
    ...overrides,
    _deleted: false,
  };
}
