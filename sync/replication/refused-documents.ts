/**
 * The documents of this gateway's ledger that the server refused on push
 * (core's text rules, card data, schema, field ownership): set aside, with
 * the server's reason, in a local collection of the ledger that is never
 * replicated, so that the console can show them to the operator (issue 25).
 *
 * Setting aside is RxDB's own bookkeeping: the push handler answers a refused
 * row as if written (no conflict), so RxDB records it as pushed and never
 * sends it again, across restarts, until the document changes in the ledger;
 * then it is pushed again, and its entry here goes once the server takes it.
 * The rest of the push is sent again at once, so one bad document never holds
 * up the others.
 */
import type { RxCollection, RxDatabase, RxJsonSchema } from 'rxdb';
import { isErrorCode, renderErrorMessage, type PushRefusal, type RefusedDocument } from '../../core/index.ts';

/** The ledger's local collection of refusals; gateway-only, in no registry, never replicated. */
export const REFUSED_DOCUMENTS_COLLECTION = 'sync_refusals';

// Stored as `sourceCollection`: `collection` is an RxDocument property of RxDB's own.
type RefusalDoc = Omit<RefusedDocument, 'collection'> & { key: string; sourceCollection: string };

const refusalSchema: RxJsonSchema<RefusalDoc> = {
  title: 'edgepay sync refusals',
  version: 0,
  primaryKey: 'key',
  type: 'object',
  additionalProperties: false,
  properties: {
    key: { type: 'string', maxLength: 400 },
    sourceCollection: { type: 'string', maxLength: 64 },
    documentId: { type: 'string', maxLength: 300 },
    code: { type: 'string', maxLength: 64 },
    message: { type: 'string', maxLength: 1000 },
    path: { type: 'string', maxLength: 500 },
    reason: { type: 'string', maxLength: 500 },
    refusedAt: { type: 'string', maxLength: 40 },
  },
  required: ['key', 'sourceCollection', 'documentId', 'code', 'message', 'refusedAt'],
};

const keyOf = (collection: string, documentId: string) => `${collection}\u001f${documentId}`;

export class RefusedDocuments {
  readonly #ready: Promise<RxCollection<RefusalDoc>>;
  /** Keys held in the collection, so that a push that clears nothing costs no read. */
  readonly #keys = new Set<string>();

  constructor(db: RxDatabase) {
    this.#ready = this.#open(db);
    // Awaited by every use; a ledger closed before it opened must not be an unhandled rejection.
    this.#ready.catch(() => undefined);
  }

  async #open(db: RxDatabase): Promise<RxCollection<RefusalDoc>> {
    let collection = db.collections[REFUSED_DOCUMENTS_COLLECTION] as RxCollection<RefusalDoc> | undefined;
    if (!collection) {
      try {
        collection = (await db.addCollections({ [REFUSED_DOCUMENTS_COLLECTION]: { schema: refusalSchema } }))[REFUSED_DOCUMENTS_COLLECTION] as RxCollection<RefusalDoc>;
      } catch (err) {
        // Another GatewaySync on the same ledger added it meanwhile.
        collection = db.collections[REFUSED_DOCUMENTS_COLLECTION] as RxCollection<RefusalDoc> | undefined;
        if (!collection) throw err;
      }
    }
    for (const doc of await collection.find().exec()) this.#keys.add(doc.key);
    return collection;
  }

  /** Sets these documents aside with the server's reasons (a later refusal replaces an earlier one). */
  async record(collection: string, refusals: { documentId: string; refusal: PushRefusal }[]): Promise<void> {
    if (refusals.length === 0) return;
    const store = await this.#ready;
    const refusedAt = new Date().toISOString();
    const docs = refusals.map(({ documentId, refusal }): RefusalDoc => {
      const code = isErrorCode(refusal.code) ? refusal.code : 'INTERNAL';
      const details = { collection, path: refusal.path ?? refusal.field ?? '/', field: refusal.field ?? refusal.path ?? '/', reason: refusal.reason ?? 'refused' };
      return {
        key: keyOf(collection, documentId),
        sourceCollection: collection,
        documentId: documentId.slice(0, 300),
        code,
        message: renderErrorMessage(code, details).slice(0, 1000),
        ...(refusal.path ? { path: refusal.path.slice(0, 500) } : refusal.field ? { path: refusal.field.slice(0, 500) } : {}),
        ...(refusal.reason ? { reason: refusal.reason.slice(0, 500) } : {}),
        refusedAt,
      };
    });
    const result = await store.bulkUpsert(docs);
    if (result.error.length > 0) throw result.error[0];
    for (const d of docs) this.#keys.add(d.key);
  }

  /** The server took these documents: they are no longer refused. */
  async accepted(collection: string, documentIds: readonly string[]): Promise<void> {
    if (this.#keys.size === 0) return;
    const keys = documentIds.map((id) => keyOf(collection, id)).filter((k) => this.#keys.has(k));
    if (keys.length === 0) return;
    const store = await this.#ready;
    await store.bulkRemove(keys);
    for (const k of keys) this.#keys.delete(k);
  }

  /** Every refused document, newest first. */
  async list(): Promise<RefusedDocument[]> {
    const store = await this.#ready;
    const docs = await store.find().exec();
    return docs
      .map((d) => {
        const { key: _key, sourceCollection, ...refused } = d.toJSON() as RefusalDoc;
        return { collection: sourceCollection, ...refused };
      })
      .sort((a, b) => b.refusedAt.localeCompare(a.refusedAt));
  }
}
