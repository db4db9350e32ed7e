/**
 * The server-and-gateway collections `payments`, `products` and `sites`: their
 * RxDB schemas, document types, ownership checks, and each one's declaration
 * in the collection registry (core/collections).
 */
// In registration order: payments, products, sites.
export * from './payments.ts';
export * from './payments-collection.ts';
export * from './products.ts';
export * from './sites.ts';
export * from './payment-ownership.ts';
export * from './payment-amounts.ts';
export { ISO_UTC_PATTERN } from './fragments.ts';
