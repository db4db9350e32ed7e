/**
 * The `sites` collection: a store or building, with the settings its gateways
 * obey. The server writes it; gateways only read it.
 */
import type { RxJsonSchema } from 'rxdb';
import type { CurrencyCode } from '../currencies.ts';
import type { Money } from '../money.ts';
import { checkReadOnlyWrite, type OwnershipMap, type WriteCheck } from '../collections/ownership.ts';
import { defineCollection, edgePayCollections } from '../collections/index.ts';
import { currencySchema, isoTimestampSchema, moneySchema, referenceIdSchema } from './fragments.ts';

/**
 * Store-and-forward limits (DESIGN.md section 3). Per currency, as lists of
 * amounts: a currency with no entry allows no offline payments at all (fail
 * closed), so a site that starts taking a new currency is online-only in it
 * until someone sets its limits.
 */
export type OfflineLimits = {
  /** The largest single payment accepted offline, per currency. */
  perPayment: Money[];
  /** The most that may be stored and not yet forwarded, per currency. */
  totalStored: Money[];
  /** Beyond this age an unsent payment blocks further offline payments. */
  maxAgeMinutes: number;
};

export type SiteDoc = {
  id: string;
  name: string;
  /** IANA time zone, e.g. 'Asia/Seoul': receipts and daily totals are local. */
  timezone: string;
  /** The currency the site sells in by default. */
  currency: CurrencyCode;
  /** BCP 47 locale for display, e.g. 'ko-KR'. */
  locale: string;
  offlineLimits: OfflineLimits;
  /** Product recognition at this site; absent: the gateway's defaults. */
  recognition?: RecognitionSettings;
  /** Smart carts at this site (since schema version 2); absent: no spot checks. */
  cart?: CartSiteSettings;
  /** ISO UTC, server clock. */
  updatedAt: string;
};

/** Since schema version 2. */
export type CartSiteSettings = {
  /** Share of paid carts the exit gate holds for a random check by staff, 0..1. */
  spotCheckRate: number;
};

/** Since schema version 1. */
export type RecognitionSettings = {
  /**
   * The site's threshold: a visual match less confident than this is not
   * taken; the kiosk or cart asks the person to scan instead. 0..1.
   */
  minConfidence: number;
};

export const siteSchema: RxJsonSchema<SiteDoc> = {
  title: 'EdgePay site',
  description: 'A store or building and the settings its gateways obey, written by the server.',
  // 1: optional `recognition` settings; 2: optional `cart` settings (migrations in sitesCollection below).
  version: 2,
  primaryKey: 'id',
  type: 'object',
  properties: {
    id: referenceIdSchema(),
    name: { type: 'string', minLength: 1, maxLength: 200 },
    timezone: { type: 'string', minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_+/-]+$' },
    currency: currencySchema(),
    locale: { type: 'string', minLength: 2, maxLength: 35, pattern: '^[A-Za-z0-9-]+$' },
    offlineLimits: {
      type: 'object',
      additionalProperties: false,
      required: ['perPayment', 'totalStored', 'maxAgeMinutes'],
      properties: {
        perPayment: { type: 'array', maxItems: 32, items: moneySchema(0) },
        totalStored: { type: 'array', maxItems: 32, items: moneySchema(0) },
        // Up to 30 days: older unsent payments are a problem to fix, not to allow.
        maxAgeMinutes: { type: 'integer', minimum: 0, maximum: 43_200 },
      },
    },
    recognition: {
      type: 'object',
      additionalProperties: false,
      required: ['minConfidence'],
      properties: { minConfidence: { type: 'number', minimum: 0, maximum: 1 } },
    },
    cart: {
      type: 'object',
      additionalProperties: false,
      required: ['spotCheckRate'],
      properties: { spotCheckRate: { type: 'number', minimum: 0, maximum: 1 } },
    },
    updatedAt: isoTimestampSchema(),
  },
  required: ['id', 'name', 'timezone', 'currency', 'locale', 'offlineLimits', 'updatedAt'],
  additionalProperties: false,
};

export const siteFieldOwnership: OwnershipMap<SiteDoc> = Object.freeze({
  id: 'server',
  name: 'server',
  timezone: 'server',
  currency: 'server',
  locale: 'server',
  offlineLimits: 'server',
  recognition: 'server',
  cart: 'server',
  updatedAt: 'server',
});

/** Gateways never write sites (they would raise their own offline limits): any change is refused. */
export function checkGatewaySiteWrite(previous: SiteDoc | undefined, next: SiteDoc): WriteCheck {
  return checkReadOnlyWrite(siteFieldOwnership, previous, next);
}

declare module '../collections/registry.ts' {
  interface CollectionDocs {
    sites: SiteDoc;
  }
}

/** Site settings travel down only; a site document is its own site (`id`). */
export const sitesCollection = edgePayCollections.register(
  defineCollection({
    name: 'sites',
    schema: siteSchema,
    siteField: 'id',
    checkGatewayWrite: checkGatewaySiteWrite,
    sync: { push: false, pull: true },
    // 1 added the optional `recognition` settings, 2 the optional `cart` settings: older sites are valid as they are.
    migrations: { 1: (doc) => doc, 2: (doc) => doc },
  }),
);
