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
  /**
   * The name in each language the screens speak (since schema version 1),
   * e.g. {ko: '참치김밥', en: 'Tuna kimbap'}; absent: `name` everywhere.
   */
  names?: ProductNames;
  /**
   * A small picture of the product for the kiosk (since schema version 1):
   * a data URL (SVG, PNG, JPEG or WebP in base64, at most PRODUCT_PICTURE_MAX_CHARS).
   * In the document rather than a link so it replicates with the catalogue
   * and the kiosk shows it offline.
   */
  picture?: string;
  /** What a smart cart's scale and checks need (since schema version 2); absent: not sold from a cart. */
  cart?: ProductCartFacts;
  price: Money;
  /** Inactive products stay for old receipts and are not sold. */
  active: boolean;
  /** ISO UTC, server clock. */
  updatedAt: string;
};

/** Items that need a person's check before checkout (a smart cart calls staff for them). */
export const PRODUCT_CHECK_FLAGS = ['age-restricted', 'high-value'] as const;
export type ProductCheckFlag = (typeof PRODUCT_CHECK_FLAGS)[number];

/** Since schema version 2: the product's weight as a cart's load cell sees it, how far a real pack may differ, and its checks. */
export type ProductCartFacts = { grams: number; toleranceGrams: number; flags?: ProductCheckFlag[] };

/** The languages a product name may be given in (the UIs' languages). */
export type ProductNames = { ko?: string; en?: string };

/** A product picture is a thumbnail: 24 KB of base64 is plenty for a 160 px image. */
export const PRODUCT_PICTURE_MAX_CHARS = 24_576;
export const PRODUCT_PICTURE_PATTERN = '^data:image/(svg\\+xml|png|jpeg|webp);base64,[A-Za-z0-9+/]+={0,2}$';

/** The name to show in a language: its own, else the catalogue's `name`. */
export function productName(product: { name: string; names?: ProductNames }, lang: string): string {
  return (lang === 'ko' || lang === 'en' ? product.names?.[lang] : undefined) ?? product.name;
}

export const productSchema: RxJsonSchema<ProductDoc> = {
  title: 'EdgePay product',
  description: 'A catalogue entry of one site, written by the server.',
  // 1: optional `names` (per language) and `picture`; 2: optional `cart` facts (migrations in productsCollection below).
  version: 2,
  primaryKey: 'id',
  type: 'object',
  properties: {
    id: referenceIdSchema(),
    siteId: referenceIdSchema(),
    sku: { type: 'string', minLength: 1, maxLength: 64 },
    barcode: { type: 'string', minLength: 0, maxLength: 64, pattern: '^[\\x21-\\x7e]*$' },
    name: { type: 'string', minLength: 1, maxLength: 200 },
    names: {
      type: 'object',
      additionalProperties: false,
      properties: { ko: { type: 'string', minLength: 1, maxLength: 200 }, en: { type: 'string', minLength: 1, maxLength: 200 } },
    },
    picture: { type: 'string', maxLength: PRODUCT_PICTURE_MAX_CHARS, pattern: PRODUCT_PICTURE_PATTERN },
    cart: {
      type: 'object',
      additionalProperties: false,
      required: ['grams', 'toleranceGrams'],
      properties: {
        // Up to 100 kg (a cart's load cell); the tolerance covers fill and pack variation.
        grams: { type: 'integer', minimum: 1, maximum: 100_000 },
        toleranceGrams: { type: 'integer', minimum: 0, maximum: 10_000 },
        flags: { type: 'array', maxItems: 2, uniqueItems: true, items: { type: 'string', enum: [...PRODUCT_CHECK_FLAGS] } },
      },
    },
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
  names: 'server',
  picture: 'server',
  cart: 'server',
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
    // 1 added the optional `names` and `picture`, 2 the optional `cart` facts: older products are valid as they are.
    migrations: { 1: (doc) => doc, 2: (doc) => doc },
  }),
);
