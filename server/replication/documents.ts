/**
 * The server's document store: pulls by checkpoint, gateway pushes with
 * conflict detection and field ownership, and the server's own writes.
 *
 * Ordering: every write to (collection, site) takes that pair's counter row
 * lock and holds it to COMMIT; each written document gets the next counter
 * value as its `seq`. Writers of one site therefore commit in seq order, so
 * when a reader sees seq N, every seq below N is already visible: a pull by
 * `seq > checkpoint` never skips a commit, with any number of writers in any
 * number of server processes. Different sites never wait for each other.
 * Gateway pushes take the lock inside one statement (optimistic, see push());
 * the server's own writes take it with SELECT ... FOR UPDATE in a transaction.
 */
import { EdgePayError, jsonEqual, type DocumentProblem, type ErrorCode, type PushRefusal } from '../../core/index.ts';
import type { PullResponse, PushRow, ReplicatedDocument, SyncCheckpoint } from '../../core/index.ts';
import type { Db, Queryable } from '../db/index.ts';
import type { Doc, ServerCollection, Writer } from './collections.ts';
import { announceChange } from './change-notifier.ts';

export { CHANGES_CHANNEL, type ChangeNotice } from './change-notifier.ts';

type StoredRow = { id: string; site_id: string; data: Doc; deleted: boolean; seq: string | number };

function toReplicated(row: StoredRow): ReplicatedDocument {
  return { ...row.data, _deleted: row.deleted };
}

export async function pull(db: Db, collection: ServerCollection, siteId: string, checkpoint: SyncCheckpoint | null, limit: number): Promise<PullResponse> {
  const since = checkpoint ? checkpoint.lwt : 0;
  const { rows } = await db.query<StoredRow>(
    `SELECT id, site_id, data, deleted, seq FROM documents
      WHERE collection = $1 AND site_id = $2 AND seq > $3
      ORDER BY seq LIMIT $4`,
    [collection.name, siteId, since, limit],
  );
  const last = rows[rows.length - 1];
  return {
    documents: rows.map(toReplicated),
    checkpoint: last ? { id: last.id, lwt: Number(last.seq) } : checkpoint,
  };
}

/** The newest checkpoint of a site's collection (where a live stream starts). */
export async function headCheckpoint(db: Db, collection: string, siteId: string): Promise<number> {
  const { rows } = await db.query<{ value: string | number }>('SELECT value FROM change_counters WHERE collection = $1 AND site_id = $2', [collection, siteId]);
  return rows[0] ? Number(rows[0].value) : 0;
}

/** Takes the (collection, site) write lock and returns the counter's value. */
async function lockCounter(tx: Queryable, collection: string, siteId: string): Promise<number> {
  await tx.query('INSERT INTO change_counters (collection, site_id, value) VALUES ($1, $2, 0) ON CONFLICT DO NOTHING', [collection, siteId]);
  const { rows } = await tx.query<{ value: string | number }>('SELECT value FROM change_counters WHERE collection = $1 AND site_id = $2 FOR UPDATE', [collection, siteId]);
  return Number(rows[0]!.value);
}

async function finishWrites(tx: Queryable, collection: string, siteId: string, seq: number): Promise<void> {
  await tx.query('UPDATE change_counters SET value = $3 WHERE collection = $1 AND site_id = $2', [collection, siteId, seq]);
}

type Write = { id: string; stored: Doc; deleted: boolean; seq: number };

async function upsertMany(tx: Queryable, collection: string, siteId: string, rows: Write[], by: string) {
  // All rows as one JSON parameter: PostgreSQL parses it once, where a jsonb[]
  // parameter is escaped element by element into an array literal by `pg` and
  // then parsed twice (array literal, then each jsonb); about a third faster
  // for 1,000 payments.
  const param = '[' + rows.map((r) => `{"id":${JSON.stringify(r.id)},"seq":${r.seq},"deleted":${r.deleted},"data":${JSON.stringify(r.stored)}}`).join(',') + ']';
  // The site condition on the update: the caller checked under its own site's
  // lock that no other site holds these ids, but two sites do not wait for each
  // other, so another site's INSERT of the same id may commit between that check
  // and this statement. Without the condition, ON CONFLICT would then write this
  // site's data into the other site's row; with it, that row is left alone and
  // the count below refuses the whole write (rolled back by the caller's throw).
  const { rows: counted } = await tx.query<{ n: number }>(
    `WITH w AS (
       INSERT INTO documents (collection, id, site_id, seq, deleted, data, updated_at, updated_by)
       SELECT $1, u.id, $2, u.seq, u.deleted, u.data, now(), $3
         FROM jsonb_to_recordset($4::jsonb) AS u(id text, seq bigint, deleted boolean, data jsonb)
       ON CONFLICT (collection, id) DO UPDATE
         SET seq = EXCLUDED.seq, deleted = EXCLUDED.deleted, data = EXCLUDED.data,
             updated_at = EXCLUDED.updated_at, updated_by = EXCLUDED.updated_by
         WHERE documents.site_id = EXCLUDED.site_id
       RETURNING 1)
     SELECT count(*)::int AS n FROM w`,
    [collection, siteId, by, param],
  );
  if (counted[0]!.n !== rows.length) {
    throw new PushRefused('AUTH_FORBIDDEN', { collection, reason: 'document of another site', written: counted[0]!.n, rows: rows.length });
  }
}

/**
 * A push the server refuses: nothing of it is written. With refused rows
 * (`details.refused`, core's PushRefusedDetails) its code and status are the
 * first refused row's, and the gateway sets those rows aside and pushes the
 * rest again.
 */
export class PushRefused extends EdgePayError {
  constructor(code: ErrorCode, details: Record<string, unknown>) {
    super(code, details);
  }
}

/** The problem of a document the server is about to store itself, as the error it raises. */
export function refuseOwnWrite(collection: ServerCollection, doc: Doc): void {
  const problem = collection.checkDocument(doc);
  if (problem) throw new EdgePayError(problem.code, { collection: collection.name, path: problem.path, reason: problem.reason });
  const errors = collection.validate(doc);
  if (errors) throw new EdgePayError('SCHEMA_VALIDATION', { collection: collection.name, errors: errors.slice(0, 5) });
}

function splitDeleted(state: ReplicatedDocument): { doc: Doc; deleted: boolean } {
  const { _deleted, ...doc } = state as Doc & { _deleted?: unknown };
  return { doc, deleted: _deleted === true };
}

/**
 * What a push did: the conflicting rows, and the commit counter of its first write (undefined: it
 * wrote nothing). Its writes commit together under the site's counter lock, so a read before the
 * commit has a checkpoint below `firstLwt`, and a read after it holds each pushed document at
 * `firstLwt` or later.
 */
export type PushOutcome = { conflicts: ReplicatedDocument[]; firstLwt: number | undefined };

/** How often a push is read and written again when its documents changed in between. */
const PUSH_ATTEMPTS = 5;
/** SQLSTATE of edgepay_push_verified() (migration 003): a document changed since the push read it. */
const PUSH_STALE_READ = 'EP409';

/**
 * Applies a gateway's push. Returns the conflicts (the server's state of each
 * row whose assumed master state was not the server's) and the commit counter
 * of its first write. Throws PushRefused (and stores nothing of the push) when
 * a row breaks the schema or the field ownership rules, or belongs to another
 * site.
 *
 * Optimistic, so that the site's write lock is held by PostgreSQL alone, never
 * across a round trip to this process: the documents are read without the
 * lock, every check runs here, and then one statement takes the lock, writes
 * all rows and their follow-ups (ServerCollection.createdSql), and verifies
 * under the lock that each document is still as read (absent, or at the seq
 * read, and of this site). If one is not, the statement fails, nothing of it
 * is kept, and the push is read and checked again (a concurrent writer got
 * there first). Conflicts and refusals are judged against the state read: a
 * conflict then answers a state the server really held, which RxDB resolves
 * as any conflict; a refusal judges the change the gateway meant to make,
 * from the state it assumed. With the lock held across the read, checks and several
 * statements, a 1,000-payment push held it about 40 ms on a loaded 2-core
 * machine, and a site's catch-up is a queue of such pushes.
 */
export async function push(db: Db, collection: ServerCollection, writer: Writer, rows: PushRow[]): Promise<PushOutcome> {
  const prepared = prepareRows(collection, rows);
  for (let attempt = 1; ; attempt++) {
    try {
      return await pushOnce(db, collection, writer, rows, prepared);
    } catch (err) {
      if ((err as { code?: unknown })?.code !== PUSH_STALE_READ) throw err;
      if (attempt === PUSH_ATTEMPTS) throw new EdgePayError('SYNC_CONTENDED', { collection: collection.name, attempts: attempt });
    }
  }
}

type PreparedRow = ReturnType<typeof prepareRows>[number];

/**
 * What depends on the pushed document alone: its id, card-data scan, schema
 * check, the state stored if it is accepted and that state's JSON. Each
 * refusal found here is raised later, at its row, in row order, after the
 * checks that precede it (another site's row, conflict).
 */
function prepareRows(collection: ServerCollection, rows: PushRow[]) {
  const now = new Date().toISOString();
  return rows.map((r, i) => {
    const id = r.newDocumentState[collection.primaryPath];
    if (typeof id !== 'string' || id.length === 0) throw new PushRefused('SCHEMA_VALIDATION', { collection: collection.name, row: i, errors: [`missing ${collection.primaryPath}`] });
    const { doc, deleted } = splitDeleted(r.newDocumentState);
    // Core's text rules and card scan before the schema check: its error messages must not get to quote a card number.
    const problem: DocumentProblem | null = collection.checkDocument(doc);
    const errors = problem ? null : collection.validate(doc);
    if (problem || errors) return { id, doc, deleted, problem, errors, stored: doc, json: '' };
    const stored = collection.stampAccepted && !deleted ? collection.stampAccepted(doc, now) : doc;
    return { id, doc, deleted, problem, errors, stored, json: JSON.stringify(stored) };
  });
}

/** One read-check-write of a push; a stale read ends in a PUSH_STALE_READ error and changes nothing. */
async function pushOnce(db: Db, collection: ServerCollection, writer: Writer, rows: PushRow[], prepared: PreparedRow[]): Promise<PushOutcome> {
  // The ids as one JSON parameter: a text[] parameter is escaped id by id by `pg`.
  const { rows: existing } = await db.query<StoredRow>(
    `SELECT id, site_id, data, deleted, seq FROM documents
      WHERE collection = $1 AND id = ANY (ARRAY(SELECT json_array_elements_text($2::json)))`,
    [collection.name, JSON.stringify(prepared.map((p) => p.id))],
  );
  const inDb = new Map<string, StoredRow>();
  for (const r of existing) inDb.set(r.id, r);
  // The state each row is checked against: the database's, or an earlier row of this push.
  const current = new Map(inDb);
  const conflicts: ReplicatedDocument[] = [];
  // A document pushed twice in one batch is written once, in its last state.
  const writes = new Map<string, { id: string; deleted: boolean; json: string }>();
  // Every refused row of the push, so that the gateway sets them all aside at once.
  const refused: PushRefusal[] = [];
  const refusedFirst: Record<string, unknown>[] = [];
  const refuse = (refusal: PushRefusal, extra: Record<string, unknown> = {}) => {
    refused.push(refusal);
    if (refusedFirst.length === 0) refusedFirst.push({ ...extra, ...refusal });
  };
  for (const [i, row] of rows.entries()) {
    const { id, doc, deleted, problem, errors, stored, json } = prepared[i]!;
    const real = current.get(id);
    if (real && real.site_id !== writer.siteId) {
      refuse({ row: i, code: 'AUTH_FORBIDDEN', reason: 'document of another site' });
      continue;
    }
    const realState = real ? toReplicated(real) : undefined;
    const assumed = row.assumedMasterState ?? undefined;
    if (realState && (!assumed || !jsonEqual(realState, assumed))) {
      conflicts.push(realState);
      continue;
    }
    if (problem) {
      refuse({ row: i, code: problem.code, path: problem.path, reason: problem.reason });
      continue;
    }
    if (errors) {
      refuse({ row: i, code: 'SCHEMA_VALIDATION', reason: errors[0]! }, { errors: errors.slice(0, 5) });
      continue;
    }
    const check = collection.checkGatewayWrite(realState, row.newDocumentState, writer);
    if (!check.ok) {
      refuse({ row: i, code: check.code, field: check.field });
      continue;
    }
    // Backstop for collections whose own check does not look at the site.
    const site = collection.siteOf(doc);
    if (site !== undefined && site !== writer.siteId) {
      refuse({ row: i, code: 'AUTH_FORBIDDEN', reason: 'document of another site' });
      continue;
    }
    writes.set(id, { id, deleted, json });
    current.set(id, { id, site_id: writer.siteId, data: stored, deleted, seq: 0 });
  }
  if (refused.length > 0) {
    const first = refusedFirst[0]!;
    throw new PushRefused(first.code as ErrorCode, { collection: collection.name, ...first, refused });
  }
  if (writes.size === 0) return { conflicts, firstLwt: undefined };

  // Row i (1-based, in write order) gets seq base + i; `expect` is the seq it
  // was read at (null: it did not exist). Documents already serialised are
  // spliced in as they are.
  let i = 0;
  const param =
    '[' +
    [...writes.values()]
      .map((w) => {
        const read = inDb.get(w.id);
        return `{"i":${++i},"id":${JSON.stringify(w.id)},"deleted":${w.deleted},"expect":${read ? Number(read.seq) : null},"data":${w.json}}`;
      })
      .join(',') +
    ']';
  const followUps = (collection.createdSql ?? []).map((sql, k) => `, follow_up_${k} AS (${sql})`).join('');
  // One statement, one transaction. `counter` takes the (collection, site)
  // row lock that orders this site's commits and allocates the seqs; the
  // writes read from it, so they run after it. Under READ COMMITTED the
  // conflict check of INSERT ... ON CONFLICT and the UPDATE's re-check of its
  // WHERE see the newest committed row version, not the statement's
  // snapshot: a document written by anyone since our read fails its row,
  // and the count below then fails the whole statement.
  const { rows: result } = await db.query<{ base: string | number }>(
    `WITH counter AS (
       INSERT INTO change_counters AS cc (collection, site_id, value) VALUES ($1, $2, $5)
       ON CONFLICT (collection, site_id) DO UPDATE SET value = cc.value + $5
       RETURNING cc.value - $5 AS base
     ), pushed AS (
       SELECT * FROM jsonb_to_recordset($4::jsonb) AS r(i bigint, id text, deleted boolean, expect bigint, data jsonb)
     ), inserted AS (
       INSERT INTO documents (collection, id, site_id, seq, deleted, data, updated_at, updated_by)
       SELECT $1, p.id, $2, counter.base + p.i, p.deleted, p.data, now(), $3 FROM pushed p CROSS JOIN counter
        WHERE p.expect IS NULL
       ON CONFLICT DO NOTHING
       RETURNING id, seq, deleted, data
     ), updated AS (
       UPDATE documents d SET seq = counter.base + p.i, deleted = p.deleted, data = p.data, updated_at = now(), updated_by = $3
         FROM pushed p CROSS JOIN counter
        WHERE p.expect IS NOT NULL AND d.collection = $1 AND d.id = p.id AND d.site_id = $2 AND d.seq = p.expect
       RETURNING d.id
     ), created AS (
       SELECT id, seq, data FROM inserted WHERE NOT deleted
     )${followUps}
     SELECT (SELECT base FROM counter) AS base,
            edgepay_push_verified((SELECT count(*) FROM inserted) + (SELECT count(*) FROM updated) = $5) AS verified`,
    [collection.name, writer.siteId, writer.gatewayId, param, writes.size],
  );
  const base = Number(result[0]!.base);
  // After COMMIT: every server process's live streams (and forwarder) hear of it.
  announceChange(db, { collection: collection.name, siteId: writer.siteId, seq: base + writes.size });
  return { conflicts, firstLwt: base + 1 };
}

/**
 * The server's own writes (catalogue, site settings, payment outcomes): the
 * server is the authority, so no conflict check; same ordering guarantee.
 */
export async function writeAsServer(db: Db, collection: ServerCollection, siteId: string, docs: ReplicatedDocument[]): Promise<void> {
  if (docs.length === 0) return;
  const last = await db.transaction(async (tx) => {
    let seq = await lockCounter(tx, collection.name, siteId);
    // A document given twice is written once, in its last state.
    const writes = new Map<string, Write>();
    for (const state of docs) {
      const { doc, deleted } = splitDeleted(state);
      // The gateways' ledgers refuse what core's text rules refuse: a server write they cannot store would stop their pull.
      refuseOwnWrite(collection, doc);
      const site = collection.siteOf(doc);
      if (site !== undefined && site !== siteId) throw new EdgePayError('AUTH_FORBIDDEN', { collection: collection.name, reason: 'document of another site' });
      const id = doc[collection.primaryPath] as string;
      seq++;
      writes.set(id, { id, stored: doc, deleted, seq });
    }
    await upsertMany(tx, collection.name, siteId, [...writes.values()], 'server');
    await finishWrites(tx, collection.name, siteId, seq);
    return seq;
  });
  announceChange(db, { collection: collection.name, siteId, seq: last, server: true });
}

/**
 * The server changes one document (a payment outcome): reads it under the
 * (collection, site) lock, lets `mutate` decide, writes the result with the
 * next seq. `mutate` may also write other rows (audit, queues) through `tx`.
 * Returns the new state, or the old one when `mutate` returned undefined.
 */
export async function mutateAsServer<T extends Doc>(
  db: Db,
  collection: ServerCollection,
  siteId: string,
  id: string,
  mutate: (current: T | undefined, tx: Queryable) => Promise<T | undefined> | T | undefined,
): Promise<T | undefined> {
  let written: number | undefined;
  const result = await db.transaction(async (tx) => {
    const seq = await lockCounter(tx, collection.name, siteId);
    const { rows } = await tx.query<StoredRow>('SELECT id, site_id, data, deleted, seq FROM documents WHERE collection = $1 AND id = $2', [collection.name, id]);
    const row = rows[0];
    if (row && row.site_id !== siteId) throw new EdgePayError('AUTH_FORBIDDEN', { collection: collection.name, reason: 'document of another site' });
    const current = row && !row.deleted ? (row.data as T) : undefined;
    const next = await mutate(current, tx);
    if (next === undefined) return current;
    refuseOwnWrite(collection, next);
    await upsertMany(tx, collection.name, siteId, [{ id, stored: next, deleted: false, seq: seq + 1 }], 'server');
    await finishWrites(tx, collection.name, siteId, seq + 1);
    written = seq + 1;
    return next;
  });
  if (written !== undefined) announceChange(db, { collection: collection.name, siteId, seq: written, server: true });
  return result;
}
