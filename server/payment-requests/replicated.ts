/**
 * The replicated copy of a site's request to pay (core's `payment-requests`
 * collection), written by the very statement that changes the request, so the
 * state change and the document the site's gateways pull commit together or
 * not at all: a gateway can never miss an outcome that happened, nor learn one
 * that was rolled back.
 *
 * It writes as the replication's own server writes do (writeAsServer): the
 * (collection, site) counter row is bumped, and its lock held to COMMIT, so the
 * site's documents commit in seq order and a pull by checkpoint never skips
 * one. Lock order: the site's feed (siteBumpSql), then the request row, then
 * this counter (it reads from `changed`), in every writer; gateway pushes to
 * this collection take only the counter. No cycle.
 *
 * The document is built from the row in SQL, field by field: only what the
 * collection declares (no recipients, no answering user, no note), so personal
 * data cannot slip in by a column added later. An approval by a two-channel
 * dongle ('dongle') leaves `approvalMethod` out: the collection's schema (version 0)
 * knows passkey and password only, and widening it takes a schema version.
 */
import { EdgePayError, PAYMENT_REQUESTS_COLLECTION, paymentRequestsCollection } from '../../core/index.ts';
import type { Db } from '../db/index.ts';
import { announceChange } from '../replication/index.ts';
import { serverCollection } from '../replication/index.ts';
import { isoSql, type RequestRow } from './views.ts';

const declared = serverCollection(paymentRequestsCollection);
const SOME_TIME = '2000-01-01T00:00:00.000Z';

/**
 * Refuses, before anything is written, a request of a site whose document the
 * site's gateways would refuse (their ledger validates every document against
 * the same schema): one unreadable document would stop the site's pull. The
 * routes' own limits make this unreachable over HTTP; it guards the flows that
 * call createPaymentRequest directly. Later states only change the state,
 * times and approval method, which the schema allows in every valid form.
 */
export function checkReplicable(draft: RequestRow): void {
  if (draft.site_id === null) return;
  const doc: Record<string, unknown> = {
    id: draft.id,
    siteId: draft.site_id,
    requesterKind: draft.requester_kind,
    requesterId: draft.requester_id,
    state: draft.state,
    amount: Number(draft.amount),
    currency: draft.currency,
    payee: { id: draft.payee_id, name: draft.payee_name },
    items: draft.items,
    ...(draft.place === null ? {} : { place: draft.place }),
    createdAt: SOME_TIME,
    expiresAt: SOME_TIME,
    updatedAt: SOME_TIME,
  };
  const errors = declared.validate(doc);
  if (errors) throw new EdgePayError('REQUEST_INVALID', { reason: 'not replicable to the site: ' + errors.slice(0, 3).join('; ') });
}

/** `r` is the changed payment_requests row. Null fields are left out (the schema's optional ones). */
const DOC_SQL = `jsonb_strip_nulls(jsonb_build_object(
    'id', r.id, 'siteId', r.site_id, 'requesterKind', r.requester_kind, 'requesterId', r.requester_id,
    'state', r.state, 'amount', r.amount, 'currency', r.currency,
    'payee', jsonb_build_object('id', r.payee_id, 'name', r.payee_name),
    'items', r.items, 'place', r.place,
    'createdAt', ${isoSql('r.created_at')}, 'expiresAt', ${isoSql('r.expires_at')}, 'answeredAt', ${isoSql('r.answered_at')},
    'approvalMethod', CASE WHEN r.approval_method IN ('passkey', 'password') THEN r.approval_method END, 'updatedAt', ${isoSql('now()')}))`;

const COLLECTION_SQL = `'${PAYMENT_REQUESTS_COLLECTION}'`;

/**
 * CTEs `replicated_counter` and `replicated` (to follow the CTE `changed`):
 * the site's document written at the next seq, for rows that have a site (a
 * merchant's request has none and replicates nowhere).
 */
export const REPLICATED_SQL = `replicated_counter AS (
       INSERT INTO change_counters AS cc (collection, site_id, value)
       SELECT ${COLLECTION_SQL}, r.site_id, 1 FROM changed r WHERE r.site_id IS NOT NULL
       ON CONFLICT (collection, site_id) DO UPDATE SET value = cc.value + 1
       RETURNING cc.site_id, cc.value
     ), replicated AS (
       INSERT INTO documents (collection, id, site_id, seq, deleted, data, updated_at, updated_by)
       SELECT ${COLLECTION_SQL}, r.id, r.site_id, c.value, false, ${DOC_SQL}, now(), 'server'
         FROM changed r JOIN replicated_counter c ON c.site_id = r.site_id
       ON CONFLICT (collection, id) DO UPDATE
         SET seq = EXCLUDED.seq, deleted = false, data = EXCLUDED.data, updated_at = EXCLUDED.updated_at, updated_by = EXCLUDED.updated_by
         WHERE documents.site_id = EXCLUDED.site_id
       RETURNING site_id, seq
     )`;

/** The statement's result column naming what `replicated` wrote: [site, seq] or null. */
export const REPLICATED_COLUMN = `(SELECT json_build_array(site_id, seq) FROM replicated) AS replicated`;

/** After COMMIT: the site's live pulls (in every server process) hear of the document. */
export function announceReplicated(db: Db, replicated: unknown): void {
  if (!Array.isArray(replicated)) return;
  const [siteId, seq] = replicated as [string, number | string];
  announceChange(db, { collection: PAYMENT_REQUESTS_COLLECTION, siteId, seq: Number(seq) });
}
