/**
 * The replicated collections: their RxDB schemas, document types and ownership
 * checks, keyed by collection name as used in `/sync/{collection}/{version}`.
 */
import type { RxJsonSchema } from 'rxdb';
import type { WriteCheck } from './ownership.ts';
import { checkGatewayWrite } from './payment-ownership.ts';
import { paymentSchema, type PaymentDoc } from './payments.ts';
import { checkGatewayProductWrite, productSchema, type ProductDoc } from './products.ts';
import { checkGatewaySiteWrite, siteSchema, type SiteDoc } from './sites.ts';
import { checkGatewayEnrolmentWrite, enrolmentSchema, type EnrolmentDoc } from '../recognition/enrolment.ts';

export type CollectionDocs = { payments: PaymentDoc; products: ProductDoc; sites: SiteDoc; enrolments: EnrolmentDoc };
export type CollectionName = keyof CollectionDocs;

export const collectionSchemas: { readonly [C in CollectionName]: RxJsonSchema<CollectionDocs[C]> } = {
  payments: paymentSchema,
  products: productSchema,
  sites: siteSchema,
  // Product recognition enrolments (core/recognition): replicate to the site's gateways.
  enrolments: enrolmentSchema,
};

/**
 * The check a server runs on each document a gateway pushes, per collection
 * (`previous` is the server's current state, undefined for a new document).
 */
export const gatewayWriteChecks: {
  readonly [C in CollectionName]: (previous: CollectionDocs[C] | undefined, next: CollectionDocs[C]) => WriteCheck;
} = {
  payments: (previous, next) => checkGatewayWrite(previous, next),
  products: checkGatewayProductWrite,
  sites: checkGatewaySiteWrite,
  // Without a writer this checks shape and immutability; the server passes the writer.
  enrolments: (previous, next) => checkGatewayEnrolmentWrite(previous, next, { siteId: next.siteId, gatewayId: next.createdBy }),
};

export * from './payments.ts';
export * from './products.ts';
export * from './sites.ts';
// ownKeys/isDeleted/refuse stay internal helpers.
export { WRITE_OK, checkReadOnlyWrite, type FieldRule, type OwnershipMap, type WriteCheck } from './ownership.ts';
export * from './payment-ownership.ts';
export * from './payment-amounts.ts';
export { ISO_UTC_PATTERN } from './fragments.ts';
