/**
 * The ledger's storage: RxDB's ajv schema validator, then the declared
 * document check (core's text rules and card-data scan,
 * CollectionDeclaration.checkDocument, the same one the server runs on every
 * push), in front of the SQLite storage for the ledger's own collections.
 * A gateway must never store what the server will refuse: such a document
 * could never leave (issue 25). Every write goes through here, whoever
 * makes it (the kiosk, a pull from the server, a migration).
 *
 * Not for RxDB's replication bookkeeping (the "meta instances" holding each
 * replicated document's assumed server state). RxDB writes those itself, in
 * a shape of its own schema, one per pushed or pulled document; validating
 * them protected nothing and was about 15% of the gateway's CPU in a
 * 10,000-payment catch-up (`npm run bench -- sync`).
 */
import { META_INSTANCE_SCHEMA_TITLE, getPrimaryFieldOfPrimaryKey, type RxStorage, type RxStorageInstance, type RxStorageWriteError } from 'rxdb';
import { wrappedValidateAjvStorage } from 'rxdb/plugins/validate-ajv';
import { renderErrorMessage, type CollectionRegistry, type DocumentProblem } from '../../core/index.ts';

export function validatedLedgerStorage<Internals, Options>(storage: RxStorage<Internals, Options>, collections?: CollectionRegistry): RxStorage<Internals, Options> {
  const validated = wrappedValidateAjvStorage({ storage });
  return {
    ...validated,
    async createStorageInstance(params) {
      if (params.schema.title === META_INSTANCE_SCHEMA_TITLE) return storage.createStorageInstance(params);
      const instance = await validated.createStorageInstance(params);
      const declaration = collections?.has(params.collectionName) ? collections.get(params.collectionName) : undefined;
      if (declaration) checkDocumentsOnWrite(instance, params.collectionName, params.schema.primaryKey, declaration.checkDocument);
      return instance;
    },
  };
}

/**
 * Refuses, row by row, what `check` refuses: a 422 write error as RxDB's own
 * validator gives (RxDB's insert then throws it), with the problem's code,
 * path and reason, never the text itself.
 */
function checkDocumentsOnWrite(
  instance: RxStorageInstance<any, any, any>,
  collectionName: string,
  primaryKey: Parameters<typeof getPrimaryFieldOfPrimaryKey<any>>[0],
  check: (doc: any) => DocumentProblem | null,
): void {
  const primaryPath = getPrimaryFieldOfPrimaryKey(primaryKey) as string;
  const write = instance.bulkWrite.bind(instance);
  instance.bulkWrite = async (rows, context) => {
    const refused: RxStorageWriteError<any>[] = [];
    const accepted = rows.filter((row) => {
      const problem = check(row.document);
      if (!problem) return true;
      const details = { collection: collectionName, path: problem.path, reason: problem.reason };
      refused.push({
        status: 422,
        isError: true,
        documentId: row.document[primaryPath],
        writeRow: row,
        validationErrors: [{ code: problem.code, path: problem.path, reason: problem.reason, message: renderErrorMessage(problem.code, details) }],
        context,
      } as unknown as RxStorageWriteError<any>);
      return false;
    });
    const result = accepted.length > 0 ? await write(accepted, context) : { error: [] };
    result.error.push(...refused);
    return result;
  };
}
