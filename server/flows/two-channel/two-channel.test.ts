/**
 * The two-channel flow's server over real HTTP on PGlite and PostgreSQL: a
 * maker registers dongles, a phone pairs one, a payment device starts
 * payments for heard codes, the phone confirms with the dongle's code and the
 * number on the device; the acquirer charges the owner's card and the ledger
 * balances. Then what must fail: a wrong number, a wrong code, a replayed
 * code, two confirmations at once, throttling and lockout (and its end), a
 * drifted clock resynchronised, a code of the previous window resolved at
 * the boundary, codes outside their window and at two sites flagged, keys
 * rotated with every secret still readable, nothing secret in the tables;
 * a dongle unpaired: its secrets destroyed, its payment in flight cancelled.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { twoChannel } from '../../../core/index.ts';
import { freshPostgres, pglite, type TestDatabase } from '../../testing/databases.ts';
import { assertLedgerBalanced } from '../../testing/ledger.ts';
import { startServer, type RunningServer } from '../../start-server.ts';
import { seedDemoWallet } from '../../wallet/index.ts';
import { hotp, keyringFrom, newOtpKeyText, otpDrift } from '../../otp/index.ts';
import { buildApp } from '../../app.ts';
import type { AddressInfo } from 'node:net';
import { rotateDongleKeys } from './dongles.ts';
import { adminCall, sessionOf, signInPhone, startAt, TestDongle, type GatewayCaller, type Phone } from './testing.ts';

const ADMIN = 'two-channel-admin-token-0123456789';
const P = twoChannel.TWO_CHANNEL_PATHS;

for (const which of ['pglite', 'postgres'] as const) {
  describe(`two-channel on the server (${which})`, { timeout: 120_000 }, () => {
    let database: TestDatabase;
    let server: RunningServer;
    let pump: GatewayCaller;
    let gate: GatewayCaller;
    let owner: Phone;
    let other: Phone;
    // One dongle per test: each code is taken once per 30 s step, so a test never waits for another's step to pass.
    const tag = which === 'pglite' ? 'PGLT' : 'PGSQ';
    const dongles = {
      pay: new TestDongle(`EPDG-0001-PAYS-${tag}`),
      race: new TestDongle(`EPDG-0002-RACE-${tag}`),
      lock: new TestDongle(`EPDG-0003-LOCK-${tag}`),
      drift: new TestDongle(`EPDG-0004-DRFT-${tag}`),
      where: new TestDongle(`EPDG-0005-WHRE-${tag}`),
      keys: new TestDongle(`EPDG-0006-KEYS-${tag}`),
      unpair: new TestDongle(`EPDG-0008-UNPR-${tag}`),
    };
    const fresh = new TestDongle(`EPDG-0007-PAIR-${tag}`);
    let keyCounter = 0;
    const oldKeys = newOtpKeyText('k1');

    before(async () => {
      process.env.EDGEPAY_OTP_KEYS = oldKeys;
      process.env.EDGEPAY_OTP_LOCKOUT_SECONDS = '3';
      database = which === 'pglite' ? pglite() : await freshPostgres();
      server = await startServer({
        ...(database.databaseUrl ? { databaseUrl: database.databaseUrl } : {}),
        adminToken: ADMIN,
        port: 0,
        logger: false,
        wallet: { demoSignIn: true },
        sandbox: { latencyMs: [1, 3] },
      });
      const demo = await seedDemoWallet(server.db);
      pump = await adminCall(server.url, ADMIN, '/admin/gateways', { siteId: 'station-a', name: 'pump 3' });
      gate = await adminCall(server.url, ADMIN, '/admin/gateways', { siteId: 'car-park-b', name: 'gate 1' });
      owner = await signInPhone(server.url, demo.users[0]!.userId);
      other = await signInPhone(server.url, demo.users[1]!.userId);
      await adminCall(server.url, ADMIN, P.adminDongles, fresh.provisionBody());
      for (const d of Object.values(dongles)) {
        await adminCall(server.url, ADMIN, P.adminDongles, d.provisionBody());
        // Paired with the previous step's code (still in the window), so the current step's code is left for the test.
        const paired = await owner.post(P.dongles, { serial: d.serial, code: d.code(-1) });
        assert.equal(paired.status, 201, JSON.stringify(paired.json));
      }
    });
    after(async () => {
      await server?.close();
      await database?.drop();
      delete process.env.EDGEPAY_OTP_LOCKOUT_SECONDS;
    });

    const body = (dongle: TestDongle, over: Partial<twoChannel.StartTwoChannelBody> = {}): twoChannel.StartTwoChannelBody => ({
      code: dongle.broadcast(),
      amount: 50_000,
      currency: 'KRW',
      merchantName: 'Station A',
      place: { kind: 'fuel-pump', label: 'Pump 3' },
      rssi: -55,
      ...over,
    });
    const start = async (dongle: TestDongle, gw = pump, over: Partial<twoChannel.StartTwoChannelBody> = {}) => {
      const res = await startAt(server.url, gw, `start-${which}-${++keyCounter}`, body(dongle, over));
      assert.equal(res.status, 201, JSON.stringify(res.json));
      return res.json.session as twoChannel.TwoChannelSessionView;
    };
    const otherCode = (code: string) => (code === '123456' ? '654321' : '123456');

    it('pairs only with a current code, and only once', async () => {
      const unknown = await owner.post(P.dongles, { serial: 'ZZZZ-0000-ZZZZ-0000', code: fresh.code() });
      assert.equal(unknown.json.code, 'TWO_CHANNEL_DONGLE_UNKNOWN');
      const wrong = await owner.post(P.dongles, { serial: fresh.serial, code: otherCode(fresh.code()) });
      assert.equal(wrong.status, 403);
      assert.equal(wrong.json.code, 'OTP_INVALID');
      const paired = await other.post(P.dongles, { serial: fresh.serial, code: fresh.code() });
      assert.equal(paired.status, 201, JSON.stringify(paired.json));
      const again = await owner.post(P.dongles, { serial: fresh.serial, code: fresh.code() });
      assert.equal(again.json.code, 'TWO_CHANNEL_DONGLE_UNKNOWN');
      assert.deepEqual(
        (await other.get(P.dongles)).json.dongles.map((d: { serial: string }) => d.serial),
        [fresh.serial],
      );
    });

    it('a heard code becomes a request to the owner; the right code and number pay through the acquirer and the ledger; the code is taken once', async () => {
      const dongle = dongles.pay;
      const session = await start(dongle);
      assert.equal(session.state, 'waiting');
      assert.match(session.presence, /^[0-9]{2}$/);
      const pending = (await owner.get(P.pending)).json.pending as { requestId: string }[];
      assert.ok(pending.some((p) => p.requestId === session.requestId));
      const requests = (await owner.get('/wallet/api/requests')).json.requests as { id: string; place: string }[];
      assert.equal(requests.find((r) => r.id === session.requestId)?.place, 'Pump 3');
      // Someone else's phone cannot confirm it.
      assert.equal((await other.post(P.confirm(session.requestId), { code: dongle.code(), presence: session.presence })).json.code, 'TWO_CHANNEL_SESSION_NOT_FOUND');
      const waiting = sessionOf(server.url, pump, session.id, 10_000);
      const confirmed = await owner.post(P.confirm(session.requestId), { code: dongle.code(), presence: session.presence });
      assert.equal(confirmed.status, 200, JSON.stringify(confirmed.json));
      assert.equal(confirmed.json.request.approvalMethod, 'dongle');
      assert.equal(confirmed.json.session.state, 'approved');
      const outcome = await waiting;
      assert.equal(outcome.state, 'approved');
      const payment = await server.db.query<{ data: { status: string; method: string; token?: string } }>("SELECT data FROM documents WHERE collection = 'payments' AND id = $1", [outcome.paymentId]);
      assert.equal(payment.rows[0]!.data.status, 'captured');
      assert.equal(payment.rows[0]!.data.method, 'otp');
      assert.equal(payment.rows[0]!.data.token, undefined, 'the payment the gateway gets carries no card token');
      // The same code again, for a new payment: taken once.
      const replay = await start(dongle);
      const replayed = await owner.post(P.confirm(replay.requestId), { code: dongle.code(), presence: replay.presence });
      assert.equal(replayed.json.code, 'OTP_REPLAYED');
      // An answered request takes no more codes.
      assert.equal((await owner.post(P.confirm(session.requestId), { code: dongle.code(), presence: session.presence })).json.code, 'PAYMENT_REQUEST_ALREADY_ANSWERED');
      await assertLedgerBalanced(server.db);
    });

    it('unpairing destroys the secrets: a payment in flight is cancelled and refused cleanly, the broadcast no longer resolves', async () => {
      const dongle = dongles.unpair;
      const session = await start(dongle);
      const dongleId = ((await owner.get(P.dongles)).json.dongles as { id: string; serial: string }[]).find((d) => d.serial === dongle.serial)!.id;
      // The pump waits on the session (long poll) while its owner unpairs the dongle.
      const t0 = Date.now();
      const waiting = sessionOf(server.url, pump, session.id, 10_000).then((s) => ({ s, took: Date.now() - t0 }));
      await new Promise((r) => setTimeout(r, 100));
      // Not someone else's to unpair (the same answer as no dongle).
      assert.equal((await other.post(P.unpair(dongleId))).json.code, 'TWO_CHANNEL_DONGLE_UNKNOWN');
      const unpaired = await owner.post(P.unpair(dongleId));
      assert.equal(unpaired.status, 200, JSON.stringify(unpaired.json));
      assert.equal(unpaired.json.cancelledSessions, 1);
      const { s: outcome, took } = await waiting;
      assert.equal(outcome.state, 'cancelled');
      assert.equal(outcome.declineReason, 'dongle-unpaired');
      assert.ok(took < 3_000, `the pump learnt it in ${took} ms`);
      // The phone's confirmation with the right code now: refused, nothing charged.
      const late = await owner.post(P.confirm(session.requestId), { code: dongle.code(), presence: session.presence });
      assert.equal(late.status, 409);
      assert.equal(late.json.code, 'TWO_CHANNEL_DONGLE_UNPAIRED');
      const payments = await server.db.query("SELECT id FROM documents WHERE collection = 'payments' AND data->'details'->'twoChannel'->>'session' = $1", [session.id]);
      assert.equal(payments.rows.length, 0);
      // Its request was withdrawn.
      const requests = (await owner.get('/wallet/api/requests')).json.requests as { id: string; state: string }[];
      assert.notEqual(requests.find((r) => r.id === session.requestId)?.state, 'pending');
      // Its broadcast no longer resolves; it is not mine any more and cannot be paired again.
      const heard = await startAt(server.url, pump, `unpaired-${which}`, body(dongle));
      assert.equal(heard.status, 404);
      assert.equal(heard.json.code, 'TWO_CHANNEL_CODE_UNKNOWN');
      assert.ok(!((await owner.get(P.dongles)).json.dongles as { id: string }[]).some((d) => d.id === dongleId));
      assert.equal((await owner.post(P.dongles, { serial: dongle.serial, code: dongle.code(1) })).json.code, 'TWO_CHANNEL_DONGLE_UNKNOWN');
      assert.equal((await owner.post(P.unpair(dongleId))).json.code, 'TWO_CHANNEL_DONGLE_UNKNOWN');
      // The secrets are gone from the database.
      const row = await server.db.query<{ identity_key_sealed: string | null; secret_sealed: string | null; revoked_at: unknown }>(
        'SELECT d.identity_key_sealed, c.secret_sealed, c.revoked_at FROM two_channel_dongles d JOIN otp_credentials c ON c.id = d.otp_credential_id WHERE d.id = $1',
        [dongleId],
      );
      assert.equal(row.rows[0]!.identity_key_sealed, null);
      assert.equal(row.rows[0]!.secret_sealed, null);
      assert.ok(row.rows[0]!.revoked_at);
      await assertLedgerBalanced(server.db);
    });

    it('two confirmations at once: one payment', async () => {
      const dongle = dongles.race;
      const session = await start(dongle);
      const answers = await Promise.all([0, 1, 2].map(() => owner.post(P.confirm(session.requestId), { code: dongle.code(), presence: session.presence })));
      assert.deepEqual(
        answers.map((a) => a.status).filter((s) => s === 200),
        [200],
        JSON.stringify(answers.map((a) => a.json)),
      );
      for (const a of answers.filter((x) => x.status !== 200)) assert.match(a.json.code, /OTP_REPLAYED|PAYMENT_REQUEST_ALREADY_ANSWERED/);
      const payments = await server.db.query("SELECT id FROM documents WHERE collection = 'payments' AND data->'details'->'twoChannel'->>'session' = $1", [session.id]);
      assert.equal(payments.rows.length, 1);
      await assertLedgerBalanced(server.db);
    });

    it('a wrong number or code counts; throttled, then locked for a while, then usable again', async () => {
      const dongle = dongles.lock;
      const session = await start(dongle);
      const wrongNumber = session.presence === '00' ? '01' : '00';
      const r1 = await owner.post(P.confirm(session.requestId), { code: dongle.code(), presence: wrongNumber });
      assert.equal(r1.json.code, 'TWO_CHANNEL_PRESENCE_MISMATCH');
      const bad = otherCode(dongle.code());
      assert.equal((await owner.post(P.confirm(session.requestId), { code: bad, presence: session.presence })).json.code, 'OTP_INVALID');
      assert.equal((await owner.post(P.confirm(session.requestId), { code: bad, presence: session.presence })).json.code, 'OTP_INVALID');
      // Third failure in a row: the next attempt must wait, and is not even compared (the right code is refused too).
      const r4 = await owner.post(P.confirm(session.requestId), { code: dongle.code(), presence: session.presence });
      assert.equal(r4.status, 429);
      assert.equal(r4.json.code, 'OTP_THROTTLED');
      await new Promise((r) => setTimeout(r, 1100));
      assert.equal((await owner.post(P.confirm(session.requestId), { code: bad, presence: session.presence })).json.code, 'OTP_INVALID');
      await new Promise((r) => setTimeout(r, 2100));
      const locked = await owner.post(P.confirm(session.requestId), { code: bad, presence: session.presence });
      assert.equal(locked.status, 423);
      assert.equal(locked.json.code, 'OTP_LOCKED');
      assert.equal((await owner.post(P.confirm(session.requestId), { code: dongle.code(), presence: session.presence })).json.code, 'OTP_LOCKED');
      await new Promise((r) => setTimeout(r, 3100));
      const after = await owner.post(P.confirm(session.requestId), { code: dongle.code(), presence: session.presence });
      assert.equal(after.status, 200, JSON.stringify(after.json));
      assert.equal(after.json.session.state, 'approved');
    });

    it('a drifted dongle clock is resynchronised with two consecutive codes; the drift is recorded and used', async () => {
      const dongle = dongles.drift;
      const session = await start(dongle);
      dongle.clockOffsetMs = 3 * 30_000; // three steps ahead
      // The dongle's step, held: a step boundary between the two codes must not make the second one two steps on.
      const shown = dongle.step();
      const first = await owner.post(P.confirm(session.requestId), { code: hotp(dongle.otpSecret, shown), presence: session.presence });
      assert.equal(first.json.code, 'OTP_RESYNC_NEEDED');
      // The code it shows next (a person reads it 30 s later; the test does not wait).
      const second = await owner.post(P.confirm(session.requestId), { code: hotp(dongle.otpSecret, shown + 1), presence: session.presence });
      assert.equal(second.status, 200, JSON.stringify(second.json));
      const credential = await server.db.query<{ otp_credential_id: string }>('SELECT otp_credential_id FROM two_channel_dongles WHERE serial = $1', [dongle.serial]);
      const drift = await otpDrift(server.db, credential.rows[0]!.otp_credential_id);
      assert.ok(drift.driftSteps === 3 || drift.driftSteps === 4, JSON.stringify(drift)); // 4 if a step boundary passed in between
      // Used: with the drift known, a code of the dongle's clock is in the window without resynchronising again
      // (set the credential's last step back so that the window has an unused step, rather than wait 30 s).
      await server.db.query('UPDATE otp_credentials SET last_step = last_step - 2 WHERE id = $1', [credential.rows[0]!.otp_credential_id]);
      // Its broadcast by the real clock: the 90 s skew may put the dongle's own in the next window, refused as outside it (the drift is the OTP's, not the broadcast's).
      const next = await start(dongle, pump, { code: twoChannel.ephemeralIdHex(dongle.identityKey, twoChannel.windowOf(Date.now() / 1000, dongle.exponent), dongle.exponent) });
      const ok = await owner.post(P.confirm(next.requestId), { code: dongle.code(drift.driftSteps - 3), presence: next.presence });
      assert.equal(ok.status, 200, JSON.stringify(ok.json));
      dongle.clockOffsetMs = 0;
    });

    it('the previous window near the boundary is resolved; older windows and unknown codes are refused, and flagged', async () => {
      const dongle = dongles.where;
      const now = Date.now() / 1000;
      const w = twoChannel.windowOf(now);
      const sinceStart = now - twoChannel.windowStart(w);
      const previous = twoChannel.ephemeralIdHex(dongle.identityKey, w - 1);
      const res = await startAt(server.url, pump, `prev-${which}`, body(dongle, { code: previous }));
      // Taken within the grace after the boundary, refused as outside its window later.
      if (sinceStart <= twoChannel.EID_GRACE_SECONDS) assert.equal(res.status, 201, JSON.stringify(res.json));
      else assert.equal(res.json.code, 'TWO_CHANNEL_CODE_OUTSIDE_WINDOW');
      const old = await startAt(server.url, pump, `old-${which}`, body(dongle, { code: twoChannel.ephemeralIdHex(dongle.identityKey, w - 3) }));
      assert.equal(old.status, 409);
      assert.equal(old.json.code, 'TWO_CHANNEL_CODE_OUTSIDE_WINDOW');
      const unknown = await startAt(server.url, pump, `unknown-${which}`, body(dongle, { code: 'ABCDEF0123456789' }));
      assert.equal(unknown.json.code, 'TWO_CHANNEL_CODE_UNKNOWN');
      const flags = (await adminCall(server.url, ADMIN, P.adminFlags)).flags as twoChannel.TwoChannelFlagView[];
      assert.ok(flags.some((f) => f.kind === 'outside-window' && f.siteId === 'station-a'));
    });

    it('the same dongle heard at two sites at once is refused and flagged', async () => {
      const dongle = dongles.where;
      await start(dongle, pump);
      const res = await startAt(server.url, gate, `gate-${which}`, body(dongle, { place: { kind: 'parking-gate', label: 'Gate 1' } }));
      assert.equal(res.status, 409);
      assert.equal(res.json.code, 'TWO_CHANNEL_CODE_ELSEWHERE');
      const flags = (await adminCall(server.url, ADMIN, P.adminFlags)).flags as twoChannel.TwoChannelFlagView[];
      assert.ok(flags.some((f) => f.kind === 'two-sites' && f.siteId === 'car-park-b' && f.otherSiteId === 'station-a'));
    });

    it('same key, same start: one session; same key, other body: refused', async () => {
      const a = await startAt(server.url, pump, `idem-${which}`, body(dongles.pay));
      const b = await startAt(server.url, pump, `idem-${which}`, body(dongles.pay));
      assert.equal(a.status, 201, JSON.stringify(a.json));
      assert.equal(a.json.session.id, b.json.session.id);
      const c = await startAt(server.url, pump, `idem-${which}`, body(dongles.pay, { amount: 1 }));
      assert.equal(c.json.code, 'IDEMPOTENCY_KEY_REUSED');
    });

    it('keys rotate: every secret re-sealed under the new key, codes still resolve and verify; nothing readable in the tables', async () => {
      const newList = `${newOtpKeyText('k2')},${oldKeys}`;
      const rotated = await rotateDongleKeys(server.db, keyringFrom(newList)!);
      assert.deepEqual(rotated, { identityKeys: 7, otpSecrets: 7 });
      // (An unpaired dongle's secrets are destroyed: nothing left to re-seal.)
      const keyIds = await server.db.query<{ key_id: string }>(
        'SELECT key_id FROM two_channel_dongles WHERE identity_key_sealed IS NOT NULL UNION ALL SELECT key_id FROM otp_credentials WHERE secret_sealed IS NOT NULL',
      );
      assert.deepEqual([...new Set(keyIds.rows.map((r) => r.key_id))], ['k2']);
      // A server process started with the new list (the old key still listed, or not: everything is under k2 now).
      process.env.EDGEPAY_OTP_KEYS = newList.split(',')[0];
      const second = await buildApp({ db: server.db, adminToken: ADMIN, logger: false, wallet: { demoSignIn: true }, sandbox: { latencyMs: [1, 3] }, forwarder: false });
      await second.app.listen({ port: 0, host: '127.0.0.1' });
      try {
        const url = `http://127.0.0.1:${(second.app.server.address() as AddressInfo).port}`;
        const res = await startAt(url, gate, `rotated-${which}`, body(dongles.keys, { place: { kind: 'parking-gate', label: 'Gate 2' } }));
        assert.equal(res.status, 201, JSON.stringify(res.json));
        const phone = await signInPhone(url, owner.userId);
        const ok = await phone.post(P.confirm(res.json.session.requestId), { code: dongles.keys.code(), presence: res.json.session.presence });
        assert.equal(ok.status, 200, JSON.stringify(ok.json));
      } finally {
        await second.app.close();
      }
      // The secrets are nowhere in the clear.
      const dump = JSON.stringify((await server.db.query('SELECT * FROM two_channel_dongles')).rows) + JSON.stringify((await server.db.query('SELECT * FROM otp_credentials')).rows);
      for (const d of [...Object.values(dongles), fresh]) {
        const plain = d.provisionBody();
        assert.ok(!dump.toLowerCase().includes(plain.identityKey) && !dump.includes(plain.otpSecret));
      }
      await assertLedgerBalanced(server.db);
    });
  });
}
