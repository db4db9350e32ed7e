/**
 * The two-channel flow end to end, with real processes: two server processes
 * on one fresh PostgreSQL schema; two payment devices (a fuel pump at
 * station-a talking to server A, a parking gate at car-park-b talking to
 * server B), each a gateway runtime whose BLE reader simulator listens on the
 * simulated air and whose driver parses the HCI advertising reports; dongle
 * simulator processes transmitting byte-accurate advertising PDUs; and two
 * phones in Chromium (the wallet page, one per server).
 *
 * Pair in the wallet; pay at the pump (several dongles in range: the
 * strongest wins); pay at the parking gate; a wrong code; a replayed code; two
 * confirmations at once across the two server processes; a stale sighting; a
 * rotated code resolved (a dongle with 8 s windows); a code heard at two sites
 * at once (refused, flagged); wrong codes until the dongle locks, and the
 * lockout's end (a 3 s lockout here); a dongle whose clock drifted,
 * resynchronised with its next code; unpairing from the wallet with a payment
 * in flight (refused cleanly, the broadcast no longer resolves); the server
 * down (the device says so at once, nothing charged). Key rotation is in
 * server/flows/two-channel/two-channel.test.ts. Screenshots in
 * test-artifacts/two-channel/.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { twoChannel } from '../../core/index.ts';
import { openDatabase, serverTesting, wallet, type Db } from '../../server/index.ts';
import { buildUi, CHROMIUM } from '../ui/browser.ts';
import { newOtpKeyText } from '../../server/index.ts';
import { admin, currentCode, makeDongle, startPaymentDevice, startServerChild, untilHeard, type PaymentDeviceSite, type ServerChild, type TestDongleSim } from './support.ts';

const ARTIFACTS = join(import.meta.dirname, '..', '..', 'test-artifacts', 'two-channel');
const ADMIN = 'two-channel-e2e-admin-token-0123';
const P = twoChannel.TWO_CHANNEL_PATHS;

describe('two-channel end to end: dongles over the simulated air, a pump and a gate, two servers, phones in Chromium', { timeout: 240_000 }, () => {
  let database: serverTesting.TestDatabase;
  let db: Db;
  let ui: Awaited<ReturnType<typeof buildUi>>;
  let A: ServerChild;
  let B: ServerChild;
  let pump: PaymentDeviceSite;
  let gate: PaymentDeviceSite;
  let browser: Browser;
  let phoneA: Page;
  let phoneB: Page;
  let car: TestDongleSim; // resident 1's dongle
  let van: TestDongleSim; // resident 2's dongle, 8 s windows
  let stranger: TestDongleSim; // someone else's dongle, weaker at the pump
  let users: wallet.DemoWallet['users'];

  before(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    database = await serverTesting.freshPostgres();
    ui = await buildUi();
    const env = {
      DATABASE_URL: database.databaseUrl!,
      EDGEPAY_ADMIN_TOKEN: ADMIN,
      EDGEPAY_WALLET_UI_DIR: ui.dir,
      EDGEPAY_OTP_KEYS: newOtpKeyText('k1'),
      EDGEPAY_SANDBOX_LATENCY_MS: '5,15',
      EDGEPAY_OTP_LOCKOUT_SECONDS: '3',
    };
    A = await startServerChild(env);
    B = await startServerChild(env);
    db = await openDatabase({ databaseUrl: database.databaseUrl! });
    users = (await wallet.seedDemoWallet(db)).users;
    const policy = { minRssi: -75, freshMs: 1_500 };
    pump = await startPaymentDevice({ serverUrl: A.url, adminToken: ADMIN, siteId: 'station-a', name: 'pump 3', place: { kind: 'fuel-pump', label: 'Pump 3' }, merchantName: 'Station A', policy });
    gate = await startPaymentDevice({
      serverUrl: B.url,
      adminToken: ADMIN,
      siteId: 'car-park-b',
      name: 'gate 1',
      place: { kind: 'parking-gate', label: 'Gate 1' },
      merchantName: 'Car park B',
      policy,
    });
    car = await makeDongle(A.url, ADMIN, 'EPCA-R001-TEST-0001');
    van = await makeDongle(A.url, ADMIN, 'EPVA-N002-TEST-0002', 3);
    stranger = await makeDongle(A.url, ADMIN, 'EPST-R003-TEST-0003');
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
    const phone = async (server: ServerChild, userId: string) => {
      const context = await browser.newContext({ viewport: { width: 375, height: 812 }, locale: 'en-US' });
      const page = await context.newPage();
      page.setDefaultTimeout(15_000);
      await page.goto(`${server.origin}/wallet/demo/${userId}?lang=en`);
      await page.waitForSelector('[data-screen="requests"]');
      // Korean first; the checks below read the English words.
      if ((await page.locator('.wallet-lang').textContent())?.includes('English')) await page.click('.wallet-lang');
      return page;
    };
    phoneA = await phone(A, users[0]!.userId);
    phoneB = await phone(B, users[1]!.userId);
  });

  after(async () => {
    await browser?.close();
    for (const d of [car, van, stranger]) await d?.stop();
    await pump?.stop();
    await gate?.stop();
    await A?.stop();
    await B?.stop();
    await db?.close();
    ui?.remove();
    await database?.drop();
  });

  const pairInWallet = async (page: Page, dongle: TestDongleSim, name: string) => {
    await page.click('[data-tab="dongle"]');
    await page.fill('input[name="serial"]', dongle.serial);
    await page.fill('input[name="code"]', (await dongle.code()).code);
    await page.click('[data-screen="dongle"] button[type="submit"]');
    await page.waitForSelector(`[data-testid="dongle-row"]:has-text("${dongle.serial}")`);
    lastUsedStep.set(dongle.serial, (await dongle.code()).step);
    await page.screenshot({ path: join(ARTIFACTS, name + '.png') });
    await page.click('[data-tab="requests"]');
  };

  /** The phone answers the request that just arrived: the number it reads on the device and the code its dongle gives. */
  const confirmOnPhone = async (page: Page, requestId: string, presence: string, code: string) => {
    const card = page.locator(`[data-request-id="${requestId}"]`);
    await card.locator('[data-testid="dongle-confirm"]').waitFor();
    await card.locator('input[name="presence"]').fill(presence);
    await card.locator('input[name="dongle-code"]').fill(code);
    await card.locator('[data-testid="dongle-confirm"] button[type="submit"]').click();
  };

  const waitAsking = async (site: PaymentDeviceSite) => {
    const end = Date.now() + 10_000;
    for (;;) {
      const s = site.device.state();
      if (s.phase === 'asking-phone') return s;
      if (s.phase === 'refused' || Date.now() > end) throw new Error('device: ' + JSON.stringify(s));
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  const requestIdOf = async (sessionId: string) => (await db.query<{ request_id: string }>('SELECT request_id FROM two_channel_sessions WHERE id = $1', [sessionId])).rows[0]!.request_id;

  it('pairs dongles in the wallet', async () => {
    await pairInWallet(phoneA, car, '01-paired-car');
    await pairInWallet(phoneB, van, '02-paired-van');
    // The stranger's dongle belongs to the shopper (paired over the API: the page is shown above).
    const shopper = users[2]!.userId;
    const signIn = await fetch(`${A.origin}/wallet/demo/${shopper}`, { redirect: 'manual' });
    const cookie = signIn.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; ');
    const { csrfToken } = (await (await fetch(A.origin + '/wallet/api/session', { headers: { cookie } })).json()) as { csrfToken: string };
    const paired = await fetch(A.origin + P.dongles, {
      method: 'POST',
      headers: { cookie, origin: A.origin, 'x-csrf-token': csrfToken, 'content-type': 'application/json' },
      body: JSON.stringify({ serial: stranger.serial, code: (await stranger.code()).code }),
    });
    assert.equal(paired.status, 201);
    lastUsedStep.set(stranger.serial, (await stranger.code()).step);
  });

  it('pays at the pump: several dongles in range, the strongest wins; the phone confirms; the pump is released', async () => {
    await car.moveTo([{ port: pump.airPort, rssi: -48 }]);
    await stranger.moveTo([{ port: pump.airPort, rssi: -70 }]);
    await untilHeard(pump.device, currentCode(car));
    await untilHeard(pump.device, currentCode(stranger));
    // Past the step used to pair (each code is taken once).
    await untilNewStep(car);
    // The person at the pump asks to pay: the pump (a device on the bus) tells the gateway, which shows the number on its display.
    const bus = pump.runtime.bus.bus;
    const displayed = bus.waitForEvent((e) => e.type === 'paydev.displayed' && (e.payload as { screen: string }).screen === 'asking-phone', 10_000);
    const released = bus.waitForEvent((e) => e.type === 'paydev.released', 60_000);
    const paying = new Promise<Awaited<ReturnType<typeof pump.device.pay>>>((resolve) => {
      const off = pump.device.onState((s) => {
        if (s.phase === 'authorised' || s.phase === 'declined' || s.phase === 'refused') {
          off();
          resolve(s);
        }
      });
    });
    pump.runtime.simulators!.control('payment-device', { action: 'pay', amount: 58_000 });
    const asking = await waitAsking(pump);
    assert.equal((await displayed).payload['presence'], asking.presence, 'the pump displays the number the phone must carry');
    const requestId = await requestIdOf(asking.sessionId);
    await phoneA.locator(`[data-request-id="${requestId}"]`).waitFor();
    await phoneA.screenshot({ path: join(ARTIFACTS, '03-pump-request.png') });
    // A wrong code first: said so, nothing paid.
    const right = (await car.code()).code;
    await confirmOnPhone(phoneA, requestId, asking.presence, right === '000000' ? '111111' : '000000');
    await phoneA.locator('[role="alert"]').filter({ hasText: 'not right' }).waitFor();
    await phoneA.screenshot({ path: join(ARTIFACTS, '04-wrong-code.png') });
    await confirmOnPhone(phoneA, requestId, asking.presence, right);
    const outcome = await paying;
    assert.equal(outcome.phase, 'authorised', JSON.stringify(outcome));
    assert.deepEqual((await released).payload, { paymentId: (outcome as { paymentId: string }).paymentId, amount: 58_000 }, 'the pump released the fuel');
    await phoneA.locator('[role="status"]').filter({ hasText: 'Paid with your dongle' }).waitFor();
    await phoneA.screenshot({ path: join(ARTIFACTS, '05-pump-paid.png') });
    const payment = await db.query<{ data: { status: string; amount: number; siteId: string } }>("SELECT data FROM documents WHERE collection = 'payments' AND id = $1", [
      (outcome as { paymentId: string }).paymentId,
    ]);
    assert.deepEqual([payment.rows[0]!.data.status, payment.rows[0]!.data.amount, payment.rows[0]!.data.siteId], ['captured', 58_000, 'station-a']);
    // The payment reaches the pump's ledger by replication.
    await until(async () => !!(await pump.runtime.gateway.ledger.db.payments.findOne((outcome as { paymentId: string }).paymentId).exec()));
    // The same code again at the pump: replayed.
    const again = pump.device.pay(10_000);
    const asking2 = await waitAsking(pump);
    const requestId2 = await requestIdOf(asking2.sessionId);
    await confirmOnPhone(phoneA, requestId2, asking2.presence, right);
    await phoneA.locator(`[data-request-id="${requestId2}"] [role="alert"]`).filter({ hasText: 'used already' }).waitFor();
    await phoneA.screenshot({ path: join(ARTIFACTS, '06-replayed-code.png') });
    await pump.device.cancel();
    assert.equal((await again).phase, 'declined');
    await serverTesting.assertLedgerBalanced(db);
  });

  it('pays at the parking gate (server B), and a rotated code is resolved', async () => {
    await van.moveTo([{ port: gate.airPort, rssi: -52 }]);
    const first = currentCode(van);
    await untilHeard(gate.device, first);
    await untilNewStep(van);
    const paying = gate.device.pay(3_000);
    const asking = await waitAsking(gate);
    const requestId = await requestIdOf(asking.sessionId);
    await confirmOnPhone(phoneB, requestId, asking.presence, (await van.code()).code);
    assert.equal((await paying).phase, 'authorised');
    await phoneB.screenshot({ path: join(ARTIFACTS, '07-gate-paid.png') });
    // 8 s windows: wait for the broadcast to change, then start again with the new code (resolved, then withdrawn).
    await until(async () => currentCode(van) !== first, 12_000);
    await untilHeard(gate.device, currentCode(van));
    const rotated = gate.device.pay(3_000);
    const asking2 = await waitAsking(gate);
    assert.notEqual(asking2.sessionId, asking.sessionId);
    await gate.device.cancel();
    assert.equal((await rotated).phase, 'declined');
  });

  it('two confirmations at once through the two server processes: one payment', async () => {
    // The car leaves; the shopper's car is alone at the pump now (its code's step is past already: no wait).
    await car.moveTo([]);
    await stranger.moveTo([{ port: pump.airPort, rssi: -50 }]);
    await new Promise((r) => setTimeout(r, 1_600));
    assert.equal(pump.device.sightings.pick(Date.now())?.code, currentCode(stranger));
    await untilNewStep(stranger);
    const paying = pump.device.pay(7_000);
    const asking = await waitAsking(pump);
    const requestId = await requestIdOf(asking.sessionId);
    const code = (await stranger.code()).code;
    const viaA = await signIn(A, users[2]!.userId);
    const viaB = await signIn(B, users[2]!.userId);
    const answers = await Promise.all([viaA, viaB, viaA, viaB].map((p) => p.post(P.confirm(requestId), { code, presence: asking.presence })));
    assert.equal(answers.filter((a) => a.status === 200).length, 1, JSON.stringify(answers));
    assert.equal((await paying).phase, 'authorised');
    const n = await db.query("SELECT count(*)::int AS n FROM documents WHERE collection = 'payments' AND data->'details'->'twoChannel'->>'session' = $1", [asking.sessionId]);
    assert.equal((n.rows[0] as { n: number }).n, 1);
    await serverTesting.assertLedgerBalanced(db);
  });

  /** Submits the phone's confirmation and waits for the server's answer; returns the alert it shows (or undefined when paid). */
  const confirmAndRead = async (page: Page, requestId: string, presence: string, code: string) => {
    const answered = page.waitForResponse((r) => r.url().includes(`/requests/${requestId}/confirm`) && r.request().method() === 'POST');
    await confirmOnPhone(page, requestId, presence, code);
    const res = await answered;
    if (res.ok()) return { status: res.status() };
    const alert = page.locator(`[data-request-id="${requestId}"] [role="alert"]`);
    await alert.waitFor();
    return { status: res.status(), code: ((await res.json()) as { code: string }).code, text: (await alert.textContent()) ?? '' };
  };
  /** The car alone at the pump, a payment started there, the pump showing its number. */
  const carAtPump = async (amount: number) => {
    await stranger.moveTo([]);
    await car.moveTo([{ port: pump.airPort, rssi: -48 }]);
    await untilHeard(pump.device, currentCode(car));
    await until(() => pump.device.sightings.pick(Date.now())?.code === currentCode(car), 5_000);
    await untilNewStep(car);
    const paying = pump.device.pay(amount);
    const asking = await waitAsking(pump);
    const requestId = await requestIdOf(asking.sessionId);
    await phoneA.locator(`[data-request-id="${requestId}"] [data-testid="dongle-confirm"]`).waitFor();
    return { paying, asking, requestId };
  };

  it('wrong codes: throttled, then locked (at most 10 in a row), and usable again when the lockout ends', async () => {
    const { paying, asking, requestId } = await carAtPump(12_000);
    const right = (await car.code()).code;
    const wrong = right === '000000' ? '111111' : '000000';
    for (let i = 0; i < 3; i++) {
      const r = await confirmAndRead(phoneA, requestId, asking.presence, wrong);
      assert.equal(r.code, 'OTP_INVALID');
      assert.match(r.text!, /not right/);
    }
    // After three in a row each attempt waits (1 s, doubling) and is not even compared: the right code too.
    const throttled = await confirmAndRead(phoneA, requestId, asking.presence, right);
    assert.equal(throttled.code, 'OTP_THROTTLED');
    assert.match(throttled.text!, /Wait a moment/);
    await phoneA.screenshot({ path: join(ARTIFACTS, '08-throttled.png') });
    await new Promise((r) => setTimeout(r, 1_100));
    assert.equal((await confirmAndRead(phoneA, requestId, asking.presence, wrong)).code, 'OTP_INVALID');
    await new Promise((r) => setTimeout(r, 2_100));
    // The fifth failure in a row (the server's limit, at most 10) locks the dongle.
    const locked = await confirmAndRead(phoneA, requestId, asking.presence, wrong);
    assert.equal(locked.status, 423);
    assert.equal(locked.code, 'OTP_LOCKED');
    assert.match(locked.text!, /Locked/);
    assert.equal((await confirmAndRead(phoneA, requestId, asking.presence, right)).code, 'OTP_LOCKED');
    await phoneA.screenshot({ path: join(ARTIFACTS, '09-locked.png') });
    assert.equal(pump.device.state().phase, 'asking-phone', 'the pump still waits, nothing charged');
    // The lockout (3 s here; 15 minutes by default) ends: the right code pays.
    await new Promise((r) => setTimeout(r, 3_100));
    assert.deepEqual(await confirmAndRead(phoneA, requestId, asking.presence, right), { status: 200 });
    assert.equal((await paying).phase, 'authorised');
    await phoneA.locator('[role="status"]').filter({ hasText: 'Paid with your dongle' }).last().waitFor();
    await phoneA.screenshot({ path: join(ARTIFACTS, '10-after-lockout-paid.png') });
  });

  it('a dongle whose clock drifted: its code asks for the next one, which resynchronises it; the drift is recorded', async () => {
    const { paying, asking, requestId } = await carAtPump(13_000);
    // Its clock runs 95 s ahead (three steps and more): the code it shows is outside the server's window.
    await car.setClockOffset(95_000);
    const drifted = await car.code();
    const first = await confirmAndRead(phoneA, requestId, asking.presence, drifted.code);
    assert.equal(first.code, 'OTP_RESYNC_NEEDED');
    assert.match(first.text!, /clock is off/);
    await phoneA.screenshot({ path: join(ARTIFACTS, '11-drift-next-code.png') });
    // The person waits for the next code the dongle shows (its next 30 s step) and types it.
    while ((await car.code()).step === drifted.step) await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual(await confirmAndRead(phoneA, requestId, asking.presence, (await car.code()).code), { status: 200 });
    assert.equal((await paying).phase, 'authorised');
    const credential = (await db.query<{ otp_credential_id: string }>('SELECT otp_credential_id FROM two_channel_dongles WHERE serial = $1', [car.serial])).rows[0]!.otp_credential_id;
    const { rows } = await db.query<{ drift_steps: number }>('SELECT drift_steps FROM otp_credentials WHERE id = $1', [credential]);
    assert.ok(rows[0]!.drift_steps === 3 || rows[0]!.drift_steps === 4, JSON.stringify(rows));
    await phoneA.screenshot({ path: join(ARTIFACTS, '12-drift-resynchronised.png') });
    // Back to the real clock for the tests after this one (its broadcast window follows its clock too); none of them confirms with its code.
    await car.setClockOffset(0);
  });

  it('a stale sighting is forgotten: the car drove off, the pump has nobody to ask', async () => {
    await car.moveTo([]);
    await stranger.moveTo([]);
    await new Promise((r) => setTimeout(r, 1_700));
    const outcome = await pump.device.pay(5_000);
    assert.equal(pump.device.sightings.inRange(Date.now()).length, 0);
    assert.equal(outcome.phase, 'refused');
    assert.equal((outcome as { code: string }).code, 'TWO_CHANNEL_NO_DONGLE');
  });

  it('a code heard at two sites at once is refused and flagged for the operator', async () => {
    // A relay carries the car's broadcast from the pump to the car park.
    await car.moveTo([
      { port: pump.airPort, rssi: -50 },
      { port: gate.airPort, rssi: -50 },
    ]);
    await untilHeard(pump.device, currentCode(car));
    await untilHeard(gate.device, currentCode(car));
    const atPump = pump.device.pay(20_000);
    await waitAsking(pump);
    const atGate = await gate.device.pay(20_000);
    assert.equal(atGate.phase, 'refused');
    assert.equal((atGate as { code: string }).code, 'TWO_CHANNEL_CODE_ELSEWHERE');
    const flags = (await admin(A.url, ADMIN, P.adminFlags)).flags as twoChannel.TwoChannelFlagView[];
    assert.ok(flags.some((f) => f.kind === 'two-sites' && f.siteId === 'car-park-b' && f.otherSiteId === 'station-a'));
    await pump.device.cancel();
    await atPump;
  });

  it('unpairing in the wallet with a payment in flight: refused cleanly, nothing charged; its broadcast no longer resolves', async () => {
    await car.moveTo([]);
    await van.moveTo([{ port: gate.airPort, rssi: -45 }]);
    await until(() => gate.device.sightings.pick(Date.now())?.code === currentCode(van), 5_000);
    const paying = gate.device.pay(4_000);
    const asking = await waitAsking(gate);
    const requestId = await requestIdOf(asking.sessionId);
    await phoneB.locator(`[data-request-id="${requestId}"]`).waitFor();
    await phoneB.click('[data-tab="dongle"]');
    const row = phoneB.locator(`[data-testid="dongle-row"]:has-text("${van.serial}")`);
    await row.locator('[data-testid="dongle-unpair"]').click();
    await row.locator('[role="alert"]').filter({ hasText: 'for good' }).waitFor();
    await phoneB.screenshot({ path: join(ARTIFACTS, '13-unpair-asks.png') });
    await row.locator('[data-testid="dongle-unpair"]').click();
    await phoneB.locator('[data-screen="dongle"] [role="status"]').filter({ hasText: 'Unpaired' }).waitFor();
    await row.waitFor({ state: 'detached' });
    await phoneB.screenshot({ path: join(ARTIFACTS, '14-unpaired.png') });
    const outcome = await paying;
    assert.deepEqual([outcome.phase, (outcome as { reason?: string }).reason], ['declined', 'dongle-unpaired']);
    const paid = await db.query("SELECT count(*)::int AS n FROM documents WHERE collection = 'payments' AND data->'details'->'twoChannel'->>'session' = $1", [asking.sessionId]);
    assert.equal((paid.rows[0] as { n: number }).n, 0);
    // The van is still at the gate, broadcasting: nobody can resolve it now.
    await untilHeard(gate.device, currentCode(van));
    const again = await gate.device.pay(4_000);
    assert.deepEqual([again.phase, (again as { code?: string }).code], ['refused', 'TWO_CHANNEL_CODE_UNKNOWN']);
    await phoneB.click('[data-tab="requests"]');
    await van.moveTo([]);
  });

  it('the server down: the device says at once that it needs the server, and nothing is charged', async () => {
    await car.moveTo([{ port: gate.airPort, rssi: -50 }]);
    await untilHeard(gate.device, currentCode(car));
    const before = await db.query("SELECT count(*)::int AS n FROM documents WHERE collection = 'payments'");
    await B.stop();
    const t0 = Date.now();
    const outcome = await gate.device.pay(9_000);
    const took = Date.now() - t0;
    assert.equal(outcome.phase, 'refused');
    assert.equal((outcome as { code: string }).code, 'TWO_CHANNEL_NEEDS_SERVER');
    assert.ok(took < 1_000, `said so in ${took} ms`);
    const after = await db.query("SELECT count(*)::int AS n FROM documents WHERE collection = 'payments'");
    assert.deepEqual(after.rows, before.rows);
  });
});

async function until(check: () => Promise<boolean> | boolean, timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Waits for the dongle's next 30 s step when its current code may have been used (pairing, an earlier payment). */
const lastUsedStep = new Map<string, number>();
async function untilNewStep(d: TestDongleSim): Promise<void> {
  const used = lastUsedStep.get(d.serial) ?? (await d.code()).step;
  while ((await d.code()).step <= used) await new Promise((r) => setTimeout(r, 200));
  lastUsedStep.set(d.serial, (await d.code()).step);
}

async function signIn(server: ServerChild, userId: string) {
  const res = await fetch(`${server.origin}/wallet/demo/${userId}`, { redirect: 'manual' });
  const cookie = res.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
  const { csrfToken } = (await (await fetch(server.origin + '/wallet/api/session', { headers: { cookie } })).json()) as { csrfToken: string };
  return {
    post: async (path: string, body: unknown) => {
      const r = await fetch(server.origin + path, {
        method: 'POST',
        headers: { cookie, origin: server.origin, 'x-csrf-token': csrfToken, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      return { status: r.status, json: await r.json() };
    },
  };
}
