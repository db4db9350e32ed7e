/**
 * The `products` collection: a site's catalogue. The server writes it; gateways
 * only read it (to price scanned or recognised items, even offline).
 */
import type { RxJsonSchema } from 'rxdb';
import type { Money } from '../money.ts';
import { checkReadOnlyWrite, type OwnershipMap, type WriteCheck } from '../collections/ownership.ts';
import { defineCollection, edgePayCollections } from '../collections/index.ts';
import { isoTimestampSchema, moneySchema, referenceIdSchema } from './fragments.ts';

export type ProductDoc = {
  id: string;
  siteId: string;
  sku: string;
  /**
   * EAN/UPC/other code printed on the item, or '' when it has none.
   * Required with '' rather than optional because it is indexed: RxDB requires
   * indexed fields to be required (an absent value makes index ranges
   * unreliable, rxdb PR #6643). Never look a product up by barcode ''.
   */
  barcode: string;
  name: string;
  price: Money;
  /** Inactive products stay for old receipts and are not sold. */
  active: boolean;
  /** ISO UTC, server clock. */
  updatedAt: string;
};

export const productSchema: RxJsonSchema<ProductDoc> = {
  title: 'EdgePay product',
  description: 'A catalogue entry of one site, written by the server.',
  version: 0,
  primaryKey: 'id',
  type: 'object',
  properties: {
    id: referenceIdSchema(),
    siteId: referenceIdSchema(),
    sku: { type: 'string', minLength: 1, maxLength: 64 },
    barcode: { type: 'string', minLength: 0, maxLength: 64, pattern: '^[\\x21-\\x7e]*$' },
    name: { type: 'string', minLength: 1, maxLength: 200 },
    price: moneySchema(0),
    active: { type: 'boolean' },
    updatedAt: isoTimestampSchema(),
  },
  required: ['id', 'siteId', 'sku', 'barcode', 'name', 'price', 'active', 'updatedAt'],
  // siteId+barcode: the scanner's lookup. siteId+sku: operator search and recognition results.
  indexes: [
    ['siteId', 'barcode'],
    ['siteId', 'sku'],
  ],
  additionalProperties: false,
};

export const productFieldOwnership: OwnershipMap<ProductDoc> = Object.freeze({
  id: 'server',
  siteId: 'server',
  sku: 'server',
  barcode: 'server',
  name: 'server',
  price: 'server',
  active: 'server',
  updatedAt: 'server',
});

/** Gateways never write products: any change they push is refused. */
export function checkGatewayProductWrite(previous: ProductDoc | undefined, next: ProductDoc): WriteCheck {
  return checkReadOnlyWrite(productFieldOwnership, previous, next);
}

declare module '../collections/registry.ts' {
  interface CollectionDocs {
    products: ProductDoc;
  }
}

/** The catalogue travels down only: the server writes it, each gateway of the site reads it. */
export const productsCollection = edgePayCollections.register(
  defineCollection({
    name: 'products',
    schema: productSchema,
    siteField: 'siteId',
    checkGatewayWrite: checkGatewayProductWrite,
    sync: { push: false, pull: true },
  }),
);
