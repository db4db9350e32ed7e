/**
 * The collections the server replicates, and for each: its schema version,
 * how to validate a pushed document, which site a document belongs to, and
 * the field-ownership check a gateway's write must pass (from core).
 */
import AjvModule from 'ajv';
import {
  checkGatewayEnrolmentWrite,
  checkGatewayWrite as checkPaymentWrite,
  collectionSchemas,
  gatewayWriteChecks,
  type EnrolmentDoc,
  type PaymentDoc,
  type WriteCheck,
} from '../../core/index.ts';

import { AUDIT_CREATED_PAYMENTS_SQL } from '../payments/audit.ts';
import { ENQUEUE_CREATED_OFFLINE_PAYMENTS_SQL } from '../payments/forward-queue.ts';

// ajv's CommonJS default export under NodeNext.
const Ajv = AjvModule as unknown as typeof AjvModule.default;

export type Doc = Record<string, unknown>;
export type Writer = { gatewayId: string; siteId: string };

export type ServerCollection = {
  readonly name: string;
  readonly schemaVersion: number;
  /** The document field that holds its id (the schema's primary key). */
  readonly primaryPath: string;
  /** Returns schema errors of a document (without `_deleted`), or null if valid. */
  validate(doc: Doc): string[] | null;
  /** The site a document belongs to; undefined when the document does not say (it is the writer's). */
  siteOf(doc: Doc): string | undefined;
  /** May this gateway turn `previous` (the server's state) into `next`? */
  checkGatewayWrite(previous: Doc | undefined, next: Doc, writer: Writer): WriteCheck;
  /** Server-owned fields the server sets when it accepts a gateway's write. */
  stampAccepted?(doc: Doc, now: string): Doc;
  /**
   * Follow-up writes for the documents a gateway's push creates (new ids, not
   * deleted): SQL statements (INSERT ... SELECT) that become part of the push's
   * single statement, so they commit with it or not at all. They read the CTE
   * `created` (id text, seq bigint, data jsonb, in push order) and may use $2
   * (the site) and $3 (the gateway).
   */
  createdSql?: readonly string[];
};

export type CollectionDefinition = {
  name: string;
  schema: { version: number; primaryKey: unknown } & Record<string, unknown>;
  siteField?: string;
  checkGatewayWrite: ServerCollection['checkGatewayWrite'];
  stampAccepted?: ServerCollection['stampAccepted'];
  createdSql?: ServerCollection['createdSql'];
};

export function defineCollection(def: CollectionDefinition): ServerCollection {
  // strict: false: RxDB schemas carry their own keywords (primaryKey, indexes,
  // final, version) which ajv should ignore.
  const ajv = new Ajv({ strict: false, allErrors: false });
  const validator = ajv.compile(def.schema);
  return {
    name: def.name,
    schemaVersion: def.schema.version,
    primaryPath: typeof def.schema.primaryKey === 'string' ? def.schema.primaryKey : String((def.schema.primaryKey as { key: string }).key),
    validate(doc) {
      if (validator(doc)) return null;
      return (validator.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? 'invalid'}`);
    },
    siteOf: (doc) => {
      if (!def.siteField) return undefined;
      const v = doc[def.siteField];
      return typeof v === 'string' ? v : undefined;
    },
    checkGatewayWrite: def.checkGatewayWrite,
    ...(def.stampAccepted ? { stampAccepted: def.stampAccepted } : {}),
    ...(def.createdSql ? { createdSql: def.createdSql } : {}),
  };
}

/** EdgePay's replicated collections, from core. */
export function edgePayCollections(): ServerCollection[] {
  return [
    defineCollection({
      name: 'payments',
      schema: collectionSchemas.payments as any,
      siteField: 'siteId',
      // With the writer: a gateway writes only its own site's payments, as itself.
      checkGatewayWrite: (previous, next, writer) =>
        checkPaymentWrite(previous as PaymentDoc | undefined, next as PaymentDoc, writer),
      // The server's receipt: the gateway's console counts a payment as sent
      // once this comes back down.
      stampAccepted: (doc, now) => ({ ...doc, serverUpdatedAt: now }),
      // Payments arrive: audit them, and queue offline ones for forwarding, in the same statement.
      createdSql: [AUDIT_CREATED_PAYMENTS_SQL, ENQUEUE_CREATED_OFFLINE_PAYMENTS_SQL],
    }),
    defineCollection({
      name: 'products',
      schema: collectionSchemas.products as any,
      siteField: 'siteId',
      checkGatewayWrite: (previous, next) => gatewayWriteChecks.products(previous as any, next as any),
    }),
    defineCollection({
      name: 'enrolments',
      schema: collectionSchemas.enrolments as any,
      siteField: 'siteId',
      checkGatewayWrite: (previous, next, writer) =>
        checkGatewayEnrolmentWrite(previous as EnrolmentDoc | undefined, next as EnrolmentDoc, writer),
    }),
    defineCollection({
      name: 'sites',
      schema: collectionSchemas.sites as any,
      siteField: 'id',
      checkGatewayWrite: (previous, next) => gatewayWriteChecks.sites(previous as any, next as any),
    }),
  ];
}
