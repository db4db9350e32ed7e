/**
 * The collections the server replicates, and for each: its schema version,
 * how to validate a pushed document, which site a document belongs to, and
 * the field-ownership check a gateway's write must pass (from core).
 */
import AjvModule from 'ajv';
import type { Queryable } from '../db/db.ts';
import {
  checkGatewayEnrolmentWrite,
  checkGatewayWrite as checkPaymentWrite,
  collectionSchemas,
  gatewayWriteChecks,
  type EnrolmentDoc,
  type PaymentDoc,
  type WriteCheck,
} from '../../core/index.ts';

import { auditMany } from '../payments/audit.ts';
import { enqueueForwardingMany } from '../payments/forward-queue.ts';

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
  /** Runs in the push's transaction after a gateway's documents were accepted (not deleted ones). */
  afterAccepted?(tx: Queryable, accepted: { doc: Doc; created: boolean }[], writer: Writer): Promise<void>;
};

export type CollectionDefinition = {
  name: string;
  schema: { version: number; primaryKey: unknown } & Record<string, unknown>;
  siteField?: string;
  checkGatewayWrite: ServerCollection['checkGatewayWrite'];
  stampAccepted?: ServerCollection['stampAccepted'];
  afterAccepted?: ServerCollection['afterAccepted'];
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
    ...(def.afterAccepted ? { afterAccepted: def.afterAccepted } : {}),
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
      // Payments arrive: audit them, and queue offline ones for forwarding, in the same transaction.
      afterAccepted: async (tx, accepted, writer) => {
        const created = accepted.filter((a) => a.created).map((a) => a.doc);
        if (created.length === 0) return;
        await auditMany(
          tx,
          created.map((doc) => ({
            actor: writer.gatewayId,
            action: doc.status === 'stored' ? 'payment.received-offline' : 'payment.received',
            paymentId: doc.id as string,
            siteId: writer.siteId,
            idempotencyKey: doc.id as string,
            amount: doc.amount as number,
            currency: doc.currency as string,
          })),
        );
        const stored = created.filter((doc) => doc.status === 'stored').map((doc) => doc.id as string);
        if (stored.length > 0) await enqueueForwardingMany(tx, stored, writer.siteId);
      },
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
