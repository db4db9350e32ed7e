/**
 * The wallet as a Fastify plugin: the page at /wallet/, its API under
 * /wallet/api, and the sandbox acquirer's tokenisation route guarded by the
 * wallet session.
 *
 *   POST /wallet/api/register/options   {name, phone}  -> WebAuthn creation options
 *   POST /wallet/api/register/verify    {response}     -> session (cookie) + WalletSessionView
 *   POST /wallet/api/sign-in/options    {phone?}       -> WebAuthn request options   (rate limited per IP and phone)
 *   POST /wallet/api/sign-in/verify     {response}     -> a NEW session (rotation)   (rate limited)
 *   GET  /wallet/api/session                           -> WalletSessionView
 *   POST /wallet/api/sign-out | /wallet/api/sessions/revoke-all
 *   GET  /wallet/api/buildings, GET|POST /wallet/api/units
 *   GET|POST /wallet/api/payment-methods, POST /wallet/api/payment-methods/:id/default
 *   POST /wallet/api/payment-password   {password, currentPassword?}
 *   demo only: GET /wallet/api/demo/users, POST /wallet/api/demo/sign-in {userId}, GET /wallet/demo/:userId
 */
import { fastifyCookie } from '@fastify/cookie';
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { EdgePayError, normalisePhone, type WalletSessionView } from '../../core/index.ts';
import type { Db } from '../db/index.ts';
import { registerSandboxTokenRoute } from '../payments/index.ts';
import { rememberRelyingParty, type RelyingParty } from './config.ts';
import { registrationOptions, signInOptions, verifyRegistration, verifySignIn } from './passkeys.ts';
import { addPaymentMethod, listPaymentMethods, setDefaultPaymentMethod } from './payment-methods.ts';
import { DEFAULT_PASSWORD_LOCK_MS, hasPaymentPassword, setPaymentPassword } from './payment-password.ts';
import { countAttempt, DEFAULT_SIGN_IN_LIMITS, type SignInLimits } from './rate-limit.ts';
import { demoUsers } from './seed.ts';
import {
  checkOrigin,
  clearSessionCookie,
  createSession,
  DEFAULT_SESSION_TTL_MS,
  requireWalletSession,
  revokeAllSessions,
  revokeSession,
  sessionOfRequest,
  setSessionCookie,
  walletUserOf,
} from './sessions.ts';
import { DEFAULT_UI_DIR, registerWalletPage } from './static-page.ts';
import { addMembership, findUserById, unitsOf, userView } from './users.ts';

export type WalletPluginOptions = RelyingParty & {
  db: Db;
  /** One-click sign-in of the seeded demo users. Off unless the demo turns it on. */
  demoSignIn?: boolean;
  /** The built UI (Vite's output); default renderer/dist. */
  uiDir?: string;
  sessionTtlMs?: number;
  signInLimits?: SignInLimits;
  passwordLockMs?: number;
};

const obj = (properties: Record<string, unknown>, required: string[] = []) => ({ type: 'object', additionalProperties: false, required, properties });
const tags = ['wallet'];

export function walletPlugin(opts: WalletPluginOptions): FastifyPluginAsync {
  return async function wallet(app: FastifyInstance) {
    const { db } = opts;
    const rp: RelyingParty = { rpId: opts.rpId, origin: opts.origin, ...(opts.rpName ? { rpName: opts.rpName } : {}) };
    rememberRelyingParty(db, rp);
    await app.register(fastifyCookie);
    const limits = opts.signInLimits ?? DEFAULT_SIGN_IN_LIMITS;
    const ttl = opts.sessionTtlMs ?? DEFAULT_SESSION_TTL_MS;
    const lockMs = opts.passwordLockMs ?? DEFAULT_PASSWORD_LOCK_MS;
    const session = requireWalletSession(db);

    async function sessionView(userId: string, csrfToken: string, expiresAt: Date | string): Promise<WalletSessionView> {
      const user = await findUserById(db, userId);
      if (!user) throw new EdgePayError('WALLET_SESSION_REQUIRED');
      const passkeys = await db.query<{ n: string }>('SELECT count(*) AS n FROM wallet_credentials WHERE user_id = $1', [userId]);
      return {
        user: userView(user),
        csrfToken,
        expiresAt: new Date(expiresAt).toISOString(),
        hasPaymentPassword: await hasPaymentPassword(db, userId),
        passkeys: Number(passkeys.rows[0]?.n ?? 0),
      };
    }

    /** A new session for `userId`; the one this browser held before is revoked (rotation). */
    async function signIn(request: FastifyRequest, reply: FastifyReply, userId: string, how: 'register' | 'passkey' | 'demo') {
      const previous = await sessionOfRequest(db, request);
      if (previous) await revokeSession(db, previous.id);
      const s = await createSession(db, userId, how, ttl);
      setSessionCookie(reply, rp, s.cookieValue, s.expiresAt);
      return sessionView(userId, s.csrfToken, s.expiresAt);
    }

    /** Ceremony routes carry no session yet; a browser's Origin must still be the wallet's. */
    const sameOrigin = async (request: FastifyRequest) => checkOrigin(request, rp);

    app.post(
      '/wallet/api/register/options',
      { preHandler: sameOrigin, schema: { tags, body: obj({ name: { type: 'string', maxLength: 100 }, phone: { type: 'string', maxLength: 30 } }, ['name', 'phone']) } },
      async (request) => {
        await countAttempt(db, 'ip:' + request.ip, limits.perIp);
        const body = request.body as { name: string; phone: string };
        return registrationOptions(db, rp, body);
      },
    );
    app.post('/wallet/api/register/verify', { preHandler: sameOrigin, schema: { tags, body: obj({ response: { type: 'object' } }, ['response']) } }, async (request, reply) => {
      const { userId } = await verifyRegistration(db, rp, (request.body as { response: unknown }).response);
      return signIn(request, reply, userId, 'register');
    });

    app.post('/wallet/api/sign-in/options', { preHandler: sameOrigin, schema: { tags, body: obj({ phone: { type: 'string', maxLength: 30 } }) } }, async (request) => {
      const phone = (request.body as { phone?: string } | undefined)?.phone;
      await countAttempt(db, 'ip:' + request.ip, limits.perIp);
      const normalised = phone ? normalisePhone(phone) : undefined;
      if (normalised) await countAttempt(db, 'phone:' + normalised, limits.perPhone);
      return signInOptions(db, rp, normalised);
    });
    app.post('/wallet/api/sign-in/verify', { preHandler: sameOrigin, schema: { tags, body: obj({ response: { type: 'object' } }, ['response']) } }, async (request, reply) => {
      await countAttempt(db, 'ip:' + request.ip, limits.perIp);
      // A discoverable sign-in names no phone up front: its owner's counts here, before the signature check.
      const { userId } = await verifySignIn(db, rp, (request.body as { response: unknown }).response, (phone) => countAttempt(db, 'phone:' + phone, limits.perPhone));
      return signIn(request, reply, userId, 'passkey');
    });

    app.get('/wallet/api/session', { schema: { tags } }, async (request) => {
      const s = await sessionOfRequest(db, request);
      if (!s) throw new EdgePayError('WALLET_SESSION_REQUIRED');
      return sessionView(s.user_id, s.csrf_token, s.expires_at);
    });
    app.post('/wallet/api/sign-out', { preHandler: session, schema: { tags } }, async (request, reply) => {
      await revokeSession(db, walletUserOf(request).sessionId);
      clearSessionCookie(reply, rp);
      return { signedOut: true };
    });
    app.post('/wallet/api/sessions/revoke-all', { preHandler: session, schema: { tags } }, async (request, reply) => {
      const revoked = await revokeAllSessions(db, walletUserOf(request).userId);
      clearSessionCookie(reply, rp);
      return { revoked };
    });

    app.get('/wallet/api/buildings', { preHandler: session, schema: { tags } }, async () => {
      const r = await db.query<{ id: string; name: string; units: string[] }>(
        'SELECT b.id, b.name, array_agg(u.unit ORDER BY u.unit) AS units FROM wallet_buildings b JOIN wallet_units u ON u.building_id = b.id GROUP BY b.id, b.name ORDER BY b.name',
      );
      return { buildings: r.rows.map((b) => ({ buildingId: b.id, name: b.name, units: b.units })) };
    });
    app.get('/wallet/api/units', { preHandler: session, schema: { tags } }, async (request) => ({ units: await unitsOf(db, walletUserOf(request).userId) }));
    app.post(
      '/wallet/api/units',
      { preHandler: session, schema: { tags, body: obj({ buildingId: { type: 'string', maxLength: 100 }, unit: { type: 'string', maxLength: 40 } }, ['buildingId', 'unit']) } },
      async (request) => {
        const { buildingId, unit } = request.body as { buildingId: string; unit: string };
        const { userId } = walletUserOf(request);
        await addMembership(db, userId, buildingId, unit);
        return { units: await unitsOf(db, userId) };
      },
    );

    app.get('/wallet/api/payment-methods', { preHandler: session, schema: { tags } }, async (request) => ({ methods: await listPaymentMethods(db, walletUserOf(request).userId) }));
    app.post(
      '/wallet/api/payment-methods',
      { preHandler: session, schema: { tags, body: obj({ token: { type: 'string', maxLength: 220 }, makeDefault: { type: 'boolean' } }, ['token']) } },
      async (request) => {
        const { token, makeDefault } = request.body as { token: string; makeDefault?: boolean };
        const { userId } = walletUserOf(request);
        const method = await addPaymentMethod(db, userId, token, makeDefault ?? false);
        return { method, methods: await listPaymentMethods(db, userId) };
      },
    );
    app.post('/wallet/api/payment-methods/:id/default', { preHandler: session, schema: { tags, params: obj({ id: { type: 'string', maxLength: 64 } }, ['id']) } }, async (request) => {
      const { userId } = walletUserOf(request);
      await setDefaultPaymentMethod(db, userId, (request.params as { id: string }).id);
      return { methods: await listPaymentMethods(db, userId) };
    });

    app.post(
      '/wallet/api/payment-password',
      { preHandler: session, schema: { tags, body: obj({ password: { type: 'string', maxLength: 6 }, currentPassword: { type: 'string', maxLength: 6 } }, ['password']) } },
      async (request) => {
        const { password, currentPassword } = request.body as { password: string; currentPassword?: string };
        await setPaymentPassword(db, walletUserOf(request).userId, password, currentPassword, lockMs);
        return { hasPaymentPassword: true };
      },
    );

    // The acquirer's tokenisation route, open only to a signed-in wallet (with CSRF).
    registerSandboxTokenRoute(app, { db, preHandler: session });

    if (opts.demoSignIn) {
      app.get('/wallet/api/demo/users', { schema: { tags } }, async () => ({ users: await demoUsers(db) }));
      const demoSignIn = async (request: FastifyRequest, reply: FastifyReply, userId: string) => {
        const user = await findUserById(db, userId);
        if (!user?.demo_role) throw new EdgePayError('NOT_FOUND');
        return signIn(request, reply, user.id, 'demo');
      };
      app.post('/wallet/api/demo/sign-in', { preHandler: sameOrigin, schema: { tags, body: obj({ userId: { type: 'string', maxLength: 64 } }, ['userId']) } }, async (request, reply) =>
        demoSignIn(request, reply, (request.body as { userId: string }).userId),
      );
      // The address the demo prints: one click signs this seeded user in.
      app.get('/wallet/demo/:userId', { schema: { hide: true } }, async (request, reply) => {
        await demoSignIn(request, reply, (request.params as { userId: string }).userId);
        return reply.redirect('/wallet/');
      });
    }

    registerWalletPage(app, opts.uiDir ?? DEFAULT_UI_DIR);
  };
}
