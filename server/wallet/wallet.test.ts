/**
 * The wallet's server side over real HTTP, on PGlite and on PostgreSQL:
 * sessions (cookie attributes, rotation, sign-out, revoke-all, expiry),
 * CSRF, the DB-backed sign-in limits (shared by two apps on one database),
 * the payment password (scrypt, lockout after 5, parallel guesses),
 * tokenised cards and the default, units, the demo seed, and the password
 * fallback of the approval proof. Passkey ceremonies are tested in Chromium
 * (tests/wallet/wallet-ui.test.ts).
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { findCardNumbers } from '../../core/index.ts';
import type { Db } from '../db/db.ts';
import { migrate } from '../db/migrate.ts';
import { openPgliteDb } from '../db/pglite-db.ts';
import { openPostgresDb } from '../db/pg-db.ts';
import { buildApp, type EdgePayServer } from '../app.ts';
import { freshPostgres, pglite, type TestDatabase } from '../testing/databases.ts';
import { defaultPaymentMethod, seedDemoWallet, usersAtUnit, verifyApprovalProof, type SignInLimits } from './index.ts';

const ADMIN = 'wallet-admin-token-0123456789';

type Started = { server: EdgePayServer; url: string; close(): Promise<void> };

async function start(db: Db, wallet: Record<string, unknown> = {}): Promise<Started> {
  const server = await buildApp({ db, adminToken: ADMIN, forwarder: false, sandbox: { latencyMs: [1, 2] }, wallet: { demoSignIn: true, ...wallet } });
  const url = await server.app.listen({ host: '127.0.0.1', port: 0 });
  return { server, url, close: () => server.app.close() };
}

/** A tiny browser: keeps the session cookie, sends the CSRF token it was given. */
class Phone {
  cookie = '';
  csrf = '';
  lastSetCookie = '';
  constructor(readonly url: string) {}
  async req(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
    const res = await fetch(this.url + path, {
      method,
      redirect: 'manual',
      headers: {
        ...(this.cookie ? { cookie: this.cookie } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(method !== 'GET' && this.csrf ? { 'x-csrf-token': this.csrf } : {}),
        ...headers,
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const set = res.headers.get('set-cookie');
    if (set) {
      this.lastSetCookie = set;
      const value = set.split(';')[0]!;
      this.cookie = value.endsWith('=') ? '' : value;
    }
    const text = await res.text();
    let json: any;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = text;
    }
    if (json?.csrfToken) this.csrf = json.csrfToken;
    return { status: res.status, body: json, headers: res.headers };
  }
}

for (const which of ['pglite', 'postgres'] as const) {
  describe(`wallet server on ${which}`, () => {
    let database: TestDatabase;
    let db: Db;
    let app: Started;
    let demo: Awaited<ReturnType<typeof seedDemoWallet>>;
    const limits: SignInLimits = { perIp: { limit: 1000, windowMs: 60_000 }, perPhone: { limit: 3, windowMs: 60_000 } };

    before(async () => {
      database = which === 'postgres' ? await freshPostgres() : pglite();
      db = database.databaseUrl ? await openPostgresDb(database.databaseUrl) : await openPgliteDb(undefined);
      await migrate(db);
      demo = await seedDemoWallet(db);
      app = await start(db, { signInLimits: limits, passwordLockMs: 1500 });
    });
    after(async () => {
      await app?.close();
      await db?.close();
      await database?.drop();
    });

    const resident = () => demo.users[0]!;
    async function signedIn(userIndex = 0): Promise<Phone> {
      const phone = new Phone(app.url);
      const r = await phone.req('POST', '/wallet/api/demo/sign-in', { userId: demo.users[userIndex]!.userId });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      return phone;
    }

    it('seeds two residents of one unit and a shopper, idempotently', async () => {
      assert.equal(demo.users.length, 3);
      const again = await seedDemoWallet(db);
      assert.deepEqual(
        again.users.map((u) => u.userId),
        demo.users.map((u) => u.userId),
      );
      const residents = await usersAtUnit(db, demo.buildingId, demo.unit);
      assert.deepEqual(
        residents.sort(),
        demo.users
          .filter((u) => u.role === 'resident')
          .map((u) => u.userId)
          .sort(),
      );
      assert.equal((await defaultPaymentMethod(db, resident().userId))?.last4, '1111');
    });

    it('a session cookie is httpOnly, SameSite=Strict, not Secure over http; GET session answers the user', async () => {
      const phone = await signedIn();
      assert.match(phone.lastSetCookie, /^edgepay_wallet=[^;]+; /);
      assert.match(phone.lastSetCookie, /HttpOnly/);
      assert.match(phone.lastSetCookie, /SameSite=Strict/);
      assert.doesNotMatch(phone.lastSetCookie, /Secure/);
      const s = await phone.req('GET', '/wallet/api/session');
      assert.equal(s.status, 200);
      assert.equal(s.body.user.userId, resident().userId);
      assert.equal(s.body.hasPaymentPassword, true);
      assert.equal((await new Phone(app.url).req('GET', '/wallet/api/session')).body.code, 'WALLET_SESSION_REQUIRED');
    });

    it('over https the cookie is Secure with the __Host- prefix', async () => {
      const secure = await start(db, { origin: 'https://wallet.example', rpId: 'wallet.example' });
      try {
        const phone = new Phone(secure.url);
        await phone.req('POST', '/wallet/api/demo/sign-in', { userId: resident().userId });
        assert.match(phone.lastSetCookie, /^__Host-edgepay_wallet=/);
        assert.match(phone.lastSetCookie, /Secure/);
        assert.match(phone.lastSetCookie, /Path=\//);
      } finally {
        await secure.close();
        // The other app registered its relying party for this db; put ours back.
        await app.close();
        app = await start(db, { signInLimits: limits, passwordLockMs: 1500 });
      }
    });

    it('state-changing routes refuse a missing or wrong CSRF token and a foreign Origin', async () => {
      const phone = await signedIn();
      const csrf = phone.csrf;
      phone.csrf = '';
      const none = await phone.req('POST', '/wallet/api/units', { buildingId: demo.buildingId, unit: '801' });
      assert.equal(none.status, 403);
      assert.equal(none.body.code, 'CSRF_REJECTED');
      const wrong = await phone.req('POST', '/wallet/api/units', { buildingId: demo.buildingId, unit: '801' }, { 'x-csrf-token': csrf.slice(1) + 'x' });
      assert.equal(wrong.body.code, 'CSRF_REJECTED');
      phone.csrf = csrf;
      const foreign = await phone.req('POST', '/wallet/api/units', { buildingId: demo.buildingId, unit: '801' }, { origin: 'https://evil.example' });
      assert.equal(foreign.body.code, 'CSRF_REJECTED');
      // Another session's token is not this session's.
      const other = await signedIn();
      const crossed = await phone.req('POST', '/wallet/api/units', { buildingId: demo.buildingId, unit: '801' }, { 'x-csrf-token': other.csrf });
      assert.equal(crossed.body.code, 'CSRF_REJECTED');
      const units = await phone.req('GET', '/wallet/api/units');
      assert.deepEqual(
        units.body.units.map((u: any) => u.unit),
        ['1203'],
        'nothing changed',
      );
      const ok = await phone.req('POST', '/wallet/api/units', { buildingId: demo.buildingId, unit: '801' });
      assert.equal(ok.status, 200);
      assert.deepEqual(ok.body.units.map((u: any) => u.unit).sort(), ['1203', '801']);
      const unknown = await phone.req('POST', '/wallet/api/units', { buildingId: demo.buildingId, unit: '9999' });
      assert.equal(unknown.body.code, 'WALLET_UNIT_UNKNOWN');
    });

    it('sign-in rotates the session; sign-out and revoke-all are refused at once', async () => {
      const phone = await signedIn(1);
      const before = phone.cookie;
      await phone.req('POST', '/wallet/api/demo/sign-in', { userId: demo.users[1]!.userId });
      assert.notEqual(phone.cookie, before, 'a new session at sign-in');
      const old = new Phone(app.url);
      old.cookie = before;
      assert.equal((await old.req('GET', '/wallet/api/session')).status, 401, 'the previous session is revoked');

      const second = await signedIn(1);
      const out = await phone.req('POST', '/wallet/api/sign-out');
      assert.equal(out.status, 200);
      assert.match(phone.lastSetCookie, /Max-Age=0/);
      assert.equal((await second.req('GET', '/wallet/api/session')).status, 200, 'another device stays signed in');
      const third = await signedIn(1);
      const all = await third.req('POST', '/wallet/api/sessions/revoke-all');
      assert.ok(all.body.revoked >= 2);
      const after = await second.req('GET', '/wallet/api/session');
      assert.equal(after.status, 401);
      assert.equal(after.body.code, 'WALLET_SESSION_REQUIRED');
      const r = await second.req('POST', '/wallet/api/units', { buildingId: demo.buildingId, unit: '801' });
      assert.equal(r.body.code, 'WALLET_SESSION_REQUIRED');
    });

    it('sessions expire', async () => {
      const short = await start(db, { sessionTtlMs: 400 });
      try {
        const phone = new Phone(short.url);
        await phone.req('POST', '/wallet/api/demo/sign-in', { userId: resident().userId });
        assert.equal((await phone.req('GET', '/wallet/api/session')).status, 200);
        await new Promise((r) => setTimeout(r, 600));
        assert.equal((await phone.req('GET', '/wallet/api/session')).status, 401);
      } finally {
        await short.close();
        await app.close();
        app = await start(db, { signInLimits: limits, passwordLockMs: 1500 });
      }
    });

    it('sign-in attempts are limited per phone, counted in the database across server processes', async () => {
      const other = await start(db, { signInLimits: limits });
      try {
        const phoneNumber = '010-3456-7890';
        const answers: number[] = [];
        for (const target of [app.url, other.url, app.url, other.url]) {
          answers.push((await new Phone(target).req('POST', '/wallet/api/sign-in/options', { phone: phoneNumber })).status);
        }
        assert.deepEqual(answers, [200, 200, 200, 429], 'the fourth try within the window, on either server, is refused');
        const limited = await new Phone(app.url).req('POST', '/wallet/api/sign-in/options', { phone: '+82 10 3456 7890' });
        assert.equal(limited.body.code, 'WALLET_SIGN_IN_RATE_LIMITED', 'the same number written another way');
        assert.ok(limited.body.details.retryAfterSeconds >= 1);
        // Another number is not held back by it; an unknown number answers like a known one.
        const free = await new Phone(app.url).req('POST', '/wallet/api/sign-in/options', { phone: '010-9999-0000' });
        assert.equal(free.status, 200);
        assert.deepEqual(free.body.allowCredentials ?? [], []);
        assert.equal(free.body.userVerification, 'required');
      } finally {
        await other.close();
      }
      const ipLimited = await start(db, { signInLimits: { perIp: { limit: 2, windowMs: 60_000 }, perPhone: limits.perPhone } });
      try {
        // The per-IP window is shared with the earlier tries from this address, so it is already over 2.
        const r = await new Phone(ipLimited.url).req('POST', '/wallet/api/sign-in/options', {});
        assert.equal(r.body.code, 'WALLET_SIGN_IN_RATE_LIMITED');
      } finally {
        await ipLimited.close();
        await app.close();
        app = await start(db, { signInLimits: limits, passwordLockMs: 1500 });
      }
    });

    it('the payment password: scrypt-hashed, 6 digits, locked after 5 wrong tries, also under parallel guesses', async () => {
      const phone = await signedIn(2);
      const stored = await db.query<{ hash: string; params: { N: number; r: number; p: number } }>('SELECT hash, params FROM wallet_payment_passwords WHERE user_id = $1', [demo.users[2]!.userId]);
      assert.equal(stored.rows[0]!.params.N, 32768);
      assert.ok(!stored.rows[0]!.hash.includes('123456'));
      assert.equal((await phone.req('POST', '/wallet/api/payment-password', { password: '12345' })).body.code, 'PAYMENT_PASSWORD_FORMAT');
      assert.equal((await phone.req('POST', '/wallet/api/payment-password', { password: '654321' })).body.code, 'REQUEST_INVALID', 'changing needs the current one');
      assert.equal((await phone.req('POST', '/wallet/api/payment-password', { password: '654321', currentPassword: '999999' })).body.code, 'PAYMENT_PASSWORD_INVALID');
      assert.equal((await phone.req('POST', '/wallet/api/payment-password', { password: '654321', currentPassword: '123456' })).status, 200);

      const userId = demo.users[2]!.userId;
      const binding = { requestId: 'req-1', amount: 15000, currency: 'KRW', payeeId: 'merchant-1' };
      assert.deepEqual(await verifyApprovalProof(db, userId, binding, { method: 'password', password: '654321' }), { method: 'password' });
      await assert.rejects(verifyApprovalProof(db, userId, binding, { method: 'password', password: '654321' }, { requirePasskey: true }), { code: 'APPROVAL_PASSKEY_REQUIRED' });
      const left: unknown[] = [];
      for (let i = 0; i < 4; i++) {
        await assert.rejects(verifyApprovalProof(db, userId, binding, { method: 'password', password: '000000' }, { passwordLockMs: 1500 }), (e: any) => {
          left.push(e.details?.attemptsLeft);
          return e.code === 'PAYMENT_PASSWORD_INVALID';
        });
      }
      assert.deepEqual(left, [4, 3, 2, 1]);
      await assert.rejects(verifyApprovalProof(db, userId, binding, { method: 'password', password: '000000' }, { passwordLockMs: 1500 }), { code: 'PAYMENT_PASSWORD_LOCKED' });
      await assert.rejects(verifyApprovalProof(db, userId, binding, { method: 'password', password: '654321' }), { code: 'PAYMENT_PASSWORD_LOCKED' }, 'even the right one while locked');
      await new Promise((r) => setTimeout(r, 1600));
      assert.deepEqual(await verifyApprovalProof(db, userId, binding, { method: 'password', password: '654321' }), { method: 'password' }, 'the lock runs out');

      // Ten guesses at once: at most 5 are checked, the rest are refused as locked.
      const results = await Promise.allSettled(
        Array.from({ length: 10 }, (_, i) => verifyApprovalProof(db, userId, binding, { method: 'password', password: String(100000 + i) }, { passwordLockMs: 60_000 })),
      );
      const codes = results.map((r) => (r.status === 'rejected' ? (r.reason as any).code : 'ok'));
      assert.equal(codes.filter((c) => c === 'PAYMENT_PASSWORD_INVALID').length, 4, codes.join());
      assert.equal(codes.filter((c) => c === 'PAYMENT_PASSWORD_LOCKED').length, 6, codes.join());
      await assert.rejects(verifyApprovalProof(db, userId, binding, { method: 'password', password: '654321' }), { code: 'PAYMENT_PASSWORD_LOCKED' });
    });

    it('cards: tokenised by the acquirer route (session + CSRF), kept as token, BIN and last 4; one default', async () => {
      const phone = await signedIn(1);
      const anonymous = await new Phone(app.url).req('POST', '/sandbox-acquirer/tokens', { number: '4111111111111111', expMonth: 12, expYear: 2031, cvc: '123' });
      assert.equal(anonymous.body.code, 'WALLET_SESSION_REQUIRED', 'no open tokeniser for card testing');
      const bad = await phone.req('POST', '/sandbox-acquirer/tokens', { number: '4111111111111112', expMonth: 12, expYear: 2031, cvc: '123' });
      assert.equal(bad.body.code, 'WALLET_CARD_INVALID');
      assert.deepEqual(findCardNumbers(JSON.stringify(bad.body)), []);
      const expired = await phone.req('POST', '/sandbox-acquirer/tokens', { number: '5555 5555 5555 4444', expMonth: 1, expYear: 2020, cvc: '123' });
      assert.equal(expired.body.code, 'WALLET_CARD_INVALID');

      const t1 = await phone.req('POST', '/sandbox-acquirer/tokens', { number: '5555 5555 5555 4444', expMonth: 12, expYear: 2031, cvc: '123' });
      assert.equal(t1.status, 200, JSON.stringify(t1.body));
      assert.match(t1.body.token, /^tok_test_approve_[0-9a-f]{24}$/);
      assert.deepEqual({ bin: t1.body.bin, last4: t1.body.last4 }, { bin: '555555', last4: '4444' });
      const t2 = await phone.req('POST', '/sandbox-acquirer/tokens', { number: '4000000000000002', expMonth: 6, expYear: 40, cvc: '9876' });
      assert.match(t2.body.token, /^tok_test_decline_do_not_honor_/);

      const before = (await phone.req('GET', '/wallet/api/payment-methods')).body.methods.length;
      const added = await phone.req('POST', '/wallet/api/payment-methods', { token: t1.body.token });
      assert.equal(added.status, 200, JSON.stringify(added.body));
      assert.equal(added.body.method.isDefault, false, 'the seeded card stays the default');
      const second = await phone.req('POST', '/wallet/api/payment-methods', { token: t2.body.token, makeDefault: true });
      assert.equal(second.body.methods.length, before + 2);
      assert.deepEqual(
        second.body.methods.filter((m: any) => m.isDefault).map((m: any) => m.last4),
        ['0002'],
      );
      assert.equal((await defaultPaymentMethod(db, demo.users[1]!.userId))?.token, t2.body.token);
      const back = await phone.req('POST', `/wallet/api/payment-methods/${added.body.method.id}/default`);
      assert.deepEqual(
        back.body.methods.filter((m: any) => m.isDefault).map((m: any) => m.last4),
        ['4444'],
      );

      // A token is one wallet's: another user cannot add it, nor one the acquirer never issued.
      const thief = await signedIn(0);
      assert.equal((await thief.req('POST', '/wallet/api/payment-methods', { token: t1.body.token })).body.code, 'WALLET_TOKEN_UNKNOWN');
      assert.equal((await thief.req('POST', '/wallet/api/payment-methods', { token: 'tok_test_approve_made_up' })).body.code, 'WALLET_TOKEN_UNKNOWN');
      assert.equal((await thief.req('POST', `/wallet/api/payment-methods/${added.body.method.id}/default`)).body.code, 'WALLET_PAYMENT_METHOD_UNKNOWN');
    });

    it('the demo sign-in exists only when turned on, and only for seeded users', async () => {
      const plain = await start(db, { demoSignIn: false });
      try {
        const r = await new Phone(plain.url).req('POST', '/wallet/api/demo/sign-in', { userId: resident().userId });
        assert.equal(r.status, 404);
        assert.equal((await new Phone(plain.url).req('GET', `/wallet/demo/${resident().userId}`)).status, 404);
      } finally {
        await plain.close();
        await app.close();
        app = await start(db, { signInLimits: limits, passwordLockMs: 1500 });
      }
      const link = await new Phone(app.url).req('GET', `/wallet/demo/${resident().userId}`);
      assert.equal(link.status, 302);
      assert.equal(link.headers.get('location'), '/wallet/');
      assert.equal((await new Phone(app.url).req('POST', '/wallet/api/demo/sign-in', { userId: 'nobody' })).status, 404);
    });
  });
}
