/**
 * One declaration per replicated collection: everything the gateway's ledger,
 * the gateway's sync and the server's replication need to know about it, in
 * one place. Each side derives its own view from it:
 * - the ledger (sync/ledger) opens the collection with `schema` and runs
 *   `migrations` on open;
 * - the gateway's sync (sync/replication) replicates it in the directions of
 *   `sync`, with its batch sizes;
 * - the server (server/replication) validates pushes against `schema`, keeps
 *   each gateway to its site by `siteField`, runs `checkGatewayWrite` and
 *   stamps its receipt with `stampAccepted`.
 * Server-only follow-up work (SQL that runs with a push) is not declared here:
 * the server's contexts hand it to the server's replication (server/http/app.ts).
 *
 * Pure data and pure functions: core runs on the gateway, the server and in
 * the browser alike.
 */
import type { MigrationStrategies, RxJsonSchema } from 'rxdb';
import type { GatewayIdentity, WriteCheck } from './ownership.ts';
import { checkDocumentText, type DocumentProblem, type TextRules } from './document-text.ts';

/** Which way documents travel between a gateway and the server. */
export type CollectionSyncSettings = {
  /** Gateways push what they write (the server checks each document). */
  readonly push: boolean;
  /** Gateways pull the site's documents (pull by checkpoint and the live stream). */
  readonly pull: boolean;
  /** Rows per push request, where documents are large (default: the sync's, 100). */
  readonly pushBatchSize?: number;
  /** Rows per pull page, where documents are large (default: the sync's, 200). */
  readonly pullBatchSize?: number;
};

export type CollectionDeclaration<Doc = any, Name extends string = string> = {
  /** As used in `/sync/{collection}/{version}` and as the ledger's collection name. */
  readonly name: Name;
  /** The RxDB schema; its `version` is the schema version both sides speak. */
  readonly schema: RxJsonSchema<Doc>;
  /** The field holding the site a document belongs to; absent: the writer's site. */
  readonly siteField?: keyof Doc & string;
  /**
   * The check beside the schema that both sides run on every write: the
   * gateway's ledger before it stores a document (sync/ledger), the server on
   * every pushed document and on its own writes (server/replication). By
   * default core's text rules (document-text.ts) with the collection's
   * `textRules`; null when the document may be stored. A gateway must never
   * accept what the server will refuse, so there is exactly one.
   */
  readonly checkDocument: (doc: Doc) => DocumentProblem | null;
  /**
   * May this gateway (`writer`) turn `previous` (the server's state, undefined
   * for a new document) into `next`? Run by the server on every pushed
   * document after schema validation. Collections only the server writes
   * refuse every change (checkReadOnlyWrite).
   */
  readonly checkGatewayWrite: (previous: Doc | undefined, next: Doc, writer: GatewayIdentity) => WriteCheck;
  /** Server-owned fields the server sets when it accepts a gateway's write (its receipt). */
  readonly stampAccepted?: (doc: Doc, now: string) => Doc;
  readonly sync: CollectionSyncSettings;
  /**
   * The ledger's migration strategies, by target schema version (RxDB's
   * migration plugin runs them on open, before the collection is handed out).
   * Rules: pure, deterministic (replicas must agree), and never drop a
   * payment (return the document, never null, for `payments`).
   */
  readonly migrations: MigrationStrategies;
};

/**
 * Declares a collection. Typed by its document, so the ownership check and
 * the site field are checked against the schema's document type.
 */
export function defineCollection<Doc, Name extends string>(
  declaration: Omit<CollectionDeclaration<Doc, Name>, 'migrations' | 'checkDocument'> & {
    migrations?: MigrationStrategies;
    /** Where the text rules differ for this collection (multi-line fields). */
    textRules?: TextRules;
  },
): CollectionDeclaration<Doc, Name> {
  const { textRules, ...rest } = declaration;
  return Object.freeze({
    ...rest,
    migrations: declaration.migrations ?? {},
    checkDocument: (doc: Doc) => checkDocumentText(doc as Record<string, unknown>, textRules),
  });
}
