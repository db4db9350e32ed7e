/**
 * The registry of replicated collections. Each collection is declared once,
 * by the folder that owns it, and registered here as that folder is loaded
 * (as RxDB's plugins add themselves); the ledger, the gateway's sync and the
 * server's replication read the registry instead of keeping lists of their
 * own.
 *
 * The document types travel the same way: the owning folder adds its
 * collection to `CollectionDocs` by declaration merging,
 *
 *   declare module '../collections/registry.ts' {
 *     interface CollectionDocs { payments: PaymentDoc }
 *   }
 *
 * so that `ledger.db.payments` is typed without a list of names anywhere.
 *
 * Tests add throwaway collections to a copy (`edgePayCollections.with(...)`)
 * and pass it to openLedger, GatewaySync and startServer, leaving the
 * shared registry as it is.
 */
import { EdgePayError } from '../errors.ts';
import type { CollectionDeclaration } from './declaration.ts';

/** Collection name -> document type of every registered collection (extended by each owner). */
// biome-ignore lint/suspicious/noEmptyInterface: empty on purpose, each collection's owner adds its entry by declaration merging.
export interface CollectionDocs {}
export type CollectionName = keyof CollectionDocs & string;

export class CollectionRegistry {
  readonly #entries = new Map<string, CollectionDeclaration>();

  constructor(declarations: Iterable<CollectionDeclaration> = []) {
    for (const d of declarations) this.register(d);
  }

  /** Adds a collection; a name declared twice is a programming error. Returns the declaration. */
  register<D extends CollectionDeclaration>(declaration: D): D {
    if (this.#entries.has(declaration.name)) throw new EdgePayError('COLLECTION_ALREADY_REGISTERED', { collection: declaration.name });
    this.#entries.set(declaration.name, declaration);
    return declaration;
  }

  /** Removes a collection (a test's throwaway one); true when it was there. */
  unregister(name: string): boolean {
    return this.#entries.delete(name);
  }

  has(name: string): boolean {
    return this.#entries.has(name);
  }

  get<C extends CollectionName>(name: C): CollectionDeclaration<CollectionDocs[C], C>;
  get(name: string): CollectionDeclaration;
  get(name: string): CollectionDeclaration {
    const found = this.#entries.get(name);
    if (!found) throw new EdgePayError('UNKNOWN_COLLECTION', { collection: name });
    return found;
  }

  /** In registration order. */
  list(): readonly CollectionDeclaration[] {
    return [...this.#entries.values()];
  }

  names(): string[] {
    return [...this.#entries.keys()];
  }

  /** A new registry with these collections added, or put in place of the same-named ones. */
  with(...declarations: CollectionDeclaration[]): CollectionRegistry {
    const copy = new CollectionRegistry(this.list().filter((d) => !declarations.some((n) => n.name === d.name)));
    for (const d of declarations) copy.register(d);
    return copy;
  }
}

/** EdgePay's collections: `payments`, `products`, `sites` (core/schemas), `enrolments` (core/recognition), `payment-requests` (core/payment-requests). */
export const edgePayCollections = new CollectionRegistry();
