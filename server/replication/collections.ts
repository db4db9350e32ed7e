/**
 * The collections the server replicates, as the server sees them: each one's
 * declaration from core's registry (schema, site field, the field-ownership
 * check a gateway's write must pass, the receipt it stamps), compiled into a
 * schema validator, plus the follow-up SQL that the server's contexts hand in
 * for it (server/http/app.ts composes them). Replication imports no other
 * context: whoever needs work done with a push registers it.
 */
import AjvModule from 'ajv';
import type { CollectionDeclaration, CollectionRegistry, DocumentProblem, WriteCheck } from '../../core/index.ts';

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
  /** Core's text rules and card-data scan, as the gateway's ledger runs them (CollectionDeclaration.checkDocument). */
  checkDocument(doc: Doc): DocumentProblem | null;
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

/**
 * Follow-up SQL per collection name, from the contexts that need it (payments:
 * audit and forwarding queue); see ServerCollection.createdSql.
 */
export type CreatedFollowUps = { readonly [collection: string]: readonly string[] };

/** Both sets of follow-ups, a collection's statements in the order given. */
export function mergeFollowUps(...sets: CreatedFollowUps[]): CreatedFollowUps {
  const merged: Record<string, string[]> = {};
  for (const set of sets) for (const [name, sql] of Object.entries(set)) (merged[name] ??= []).push(...sql);
  return merged;
}

/** The server's view of one declared collection, with its follow-ups. */
export function serverCollection(declaration: CollectionDeclaration, createdSql: readonly string[] = []): ServerCollection {
  const { schema, siteField } = declaration;
  // strict: false: RxDB schemas carry their own keywords (primaryKey, indexes,
  // final, version) which ajv should ignore.
  const ajv = new Ajv({ strict: false, allErrors: false });
  const validator = ajv.compile(schema as object);
  return {
    name: declaration.name,
    schemaVersion: schema.version,
    primaryPath: typeof schema.primaryKey === 'string' ? schema.primaryKey : String((schema.primaryKey as { key: string }).key),
    validate(doc) {
      if (validator(doc)) return null;
      return (validator.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? 'invalid'}`);
    },
    checkDocument: (doc) => declaration.checkDocument(doc),
    siteOf: (doc) => {
      if (!siteField) return undefined;
      const v = doc[siteField];
      return typeof v === 'string' ? v : undefined;
    },
    checkGatewayWrite: declaration.checkGatewayWrite,
    ...(declaration.stampAccepted ? { stampAccepted: declaration.stampAccepted } : {}),
    ...(createdSql.length > 0 ? { createdSql } : {}),
  };
}

/**
 * Every collection of `registry` as the server replicates it. Follow-ups of a
 * collection the registry does not hold are dropped: a server without
 * payments has no payment work to do.
 */
export function serverCollections(registry: CollectionRegistry, followUps: CreatedFollowUps = {}): ServerCollection[] {
  return registry.list().map((d) => serverCollection(d, followUps[d.name]));
}
