/**
 * The replication protocol between a gateway and the central server: RxDB's
 * replication protocol over HTTP, in the route shape of RxDB Server
 * (DESIGN.md section 3), so any RxDB client written for that convention can
 * sync with us. This file is the one typed contract for that boundary: the
 * server's routes and the gateway's client (sync/replication) both import it,
 * so paths, limits and header names cannot drift apart.
 *
 *   base  /sync/{collection}/{schemaVersion}
 *   GET   {base}/pull?id=&lwt=&limit=     → PullResponse
 *   POST  {base}/push   PushRow[]         → conflicts: the server's documents; header
 *                                           `edgepay-commit-lwt`: the commit counter of the
 *                                           push's first write (absent: none written)
 *   GET   {base}/pullStream               → Server-Sent Events, each `data:` a
 *                                           PullResponse or the string "RESYNC"
 *   Authorization: Bearer <gateway credential>
 *
 * Errors are JSON `{code, message}` with codes from core's registry:
 * 401 AUTH_REQUIRED (unknown or revoked), 403 for a write the gateway may not
 * make, 426 SCHEMA_VERSION_OUTDATED for an older schema version.
 */

import type { ErrorCode } from '../errors.ts';

/** A document as the server holds it: the document's fields plus `_deleted`. */
export type ReplicatedDocument<T = Record<string, unknown>> = T & { _deleted: boolean };

/**
 * Where a pull continues. `lwt` is the server's ordering value (a per site and
 * collection commit counter, see server/), opaque to the client; `id` is the
 * last document's id. The server never skips a commit from one checkpoint to
 * the next.
 */
export type SyncCheckpoint = { id: string; lwt: number };

export type PullResponse<T = Record<string, unknown>> = {
  documents: ReplicatedDocument<T>[];
  checkpoint: SyncCheckpoint | null;
};

export type PushRow<T = Record<string, unknown>> = {
  assumedMasterState?: ReplicatedDocument<T> | null;
  newDocumentState: ReplicatedDocument<T>;
};

/** The conflicting rows: the server's current state of each. */
export type PushResponse<T = Record<string, unknown>> = ReplicatedDocument<T>[];

/**
 * One pushed row the server refuses (its schema, core's text rules, card
 * data, field ownership or site): `row` is its index in the push, so the
 * gateway finds its document without the server echoing the id; `path` (or
 * `field`) and `reason` say where and why, never with the refused text.
 */
export type PushRefusal = {
  row: number;
  code: ErrorCode;
  path?: string;
  field?: string;
  reason?: string;
};

/**
 * A push with refused rows writes nothing and is answered with the first
 * refused row's status and code (4xx) and, in `details.refused`, every
 * refused row of the push. The gateway sets those documents aside and pushes
 * the rest again (sync/replication), so one bad document never holds up the
 * others; a plain RxDB client sees an error, and never a refused row taken
 * for written.
 */
export type PushRefusedDetails = { collection: string; refused: PushRefusal[] };

/** The refusals of a push error's details, or undefined when it is no per-row refusal. */
export function pushRefusalsOf(details: unknown): PushRefusal[] | undefined {
  const refused = (details as { refused?: unknown } | undefined)?.refused;
  if (!Array.isArray(refused)) return undefined;
  return refused.filter((r): r is PushRefusal => typeof r === 'object' && r !== null && Number.isSafeInteger((r as PushRefusal).row) && typeof (r as PushRefusal).code === 'string');
}

/**
 * A document of the gateway's ledger that the server refused: kept out of
 * the push until it changes, and shown to the operator with the reason.
 */
export type RefusedDocument = {
  collection: string;
  documentId: string;
  code: ErrorCode;
  /** The server's message for the refusal (rendered from the code, with no text of the document). */
  message: string;
  path?: string;
  reason?: string;
  refusedAt: string;
};

/**
 * Push response header: the checkpoint `lwt` (the site's commit counter) of
 * the push's first write. The push's writes commit together under the
 * counter's lock, so a live event or pull page whose checkpoint is below it
 * was read before them and may hold older states of the pushed documents than
 * the gateway now has; one read after them has a checkpoint at or above it
 * whenever it holds a pushed document (see collection-replication.ts).
 * Lower-case, as Fetch and Fastify give header names.
 */
export const PUSH_COMMIT_HEADER = 'edgepay-commit-lwt';
export type PushCommitHeader = typeof PUSH_COMMIT_HEADER;

/** One event of the live stream. */
export type PullStreamEvent<T = Record<string, unknown>> = PullResponse<T> | 'RESYNC';

export const SYNC_BASE_PATH = '/sync';

export function syncBasePath(collection: string, schemaVersion: number): string {
  return `${SYNC_BASE_PATH}/${encodeURIComponent(collection)}/${schemaVersion}`;
}

/** The route patterns the server registers (Fastify's `:param` syntax), one per call. */
export const SYNC_ROUTES = {
  pull: `${SYNC_BASE_PATH}/:collection/:version/pull`,
  push: `${SYNC_BASE_PATH}/:collection/:version/push`,
  pullStream: `${SYNC_BASE_PATH}/:collection/:version/pullStream`,
} as const;

/** The live stream's word for "pull from your checkpoint instead". */
export const RESYNC = 'RESYNC' satisfies PullStreamEvent;

/** Largest page a pull returns; a `limit` above it is refused (400). */
export const MAX_PULL_LIMIT = 1000;
/** The page a pull returns when it names no `limit`. */
export const DEFAULT_PULL_LIMIT = 100;
/** Most rows one push may carry. */
export const MAX_PUSH_ROWS = 1000;
