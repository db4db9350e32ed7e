/**
 * Requests to pay in the database: create, read, answer, cancel, expire.
 *
 * One decision per request, across every server process on the database:
 * each state change is a conditional UPDATE (`WHERE state = 'pending' AND
 * expires_at > now()`, or `<= now()` for the expiry) in one statement, so of
 * two answers arriving at once through two processes exactly one changes the
 * row; the other finds it no longer pending, writes nothing and is told why.
 * The same statement appends the change's events (the recipients' phone
 * feeds, the requester's feed) and notifies them, and writes the site's
 * replicated document (replicated.ts), so a change, its events and what the
 * site's gateways pull commit together or not at all.
 */
import {
  EdgePayError,
  boundedMoney,
  nextPaymentRequestState,
  paymentRequestRefusal,
  PAYMENT_REQUEST_DEFAULT_TTL_SECONDS,
  PAYMENT_REQUEST_MAX_TTL_SECONDS,
  PAYMENT_REQUEST_MIN_TTL_SECONDS,
  uuidV7,
  type CreatePaymentRequestBody,
  type PaymentRequestBinding,
  type PaymentRequester,
  type PaymentRequestEventType,
  type PaymentRequestView,
  type PhonePaymentRequestView,
} from '../../core/index.ts';
import type { Db, Queryable } from '../db/index.ts';
import { deliverCommitted } from './feed-hub.ts';
import { eventsSql, noticesFrom, NOTICES_SQL, PAYMENT_REQUESTS_CHANNEL, siteBumpSql, type FeedEntry } from './feeds.ts';
import { requesterFeed, userFeed } from './requester.ts';
import { announceReplicated, checkReplicable, REPLICATED_COLUMN, REPLICATED_SQL } from './replicated.ts';
import { isoSql, phoneView, requesterView, ROW_COLUMNS, type RequestRow } from './views.ts';

export type UsersAtUnit = (buildingId: string, unit: string) => Promise<string[]>;

/** 'dongle': confirmed with a two-channel dongle's one-time code (server/flows/two-channel). */
export type ApprovalMethod = 'passkey' | 'password' | 'dongle';
export type VerifyApproval = (userId: string, binding: PaymentRequestBinding, proof: unknown) => Promise<{ method: ApprovalMethod }>;

/** Checks what JSON schema cannot (money through core, the target's form, the lifetime's bounds). */
function checkBody(body: CreatePaymentRequestBody): void {
  const amount = boundedMoney(body.amount, body.currency);
  if (amount.amount <= 0) throw new EdgePayError('MONEY_INVALID_AMOUNT', { amount: body.amount });
  for (const item of body.items ?? []) boundedMoney(item.amount, body.currency);
  const to = body.to as Record<string, unknown>;
  const byUser = typeof to.userId === 'string' && to.buildingId === undefined && to.unit === undefined;
  const byUnit = to.userId === undefined && typeof to.buildingId === 'string' && typeof to.unit === 'string';
  if (!byUser && !byUnit) throw new EdgePayError('REQUEST_INVALID', { reason: 'body/to must be {userId} or {buildingId, unit}' });
  const ttl = body.ttlSeconds ?? PAYMENT_REQUEST_DEFAULT_TTL_SECONDS;
  if (!Number.isInteger(ttl) || ttl < PAYMENT_REQUEST_MIN_TTL_SECONDS || ttl > PAYMENT_REQUEST_MAX_TTL_SECONDS) {
    throw new EdgePayError('REQUEST_INVALID', { reason: `body/ttlSeconds must be ${PAYMENT_REQUEST_MIN_TTL_SECONDS}..${PAYMENT_REQUEST_MAX_TTL_SECONDS}` });
  }
}

/** Creates a request; its recipients are resolved now (a unit's residents at this moment). */
export async function createPaymentRequest(db: Db, requester: PaymentRequester, body: CreatePaymentRequestBody, usersAtUnit: UsersAtUnit): Promise<PaymentRequestView> {
  checkBody(body);
  if (requester.kind === 'merchant' && body.payee.id !== requester.id) {
    throw new EdgePayError('PAYMENT_REQUEST_PAYEE_FORBIDDEN', { payeeId: body.payee.id });
  }
  const to = body.to as { userId?: string; buildingId?: string; unit?: string };
  const recipients = [...new Set(to.userId !== undefined ? [to.userId] : await usersAtUnit(to.buildingId!, to.unit!))].sort();
  if (recipients.length === 0) throw new EdgePayError('PAYMENT_REQUEST_NO_RECIPIENT');
  const id = uuidV7();
  const siteId = requester.kind === 'merchant' ? null : (requester.siteId ?? null);
  const feed = requesterFeed({ ...requester, siteId });
  // The views as they will be, but for the times, which the database sets (patched in by the statement).
  const draft: RequestRow = {
    id,
    requester_kind: requester.kind,
    requester_id: requester.id,
    site_id: siteId,
    payee_id: body.payee.id,
    payee_name: body.payee.name,
    amount: body.amount,
    currency: body.currency,
    items: body.items ?? [],
    place: body.place ?? null,
    note: body.note ?? null,
    state: 'pending',
    stored_state: 'pending',
    created_at: '',
    expires_at: '',
    answered_at: null,
    answered_by: null,
    approval_method: null,
  };
  checkReplicable(draft);
  // One statement (atomic without BEGIN/COMMIT round trips: this is the path from a request to the phone):
  // the request, its recipients, its events and their notifications.
  const { rows } = await db.query<RequestRow & { notices: unknown; replicated: unknown }>(
    `WITH ${siteBumpSql(16)}, changed AS (
       INSERT INTO payment_requests (id, requester_kind, requester_id, site_id, target, payee_id, payee_name, amount, currency, items, place, note, expires_at, site_seq)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, now() + make_interval(secs => $13), (SELECT last_seq FROM site))
       RETURNING *
     ), recipients AS (
       INSERT INTO payment_request_recipients (request_id, user_id) SELECT r.id, unnest($14::text[]) FROM changed r
     ), ${eventsSql({ entries: 15, requestId: '$1', channel: 17, patch: `jsonb_build_object('createdAt', ${isoSql('r.created_at')}, 'expiresAt', ${isoSql('r.expires_at')})` })},
     ${REPLICATED_SQL}
     SELECT ${ROW_COLUMNS}, ${NOTICES_SQL}, ${REPLICATED_COLUMN} FROM changed r`,
    [
      id,
      requester.kind,
      requester.id,
      siteId,
      JSON.stringify(body.to),
      body.payee.id,
      body.payee.name,
      body.amount,
      body.currency,
      JSON.stringify(body.items ?? []),
      body.place ?? null,
      body.note ?? null,
      body.ttlSeconds ?? PAYMENT_REQUEST_DEFAULT_TTL_SECONDS,
      recipients,
      JSON.stringify(eventEntries(draft, recipients, 'request', feed)),
      siteId === null ? null : feed,
      PAYMENT_REQUESTS_CHANNEL,
    ],
  );
  const row = rows[0]!;
  deliverCommitted(db, noticesFrom(row.notices));
  announceReplicated(db, row.replicated);
  return requesterView(row);
}

/** The events of a change, sorted by feed (the order their locks are taken): the recipients' phones and the requester. */
function eventEntries(row: RequestRow, recipients: string[], phoneType: 'request' | 'resolved', requesterFeedName: string): FeedEntry[] {
  const entries: FeedEntry[] = recipients.map((u) => ({ feed: userFeed(u), type: phoneType, data: phoneView(row, u) }));
  entries.push({ feed: requesterFeedName, type: phoneType === 'request' ? 'request' : 'outcome', data: requesterView(row) });
  return entries.sort((a, b) => (a.feed < b.feed ? -1 : a.feed > b.feed ? 1 : 0));
}

type RowWithRecipients = RequestRow & { recipients: string[] };

const RECIPIENTS_SQL = 'ARRAY(SELECT p.user_id FROM payment_request_recipients p WHERE p.request_id = r.id ORDER BY p.user_id) AS recipients';

async function readRow(db: Queryable, id: string): Promise<RowWithRecipients | undefined> {
  const { rows } = await db.query<RowWithRecipients>(`SELECT ${ROW_COLUMNS}, ${RECIPIENTS_SQL} FROM payment_requests r WHERE r.id = $1`, [id]);
  return rows[0];
}

/** Whether a requester may see a request: a gateway its site's, a merchant its own. */
function ownedBy(row: RequestRow, requester: PaymentRequester): boolean {
  if (requester.kind === 'merchant') return row.requester_kind === 'merchant' && row.requester_id === requester.id;
  return row.site_id !== null && row.site_id === requester.siteId;
}

export async function getForRequester(db: Db, requester: PaymentRequester, id: string): Promise<PaymentRequestView> {
  const row = await readRow(db, id);
  if (!row || !ownedBy(row, requester)) throw new EdgePayError('PAYMENT_REQUEST_NOT_FOUND', { requestId: id });
  return requesterView(row);
}

/** A recipient's request, or PAYMENT_REQUEST_NOT_FOUND (also for a non-recipient: it must not learn that the request exists). */
export async function getForRecipient(db: Queryable, userId: string, id: string): Promise<RowWithRecipients> {
  const { rows } = await db.query<RowWithRecipients>(
    `SELECT ${ROW_COLUMNS}, ${RECIPIENTS_SQL} FROM payment_requests r
     WHERE r.id = $1 AND EXISTS (SELECT 1 FROM payment_request_recipients p WHERE p.request_id = r.id AND p.user_id = $2)`,
    [id, userId],
  );
  if (!rows[0]) throw new EdgePayError('PAYMENT_REQUEST_NOT_FOUND', { requestId: id });
  return rows[0];
}

export async function pendingForUser(db: Db, userId: string): Promise<PhonePaymentRequestView[]> {
  const { rows } = await db.query<RequestRow>(
    `SELECT ${ROW_COLUMNS} FROM payment_request_recipients p JOIN payment_requests r ON r.id = p.request_id
     WHERE p.user_id = $1 AND r.state = 'pending' AND r.expires_at > now() ORDER BY r.created_at LIMIT 100`,
    [userId],
  );
  return rows.map((r) => phoneView(r, userId));
}

/** The binding an approval must prove, from the stored row (never from the client). */
export function bindingOf(row: RequestRow): PaymentRequestBinding {
  return { requestId: row.id, amount: Number(row.amount), currency: row.currency, payeeId: row.payee_id };
}

/**
 * Refuses a request that is not pending any more, with the reason. A request
 * found past its deadline but not yet swept is expired here and now, so its
 * events go out at once.
 */
async function refuseIfNotPending(db: Db, row: RequestRow, event: PaymentRequestEventType): Promise<void> {
  if (row.state === 'pending') return;
  if (row.stored_state === 'pending') await expireRequest(db, row.id);
  nextPaymentRequestState(row.state, event); // throws the refusal for that state
}

/**
 * A state change guarded by `pending` (and the deadline), with its events, in
 * one statement: of concurrent answers only the first changes the row, and
 * the others write nothing (no row, no events). `row` is the request as read
 * before (its immutable parts and recipients make the events).
 */
async function transition(db: Db, row: RowWithRecipients, event: PaymentRequestEventType, answer: { by: string; method: ApprovalMethod | null } | null): Promise<RequestRow | undefined> {
  const to = nextPaymentRequestState('pending', event);
  const deadline = (alias: string) => (event === 'expire' ? `${alias}.expires_at <= now()` : `${alias}.expires_at > now()`);
  const feed = requesterFeed({ kind: row.requester_kind, id: row.requester_id, siteId: row.site_id });
  const after: RequestRow = { ...row, state: to, stored_state: to, answered_by: answer?.by ?? null, approval_method: answer?.method ?? null };
  const { rows } = await db.query<RequestRow & { notices: unknown; replicated: unknown }>(
    `WITH ${siteBumpSql(6, `EXISTS (SELECT 1 FROM payment_requests q WHERE q.id = $1 AND q.state = 'pending' AND ${deadline('q')})`)}, changed AS (
       UPDATE payment_requests AS r SET state = $2, answered_at = CASE WHEN $3::text IS NULL THEN NULL ELSE now() END,
         answered_by = $3, approval_method = $4, updated_at = now(), site_seq = COALESCE((SELECT last_seq FROM site), r.site_seq)
       WHERE r.id = $1 AND r.state = 'pending' AND ${deadline('r')}
       RETURNING r.*
     ), ${eventsSql({ entries: 5, requestId: '$1', channel: 7, patch: `jsonb_build_object('answeredAt', ${isoSql('r.answered_at')})` })},
     ${REPLICATED_SQL}
     SELECT ${ROW_COLUMNS}, ${NOTICES_SQL}, ${REPLICATED_COLUMN} FROM changed r`,
    [row.id, to, answer?.by ?? null, answer?.method ?? null, JSON.stringify(eventEntries(after, row.recipients, 'resolved', feed)), row.site_id === null ? null : feed, PAYMENT_REQUESTS_CHANNEL],
  );
  const changed = rows[0];
  if (!changed) return undefined;
  deliverCommitted(db, noticesFrom(changed.notices));
  announceReplicated(db, changed.replicated);
  return changed;
}

/** Expires one request if it is pending and past its deadline; false if it is not (another process may have). */
export async function expireRequest(db: Db, id: string): Promise<boolean> {
  const row = await readRow(db, id);
  return row !== undefined && row.stored_state === 'pending' && (await transition(db, row, 'expire', null)) !== undefined;
}

/**
 * A recipient's answer. For an approval, the proof is checked against the
 * binding read from the database by the injected verifier before the row is
 * touched; the answer then counts only if the request is still pending.
 */
export async function answerRequest(db: Db, userId: string, id: string, answer: { kind: 'approve'; proof: unknown; verify: VerifyApproval } | { kind: 'decline' }): Promise<PhonePaymentRequestView> {
  const row = await getForRecipient(db, userId, id);
  await refuseIfNotPending(db, row, answer.kind);
  let method: ApprovalMethod | null = null;
  if (answer.kind === 'approve') {
    ({ method } = await answer.verify(userId, bindingOf(row), answer.proof));
    if (method !== 'passkey' && method !== 'password' && method !== 'dongle') throw new EdgePayError('INTERNAL');
  }
  const changed = await transition(db, row, answer.kind, { by: userId, method });
  if (changed) return phoneView(changed, userId);
  // Someone else's answer (or the deadline, or a cancel) came first: nothing was written.
  const now = (await readRow(db, id))!;
  await refuseIfNotPending(db, now, answer.kind);
  throw new EdgePayError(paymentRequestRefusal(now.state), { state: now.state }); // unreachable: not pending after a failed guard
}

/** The requester withdraws a pending request; cancelling a cancelled one answers it again (a retried cancel). */
export async function cancelRequest(db: Db, requester: PaymentRequester, id: string): Promise<PaymentRequestView> {
  const row = await readRow(db, id);
  if (!row || !ownedBy(row, requester)) throw new EdgePayError('PAYMENT_REQUEST_NOT_FOUND', { requestId: id });
  if (row.state === 'cancelled') return requesterView(row);
  await refuseIfNotPending(db, row, 'cancel');
  const changed = await transition(db, row, 'cancel', null);
  if (changed) return requesterView(changed);
  const now = (await readRow(db, id))!;
  if (now.state === 'cancelled') return requesterView(now);
  await refuseIfNotPending(db, now, 'cancel');
  throw new EdgePayError(paymentRequestRefusal(now.state), { state: now.state });
}

/** Requests still marked pending whose deadline has passed (the sweeper's work). */
export async function overdueRequests(db: Db, limit = 200): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>("SELECT id FROM payment_requests WHERE state = 'pending' AND expires_at <= now() ORDER BY expires_at LIMIT $1", [limit]);
  return rows.map((r) => r.id);
}

/** Milliseconds until the next pending request's deadline, by the database's clock; undefined if none. */
export async function msUntilNextDeadline(db: Db): Promise<number | undefined> {
  const { rows } = await db.query<{ ms: string | number | null }>("SELECT EXTRACT(EPOCH FROM (min(expires_at) - now())) * 1000 AS ms FROM payment_requests WHERE state = 'pending'");
  const ms = rows[0]?.ms;
  return ms === null || ms === undefined ? undefined : Math.max(0, Number(ms));
}

/**
 * Who approved a request (for a flow that acts on the approval, e.g. charging
 * the approver's money): the user id, or null while it is not approved.
 * Only for the requester's own requests (a site's flow, a gateway of the site).
 */
export async function approverOf(db: Db, requester: PaymentRequester, id: string): Promise<string | null> {
  const row = await readRow(db, id);
  if (!row || !ownedBy(row, requester)) throw new EdgePayError('PAYMENT_REQUEST_NOT_FOUND', { requestId: id });
  return row.state === 'approved' ? row.answered_by : null;
}
