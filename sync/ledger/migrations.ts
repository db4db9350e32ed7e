/**
 * Schema migrations of the gateway ledger, per collection and target version.
 *
 * RxDB keeps each schema version of a collection in its own storage table; when
 * the app opens a collection at version N while version N-1 data exists, the
 * migration plugin feeds every old document through `migrationStrategies[N]`
 * and writes the result into the new table, all on the device, before the
 * collection is usable. Version 0 needs no strategy; the table below is where
 * version 1 goes, so the path exists from day one and a test exercises it.
 *
 * Rules for a strategy: pure, deterministic (replicas must agree), never drops
 * a payment (return the document, never null, for `payments`).
 */
import type { MigrationStrategies } from 'rxdb';
import { migratePaymentToV1, type CollectionName, type PaymentDoc } from '../../core/index.ts';

export const ledgerMigrations: { readonly [C in CollectionName]: MigrationStrategies } = {
  // 1 added the optional `details` (a method's own section) and `processorReference`; see core/schemas/payments.ts.
  payments: { 1: (doc: PaymentDoc) => migratePaymentToV1(doc) },
  products: {},
  // 1 added the optional `recognition` settings: version-0 sites are valid as they are.
  sites: { 1: (doc) => doc },
  // 1 added the optional `keypoints` per view: version-0 enrolments are valid as they are.
  enrolments: { 1: (doc) => doc },
};
