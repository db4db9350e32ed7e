/**
 * The `payments` collection's declaration: gateways create payments and push
 * them; the server decides outcomes, which come back down.
 */
import { defineCollection, edgePayCollections } from '../collections/index.ts';
import { checkGatewayWrite } from './payment-ownership.ts';
import { migratePaymentToV1, paymentSchema, type PaymentDoc } from './payments.ts';

declare module '../collections/registry.ts' {
  interface CollectionDocs {
    payments: PaymentDoc;
  }
}

export const paymentsCollection = edgePayCollections.register(
  defineCollection({
    name: 'payments',
    schema: paymentSchema,
    siteField: 'siteId',
    // With the writer: a gateway writes only its own site's payments, as itself.
    checkGatewayWrite,
    // The server's receipt: the gateway knows the server holds a payment once this comes back down.
    stampAccepted: (doc, now) => ({ ...doc, serverUpdatedAt: now }),
    sync: { push: true, pull: true },
    // 1 added the optional `details` (a method's own section) and `processorReference`; see payments.ts.
    migrations: { 1: (doc: PaymentDoc) => migratePaymentToV1(doc) },
  }),
);
