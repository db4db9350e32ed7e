/**
 * One two-channel payment at one device, from the heard code to the outcome.
 *
 * start: the gateway names the code; the server resolves it to a paired
 *   dongle (refusing and flagging a code outside its window, or a dongle heard
 *   at another site moments ago), sends the owner a request to pay (the
 *   shared requests-to-pay context: the phone learns it live) and answers with
 *   the presence number the device shows.
 * confirm: the owner's phone sends the dongle's code and the number it reads
 *   on the device. A wrong number counts against the dongle like a wrong code
 *   (a relayed signal's victim does not see the device). The code is checked
 *   and taken once (server/otp), the request approved (method 'dongle'; the
 *   first answer wins), then the payment is recorded and decided by the
 *   payment authority (method `otp`): the acquirer charges the owner's default
 *   card and the ledger posts it, in the authority's own transactions.
 * outcome: the gateway waits on the session (long poll) and releases the pump.
 */
import { randomInt } from 'node:crypto';
import { EdgePayError, isEdgePayError, uuidV7, type PaymentDoc, type twoChannel as TC } from '../../../core/index.ts';
import type { Db, Queryable } from '../../db/index.ts';
import type { GatewayIdentity } from '../../../core/index.ts';
import { checkOtpNotWaiting, countOtpFailure, verifyOtp, type Keyring, type OtpPolicy } from '../../otp/index.ts';
import { answerRequest, cancelRequest, createPaymentRequest, getForRequester } from '../../payment-requests/index.ts';
import type { PaymentAuthority } from '../../payments/index.ts';
import { defaultPaymentMethod } from '../../wallet/index.ts';
import type { CodeResolver } from './code-resolver.ts';
import type { Unpaired } from './dongles.ts';
import { sessionChanged, TWO_CHANNEL_CHANNEL, type SessionWaiters } from './session-waiters.ts';

/** Within this many seconds, the same dongle at another site is "two sites at once". */
export const ELSEWHERE_SECONDS = 30;
/** How long the phone has to confirm. */
export const SESSION_TTL_SECONDS = 120;
export const PAYMENT_METHOD = 'otp';
export const DETAILS_SECTION = 'twoChannel';
/** A session cancelled because its dongle was unpaired. */
export const DONGLE_UNPAIRED = 'dongle-unpaired';

type SessionRow = {
  id: string;
  site_id: string;
  gateway_id: string;
  body_hash: string;
  dongle_id: string;
  user_id: string;
  request_id: string;
  amount: string | number;
  currency: string;
  presence: string;
  state: TC.TwoChannelSessionState;
  payment_id: string | null;
  decline_reason: string | null;
  expires_at: Date | string;
  otp_credential_id?: string;
};

export function sessionView(r: SessionRow): TC.TwoChannelSessionView {
  return {
    id: r.id,
    state: r.state,
    presence: r.presence,
    requestId: r.request_id,
    amount: Number(r.amount),
    currency: r.currency,
    expiresAt: new Date(r.expires_at).toISOString(),
    paymentId: r.payment_id,
    declineReason: r.decline_reason,
  };
}

async function flag(db: Queryable, kind: 'two-sites' | 'outside-window', dongleId: string, siteId: string, otherSiteId: string | null): Promise<void> {
  await db.query('INSERT INTO two_channel_flags (id, kind, dongle_id, site_id, other_site_id) VALUES ($1, $2, $3, $4, $5)', [uuidV7(), kind, dongleId, siteId, otherSiteId]);
}

export type FlowDeps = { db: Db; keyring: () => Keyring; resolver: CodeResolver; authority: PaymentAuthority | undefined; otpPolicy?: OtpPolicy; waiters: SessionWaiters };

/**
 * Ends a waiting session (`sets`: the SET list after `state = $2`; extra
 * params from $3) and tells its waiters: NOTIFY in the same statement (other
 * server processes, at commit), then this process's at once.
 */
async function endSession(db: Db, id: string, state: TC.TwoChannelSessionState, sets: string, params: unknown[], guard = ''): Promise<void> {
  await db.query(
    `WITH ended AS (UPDATE two_channel_sessions SET state = $2${sets ? ', ' + sets : ''}, updated_at = now() WHERE id = $1 AND state = 'waiting'${guard} RETURNING id)
     SELECT pg_notify('${TWO_CHANNEL_CHANNEL}', id::text) FROM ended`,
    [id, state, ...params],
  );
  sessionChanged(db, id);
}

export async function startSession(deps: FlowDeps, gateway: GatewayIdentity, key: string, bodyHash: string, body: TC.StartTwoChannelBody): Promise<TC.TwoChannelSessionView> {
  const { db } = deps;
  const existing = await db.query<SessionRow>('SELECT * FROM two_channel_sessions WHERE gateway_id = $1 AND idempotency_key = $2', [gateway.gatewayId, key]);
  if (existing.rows[0]) {
    if (existing.rows[0].body_hash !== bodyHash) throw new EdgePayError('IDEMPOTENCY_KEY_REUSED', { key });
    return sessionView(existing.rows[0]);
  }
  const resolved = await deps.resolver.resolve(body.code);
  if (!resolved) throw new EdgePayError('TWO_CHANNEL_CODE_UNKNOWN');
  if (!resolved.inWindow) {
    await flag(db, 'outside-window', resolved.dongleId, gateway.siteId, null);
    throw new EdgePayError('TWO_CHANNEL_CODE_OUTSIDE_WINDOW');
  }
  // Where the dongle was heard last (another site moments ago is a relay, or a copy: both stop here), this
  // sighting recorded, and its owner now: one statement, one round trip on the payment's path (the CTE's
  // SELECT reads the sightings as they were before the INSERT, which PostgreSQL runs whether read or not).
  const {
    rows: [seen],
  } = await db.query<{ elsewhere: string | null; user_id: string | null }>(
    `WITH recorded AS (
       INSERT INTO two_channel_sightings (dongle_id, site_id, seen_at) VALUES ($1, $2, now())
       ON CONFLICT (dongle_id, site_id) DO UPDATE SET seen_at = now() RETURNING dongle_id)
     SELECT (SELECT site_id FROM two_channel_sightings WHERE dongle_id = $1 AND site_id <> $2 AND seen_at > now() - make_interval(secs => $3) LIMIT 1) AS elsewhere,
            (SELECT user_id FROM two_channel_dongles WHERE id = $1) AS user_id,
            (SELECT count(*) FROM recorded) AS recorded`,
    [resolved.dongleId, gateway.siteId, ELSEWHERE_SECONDS],
  );
  if (seen?.elsewhere) {
    await flag(db, 'two-sites', resolved.dongleId, gateway.siteId, seen.elsewhere);
    throw new EdgePayError('TWO_CHANNEL_CODE_ELSEWHERE');
  }
  const userId = seen?.user_id;
  if (!userId) throw new EdgePayError('TWO_CHANNEL_CODE_UNKNOWN');

  const requester = { kind: 'gateway' as const, id: gateway.gatewayId, siteId: gateway.siteId };
  const request = await createPaymentRequest(
    db,
    requester,
    { to: { userId }, amount: body.amount, currency: body.currency, payee: { id: gateway.siteId, name: body.merchantName }, place: body.place.label, ttlSeconds: SESSION_TTL_SECONDS },
    async () => [],
  );
  const presence = String(randomInt(0, 100)).padStart(2, '0');
  const { rows } = await db.query<SessionRow>(
    `INSERT INTO two_channel_sessions (id, site_id, gateway_id, idempotency_key, body_hash, dongle_id, user_id, request_id, amount, currency, presence, code_window, expires_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
     ON CONFLICT (gateway_id, idempotency_key) DO NOTHING RETURNING *`,
    [uuidV7(), gateway.siteId, gateway.gatewayId, key, bodyHash, resolved.dongleId, userId, request.id, body.amount, body.currency, presence, resolved.window, request.expiresAt],
  );
  if (rows[0]) return sessionView(rows[0]);
  // The same start ran twice at once: the other one's session stands; this request is withdrawn.
  await cancelRequest(db, requester, request.id).catch(() => undefined);
  return startSession(deps, gateway, key, bodyHash, body);
}

async function sessionOfUser(db: Queryable, userId: string, requestId: string): Promise<SessionRow> {
  const { rows } = await db.query<SessionRow>(
    `SELECT s.*, d.otp_credential_id FROM two_channel_sessions s JOIN two_channel_dongles d ON d.id = s.dongle_id
      WHERE s.request_id = $1 AND s.user_id = $2`,
    [requestId, userId],
  );
  if (!rows[0]) throw new EdgePayError('TWO_CHANNEL_SESSION_NOT_FOUND');
  return rows[0];
}

/** The phone's confirmation; answers with the request as the phone sees it and the session's outcome. */
export async function confirmSession(deps: FlowDeps, userId: string, requestId: string, body: TC.ConfirmTwoChannelBody) {
  const { db } = deps;
  // Two independent reads at once (one round trip less on the path); their refusals keep this order.
  const [found, card] = await Promise.allSettled([sessionOfUser(db, userId, requestId), defaultPaymentMethod(db, userId)]);
  if (found.status === 'rejected') throw found.reason;
  const session = found.value;
  if (session.decline_reason === DONGLE_UNPAIRED) throw new EdgePayError('TWO_CHANNEL_DONGLE_UNPAIRED');
  const credentialId = session.otp_credential_id!;
  if (card.status === 'rejected') throw card.reason;
  if (!card.value) throw new EdgePayError('TWO_CHANNEL_NO_CARD');
  await checkOtpNotWaiting(db, credentialId);
  const request = await answerRequest(db, userId, requestId, {
    kind: 'approve',
    proof: body,
    verify: async () => {
      // Inside the answer: only for a request still pending (an answered one is refused before any code is spent).
      if (body.presence !== session.presence) await countOtpFailure(db, credentialId, 'TWO_CHANNEL_PRESENCE_MISMATCH', deps.otpPolicy);
      await verifyOtp(db, deps.keyring(), credentialId, body.code, deps.otpPolicy);
      return { method: 'dongle' };
    },
  }).catch((err: unknown) => {
    // Unpaired while this confirmation ran (its secret destroyed, its request withdrawn).
    if (isEdgePayError(err, 'OTP_REVOKED')) throw new EdgePayError('TWO_CHANNEL_DONGLE_UNPAIRED');
    throw err;
  });
  const decided = await charge(deps, session);
  return { request, session: decided };
}

/** Records the payment for the gateway's site and has the authority decide it (idempotent by the session: one payment id, kept first). */
async function charge(deps: FlowDeps, session: SessionRow): Promise<TC.TwoChannelSessionView> {
  const { db } = deps;
  if (!deps.authority) throw new EdgePayError('INTERNAL');
  // The claim: only a session still waiting (or claimed already) gets a payment; one cancelled meanwhile (the dongle unpaired) is charged nothing.
  const { rows } = await db.query<{ payment_id: string }>(
    `UPDATE two_channel_sessions SET payment_id = COALESCE(payment_id, $2), updated_at = now() WHERE id = $1 AND (state = 'waiting' OR payment_id IS NOT NULL) RETURNING payment_id`,
    [session.id, uuidV7()],
  );
  if (!rows[0]) {
    const now = await db.query<{ decline_reason: string | null }>('SELECT decline_reason FROM two_channel_sessions WHERE id = $1', [session.id]);
    throw new EdgePayError(now.rows[0]?.decline_reason === DONGLE_UNPAIRED ? 'TWO_CHANNEL_DONGLE_UNPAIRED' : 'TWO_CHANNEL_SESSION_NOT_FOUND');
  }
  const paymentId = rows[0].payment_id;
  const at = new Date().toISOString();
  const amount = Number(session.amount);
  const payment: PaymentDoc = {
    id: paymentId,
    siteId: session.site_id,
    gatewayId: session.gateway_id,
    flow: 'two-channel',
    amount,
    currency: session.currency as PaymentDoc['currency'],
    method: PAYMENT_METHOD,
    lineItems: [{ name: 'Dongle payment', quantity: 1, unitAmount: amount, lineAmount: amount }],
    details: { [DETAILS_SECTION]: { session: session.id } },
    createdAt: at,
    offline: false,
    status: 'created',
    statusHistory: [{ status: 'created', at, by: 'gateway' }],
  };
  let state: TC.TwoChannelSessionState = 'declined';
  let reason: string | null = null;
  try {
    const decided = await deps.authority.authoriseOnline({ siteId: session.site_id, gatewayId: session.gateway_id }, payment, session.id);
    if (decided.status === 'authorised' || decided.status === 'captured') state = 'approved';
    else reason = decided.declineReason ?? decided.status;
  } catch (err) {
    reason = isEdgePayError(err) ? err.code : 'error';
    if (!isEdgePayError(err)) throw err;
  } finally {
    await endSession(db, session.id, state, 'decline_reason = $3', [reason]);
  }
  return readSession(db, session.id);
}

export async function readSession(db: Queryable, id: string): Promise<TC.TwoChannelSessionView> {
  const { rows } = await db.query<SessionRow>('SELECT * FROM two_channel_sessions WHERE id = $1', [id]);
  if (!rows[0]) throw new EdgePayError('TWO_CHANNEL_SESSION_NOT_FOUND');
  return sessionView(rows[0]);
}

/**
 * The gateway's view, waiting up to `waitMs` for an outcome. A request the
 * phone declined, that expired or was cancelled ends the session too.
 * Event-driven (session-waiters.ts): the confirmation may land in another
 * server process; its NOTIFY wakes this one.
 */
export async function awaitSession(deps: Pick<FlowDeps, 'db' | 'waiters'>, gateway: GatewayIdentity, id: string, waitMs: number): Promise<TC.TwoChannelSessionView> {
  const { db } = deps;
  const look = async (): Promise<TC.TwoChannelSessionView | undefined> => {
    const { rows } = await db.query<SessionRow>('SELECT * FROM two_channel_sessions WHERE id = $1 AND site_id = $2', [id, gateway.siteId]);
    const row = rows[0];
    if (!row) throw new EdgePayError('TWO_CHANNEL_SESSION_NOT_FOUND');
    if (row.state === 'waiting' && row.payment_id === null) {
      const request = await getForRequester(db, { kind: 'gateway', id: gateway.gatewayId, siteId: gateway.siteId }, row.request_id);
      if (request.state === 'declined' || request.state === 'expired' || request.state === 'cancelled') {
        const state = request.state === 'declined' ? 'declined' : request.state;
        await endSession(db, id, state, 'decline_reason = $3', [request.state === 'declined' ? 'declined-by-payer' : null], ' AND payment_id IS NULL');
        return readSession(db, id);
      }
    }
    return row.state === 'waiting' ? undefined : sessionView(row);
  };
  return (await deps.waiters.until(id, look, waitMs)) ?? (await readSession(db, id));
}

/** After an unpairing (dongles.ts): its cancelled sessions' requests are withdrawn and their devices woken (here at once, elsewhere by NOTIFY). */
export async function afterUnpair(db: Db, cancelled: Unpaired['cancelled']): Promise<void> {
  for (const c of cancelled) {
    await cancelRequest(db, { kind: 'gateway', id: c.gatewayId, siteId: c.siteId }, c.requestId).catch(() => undefined);
    await db.query(`SELECT pg_notify('${TWO_CHANNEL_CHANNEL}', $1)`, [c.sessionId]);
    sessionChanged(db, c.sessionId);
  }
}

export async function cancelSession(db: Db, gateway: GatewayIdentity, id: string): Promise<TC.TwoChannelSessionView> {
  const { rows } = await db.query<SessionRow>('SELECT * FROM two_channel_sessions WHERE id = $1 AND site_id = $2', [id, gateway.siteId]);
  const row = rows[0];
  if (!row) throw new EdgePayError('TWO_CHANNEL_SESSION_NOT_FOUND');
  if (row.state !== 'waiting' || row.payment_id !== null) return sessionView(row);
  await cancelRequest(db, { kind: 'gateway', id: gateway.gatewayId, siteId: gateway.siteId }, row.request_id);
  await endSession(db, id, 'cancelled', '', [], ' AND payment_id IS NULL');
  return readSession(db, id);
}

/** The requests of mine that a dongle confirms (the wallet shows them with the code and number fields). */
export async function pendingOf(db: Queryable, userId: string): Promise<{ requestId: string }[]> {
  const { rows } = await db.query<{ request_id: string }>(
    `SELECT request_id FROM two_channel_sessions WHERE user_id = $1 AND state = 'waiting' AND expires_at > now() ORDER BY created_at DESC LIMIT 20`,
    [userId],
  );
  return rows.map((r) => ({ requestId: r.request_id }));
}

export async function flagsSince(db: Queryable, limit = 100): Promise<TC.TwoChannelFlagView[]> {
  const { rows } = await db.query<{ id: string; kind: 'two-sites' | 'outside-window'; site_id: string; other_site_id: string | null; created_at: Date | string }>(
    'SELECT id, kind, site_id, other_site_id, created_at FROM two_channel_flags ORDER BY created_at DESC LIMIT $1',
    [limit],
  );
  return rows.map((r) => ({ id: r.id, kind: r.kind, siteId: r.site_id, otherSiteId: r.other_site_id, at: new Date(r.created_at).toISOString() }));
}
