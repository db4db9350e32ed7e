/**
 * Wallet sessions: an httpOnly, SameSite=Strict cookie `<id>.<secret>`
 * (Secure and `__Host-` over https). Only SHA-256 of the secret is stored,
 * and every request is checked against the database, so a sign-out or a
 * "revoke all" holds at once in every server process. Sessions expire
 * (absolute lifetime); a new one is made at every sign-in (rotation) and the
 * one the browser held before is revoked.
 *
 * CSRF: SameSite=Strict already keeps the cookie off cross-site requests;
 * besides, every state-changing request must carry the session's own random
 * token in `x-csrf-token` (a page of another origin cannot read it), and an
 * `Origin` header, when the browser sends one, must be the wallet's.
 */
import { timingSafeEqual } from 'node:crypto';
import { fastifyCookie } from '@fastify/cookie';
import type { FastifyReply, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import { CSRF_HEADER, EdgePayError } from '../../core/index.ts';
import type { Queryable } from '../db/index.ts';
import { isSecureOrigin, originOf, relyingPartyFor, type RelyingParty } from './config.ts';
import { randomToken, sha256b64 } from './random.ts';

export const SESSION_COOKIE = 'edgepay_wallet';
export const SECURE_SESSION_COOKIE = '__Host-edgepay_wallet';
export const DEFAULT_SESSION_TTL_MS = 12 * 60 * 60 * 1000;

export type WalletUserRef = { userId: string; sessionId: string };
/** A request that passed requireWalletSession. (No global augmentation of FastifyRequest: payreq may declare its own.) */
export type WalletRequest = FastifyRequest & { walletUser?: WalletUserRef };

export type SessionRow = { id: string; user_id: string; csrf_token: string; expires_at: Date | string };

export async function createSession(
  db: Queryable,
  userId: string,
  how: 'register' | 'passkey' | 'demo',
  ttlMs = DEFAULT_SESSION_TTL_MS,
): Promise<{ cookieValue: string; csrfToken: string; expiresAt: Date; sessionId: string }> {
  const sessionId = randomToken(16);
  const secret = randomToken(32);
  const csrfToken = randomToken(24);
  const expiresAt = new Date(Date.now() + ttlMs);
  await db.query('INSERT INTO wallet_sessions (id, secret_hash, user_id, csrf_token, expires_at, how) VALUES ($1, $2, $3, $4, $5, $6)', [
    sessionId,
    sha256b64(secret),
    userId,
    csrfToken,
    expiresAt,
    how,
  ]);
  return { cookieValue: `${sessionId}.${secret}`, csrfToken, expiresAt, sessionId };
}

function cookieValueOf(request: FastifyRequest): string | undefined {
  const header = request.headers.cookie;
  if (!header) return undefined;
  // Parsed by @fastify/cookie where the wallet plugin registered it; in
  // another plugin's context (payreq's routes) with its parser, loaded by then.
  const cookies = (request as FastifyRequest & { cookies?: Record<string, string | undefined> }).cookies ?? fastifyCookie.parse(header);
  return cookies[SECURE_SESSION_COOKIE] ?? cookies[SESSION_COOKIE];
}

const sameSecret = (a: string, b: string) => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

/** The live session a cookie value names, or undefined (unknown, wrong secret, expired, revoked). */
export async function readSession(db: Queryable, cookieValue: string | undefined): Promise<SessionRow | undefined> {
  if (!cookieValue) return undefined;
  const dot = cookieValue.indexOf('.');
  if (dot <= 0 || cookieValue.length > 200) return undefined;
  const id = cookieValue.slice(0, dot);
  const secret = cookieValue.slice(dot + 1);
  const r = await db.query<SessionRow & { secret_hash: string }>(
    'SELECT id, user_id, csrf_token, expires_at, secret_hash FROM wallet_sessions WHERE id = $1 AND revoked_at IS NULL AND expires_at > now()',
    [id],
  );
  const row = r.rows[0];
  if (!row || !sameSecret(row.secret_hash, sha256b64(secret))) return undefined;
  return row;
}

export async function sessionOfRequest(db: Queryable, request: FastifyRequest): Promise<SessionRow | undefined> {
  return readSession(db, cookieValueOf(request));
}

export async function revokeSession(db: Queryable, sessionId: string): Promise<void> {
  await db.query('UPDATE wallet_sessions SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL', [sessionId]);
}

export async function revokeAllSessions(db: Queryable, userId: string): Promise<number> {
  const r = await db.query<{ id: string }>('UPDATE wallet_sessions SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL RETURNING id', [userId]);
  return r.rows.length;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Throws CSRF_REJECTED unless a state-changing request carries the session's token and, if any, the wallet's Origin. */
export function checkCsrf(request: FastifyRequest, session: SessionRow, rp: RelyingParty | undefined): void {
  if (SAFE_METHODS.has(request.method)) return;
  const sent = request.headers[CSRF_HEADER];
  if (typeof sent !== 'string' || !sameSecret(sent, session.csrf_token)) throw new EdgePayError('CSRF_REJECTED');
  checkOrigin(request, rp);
}

export function checkOrigin(request: FastifyRequest, rp: RelyingParty | undefined): void {
  const origin = request.headers.origin;
  if (rp && typeof origin === 'string' && origin !== originOf(rp)) throw new EdgePayError('CSRF_REJECTED');
}

/**
 * The preHandler of every route that needs a signed-in wallet user: a valid,
 * unexpired, unrevoked session cookie sets `request.walletUser`, else 401
 * WALLET_SESSION_REQUIRED; on non-GET requests the CSRF check (403 CSRF_REJECTED).
 */
export function requireWalletSession(db: Queryable): preHandlerAsyncHookHandler {
  return async function walletSession(request: FastifyRequest) {
    const session = await sessionOfRequest(db, request);
    if (!session) throw new EdgePayError('WALLET_SESSION_REQUIRED');
    let rp: RelyingParty | undefined;
    try {
      rp = relyingPartyFor(db);
    } catch {
      rp = undefined;
    }
    checkCsrf(request, session, rp);
    (request as WalletRequest).walletUser = { userId: session.user_id, sessionId: session.id };
  };
}

/** The signed-in user of a request that passed requireWalletSession. */
export function walletUserOf(request: FastifyRequest): WalletUserRef {
  const u = (request as WalletRequest).walletUser;
  if (!u) throw new EdgePayError('WALLET_SESSION_REQUIRED');
  return u;
}

export function setSessionCookie(reply: FastifyReply, rp: RelyingParty, value: string, expiresAt: Date): void {
  const secure = isSecureOrigin(rp);
  void reply.setCookie(secure ? SECURE_SESSION_COOKIE : SESSION_COOKIE, value, { httpOnly: true, sameSite: 'strict', secure, path: '/', expires: expiresAt });
}

export function clearSessionCookie(reply: FastifyReply, rp: RelyingParty): void {
  const secure = isSecureOrigin(rp);
  void reply.setCookie(secure ? SECURE_SESSION_COOKIE : SESSION_COOKIE, '', { httpOnly: true, sameSite: 'strict', secure, path: '/', maxAge: 0 });
}
