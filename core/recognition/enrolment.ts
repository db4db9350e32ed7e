/**
 * The `enrolments` collection: what a gateway learnt about a product from the
 * frames an operator showed it (3 to 10 views), replicated to the site's
 * other gateways so that each of them recognises the product too.
 *
 * A document is immutable once created (every field is `gateway-create-only`):
 * re-enrolling writes a new document, removing one deletes it. Embeddings are
 * only comparable within one `modelId`; a gateway ignores enrolments of a model
 * it does not run (after a model change, products are enrolled again).
 * Vectors are at most MAX_EMBEDDING_DIMS long (today's embedding: 616).
 *
 * Schema version 1 added `keypoints`: per view, the object's local features
 * in a versioned text encoding (`orb1.` + base64, see
 * edge-services/recognition/keypoints.ts), used to verify a visual match.
 * Version-0 documents have none and stay valid (matched by vectors alone).
 * Like the vectors, keypoints are derived numbers, never the image.
 */
import type { RxJsonSchema } from 'rxdb';
import type { ErrorCode } from '../errors.ts';
import { defineCollection, edgePayCollections, type OwnershipMap, type WriteCheck } from '../collections/index.ts';

export const MAX_ENROLMENT_VIEWS = 10;
export const MIN_ENROLMENT_VIEWS = 3;
export const MAX_EMBEDDING_DIMS = 1024;
/** One view's encoded keypoints: 200 keypoints of 34 bytes, base64, with its prefix, fit. */
export const MAX_KEYPOINTS_TEXT = 12_000;

export type EnrolmentDoc = {
  /** Client-made UUIDv7 (also the idempotency key of the enrolment). */
  id: string;
  siteId: string;
  /** The `products` document this teaches. */
  productId: string;
  /** Which detector and embedding produced the vectors, e.g. `centernet-mb3-coco/roi-colour-v1`. */
  modelId: string;
  /** Length of every vector in `embeddings`. */
  dims: number;
  /** One L2-normalised vector per view shown, rounded to 4 decimals. */
  embeddings: number[][];
  /** Per view (same order as `embeddings`): encoded keypoints. Absent in version-0 documents. */
  keypoints?: string[];
  /** ISO UTC, the enrolling gateway's clock. */
  createdAt: string;
  /** The gateway id that enrolled it. */
  createdBy: string;
};

const REF = { type: 'string', minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9][A-Za-z0-9._:-]*$' } as const;

export const enrolmentSchema: RxJsonSchema<EnrolmentDoc> = {
  title: 'EdgePay enrolment',
  description: 'Reference embeddings of one product, learnt on a gateway and shared with the site.',
  version: 1,
  primaryKey: 'id',
  type: 'object',
  properties: {
    id: { type: 'string', minLength: 36, maxLength: 36, pattern: '^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$' },
    siteId: { ...REF },
    productId: { ...REF },
    modelId: { type: 'string', minLength: 1, maxLength: 100, pattern: '^[A-Za-z0-9][A-Za-z0-9._:/@+-]*$' },
    dims: { type: 'integer', minimum: 1, maximum: MAX_EMBEDDING_DIMS },
    embeddings: {
      type: 'array',
      minItems: MIN_ENROLMENT_VIEWS,
      maxItems: MAX_ENROLMENT_VIEWS,
      items: { type: 'array', minItems: 1, maxItems: MAX_EMBEDDING_DIMS, items: { type: 'number', minimum: -1, maximum: 1 } },
    },
    keypoints: {
      type: 'array',
      minItems: MIN_ENROLMENT_VIEWS,
      maxItems: MAX_ENROLMENT_VIEWS,
      items: { type: 'string', minLength: 6, maxLength: MAX_KEYPOINTS_TEXT, pattern: '^[a-z0-9]+\\.[A-Za-z0-9+/]*={0,2}$' },
    },
    createdAt: { type: 'string', minLength: 24, maxLength: 24, pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z$' },
    createdBy: { ...REF },
  },
  required: ['id', 'siteId', 'productId', 'modelId', 'dims', 'embeddings', 'createdAt', 'createdBy'],
  // siteId+productId: "what is enrolled for this product"; siteId+modelId: loading the index.
  indexes: [
    ['siteId', 'productId'],
    ['siteId', 'modelId'],
  ],
  additionalProperties: false,
};

export const enrolmentFieldOwnership: OwnershipMap<EnrolmentDoc> = Object.freeze({
  id: 'gateway-create-only',
  siteId: 'gateway-create-only',
  productId: 'gateway-create-only',
  modelId: 'gateway-create-only',
  dims: 'gateway-create-only',
  embeddings: 'gateway-create-only',
  keypoints: 'gateway-create-only',
  createdAt: 'gateway-create-only',
  createdBy: 'gateway-create-only',
});

function refuse(code: ErrorCode, field: string): WriteCheck {
  return { ok: false, code, field };
}

/**
 * The check a server applies to a gateway's push of an enrolment: created by
 * the pushing gateway for its own site, vectors of the declared size,
 * keypoints (if any) one per view, never
 * changed afterwards; any gateway of the site may delete one (an operator
 * removing a bad enrolment at another till).
 */
export function checkGatewayEnrolmentWrite(previous: EnrolmentDoc | undefined, next: EnrolmentDoc, writer: { siteId: string; gatewayId: string }): WriteCheck {
  const deleted = (d: object) => (d as { _deleted?: unknown })._deleted === true;
  for (const key of Object.keys(next)) {
    if (!key.startsWith('_') && !Object.hasOwn(enrolmentFieldOwnership, key)) return refuse('ENROLMENT_INVALID', key);
  }
  if (next.siteId !== writer.siteId) return refuse('ENROLMENT_FOREIGN_WRITER', 'siteId');
  if (previous === undefined) {
    if (deleted(next)) return { ok: true };
    if (next.createdBy !== writer.gatewayId) return refuse('ENROLMENT_FOREIGN_WRITER', 'createdBy');
    if (!Array.isArray(next.embeddings) || next.embeddings.some((v) => !Array.isArray(v) || v.length !== next.dims)) {
      return refuse('ENROLMENT_INVALID', 'embeddings');
    }
    if (next.keypoints !== undefined && (!Array.isArray(next.keypoints) || next.keypoints.length !== next.embeddings.length)) {
      return refuse('ENROLMENT_INVALID', 'keypoints');
    }
    return { ok: true };
  }
  if (previous.siteId !== writer.siteId) return refuse('ENROLMENT_FOREIGN_WRITER', 'siteId');
  for (const field of Object.keys(enrolmentFieldOwnership) as (keyof EnrolmentDoc)[]) {
    if (JSON.stringify(previous[field]) !== JSON.stringify(next[field])) return refuse('ENROLMENT_IMMUTABLE', field);
  }
  if (deleted(previous) && !deleted(next)) return refuse('ENROLMENT_IMMUTABLE', '_deleted');
  return { ok: true };
}

declare module '../collections/registry.ts' {
  interface CollectionDocs {
    enrolments: EnrolmentDoc;
  }
}

/** Made at any gateway of the site, shared by all: synced both ways. */
export const enrolmentsCollection = edgePayCollections.register(
  defineCollection({
    name: 'enrolments',
    schema: enrolmentSchema,
    siteField: 'siteId',
    checkGatewayWrite: checkGatewayEnrolmentWrite,
    // One document holds up to 10 views of vectors and keypoints, up to ~170 KB:
    // 100 of them in one push (the default) would pass the server's 4 MB body
    // limit, and the backlog would never go up. 10 per request, 20 per pull page.
    sync: { push: true, pull: true, pushBatchSize: 10, pullBatchSize: 20 },
    // 1 added the optional `keypoints` per view: version-0 enrolments are valid as they are.
    migrations: { 1: (doc) => doc },
  }),
);
