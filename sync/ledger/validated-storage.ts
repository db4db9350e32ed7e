/**
 * The ledger's storage: RxDB's ajv schema validator in front of the SQLite
 * storage for the ledger's own collections, and not for RxDB's replication
 * bookkeeping (the "meta instances" holding each replicated document's
 * assumed server state). RxDB writes those itself, in a shape of its own
 * schema, one per pushed or pulled document; validating them protected
 * nothing and was about 15% of the gateway's CPU in a 10,000-payment
 * catch-up (`npm run bench -- sync`).
 */
import { META_INSTANCE_SCHEMA_TITLE, type RxStorage } from 'rxdb';
import { wrappedValidateAjvStorage } from 'rxdb/plugins/validate-ajv';

export function validatedLedgerStorage<Internals, Options>(storage: RxStorage<Internals, Options>): RxStorage<Internals, Options> {
  const validated = wrappedValidateAjvStorage({ storage });
  return {
    ...validated,
    createStorageInstance(params) {
      return params.schema.title === META_INSTANCE_SCHEMA_TITLE ? storage.createStorageInstance(params) : validated.createStorageInstance(params);
    },
  };
}
