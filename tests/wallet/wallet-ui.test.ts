/**
 * The wallet in Chromium (375x812, a phone) against the real server on
 * PGlite, with Chromium's virtual authenticator over CDP (ctap2, internal,
 * resident keys, user verification): register with a passkey, add a card
 * (the number goes to the acquirer's tokeniser; the database and the log
 * never hold it), a unit, the payment password, sign out and in with the
 * passkey, CSRF refused, a revoked session refused, the sign-in limit, and
 * offline: the service worker's shell with the last known state, marked.
 * Approval proofs (dynamic linking) are checked with real assertions made
 * by the same authenticator: bound to (requestId, amount, currency, payee),
 * an altered amount or payee refused, a replay refused, another user's
 * challenge refused. Screenshots in test-artifacts/wallet/. Requests to pay
 * on the page (live, approve, decline, outcomes) are tested end to end, with
 * real server processes, in wallet-flow.test.ts.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type CDPSession, type Page } from 'playwright-core';
import { findCardNumbers } from '../../core/index.ts';
import { buildApp, openDatabase, wallet, type Db, type EdgePayServer } from '../../server/index.ts';
import { buildUi, CHROMIUM } from '../ui/browser.ts';
import { until } from '../support/wait.ts';

const ARTIFACTS = join(import.meta.dirname, '..', '..', 'test-artifacts', 'wallet');
const shot = (name: string) => join(ARTIFACTS, name + '.png');
const PAN = '4111111111111111';
const UMD = createRequire(import.meta.url)
  .resolve('@simplewebauthn/browser')
  .replace(/script[\\/]index\.js$/, 'dist/bundle/index.umd.min.js');

describe('the wallet in Chromium with a virtual authenticator', { timeout: 300_000 }, () => {
  let root: string;
  let ui: Awaited<ReturnType<typeof buildUi>>;
  let db: Db;
  let server: EdgePayServer;
  let origin: string;
  let logFile: string;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let cdp: CDPSession;
  let userId: string;

  before(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    root = mkdtempSync(join(tmpdir(), 'edgepay-wallet-ui-'));
    logFile = join(root, 'server.log');
    ui = await buildUi();
    db = await openDatabase({ pgliteDir: join(root, 'pglite') });
    await wallet.ensureBuilding(db, 'tower-a', 'Tower A', ['101', '1203']);
    server = await buildApp({
      db,
      adminToken: 'wallet-ui-admin-token-0123',
      forwarder: false,
      logger: { level: 'debug', file: logFile },
      wallet: { uiDir: ui.dir, signInLimits: { perIp: { limit: 1000, windowMs: 60_000 }, perPhone: { limit: 8, windowMs: 60_000 } } },
    });
    const url = await server.app.listen({ host: '127.0.0.1', port: 0 });
    // WebAuthn needs a domain: the page is opened as localhost (the default rpId).
    origin = url.replace('127.0.0.1', 'localhost');
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--host-resolver-rules=MAP localhost 127.0.0.1'],
      timeout: 60_000,
    });
    context = await browser.newContext({ viewport: { width: 375, height: 812 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true, locale: 'en-US' });
    context.setDefaultTimeout(20_000);
    page = await context.newPage();
    cdp = await context.newCDPSession(page);
    await cdp.send('WebAuthn.enable', { enableUI: false });
    await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
    });
  });
  after(async () => {
    await browser?.close().catch(() => undefined);
    await server?.app.close().catch(() => undefined);
    await db?.close().catch(() => undefined);
    ui?.remove();
    if (!process.env.KEEP) rmSync(root, { recursive: true, force: true });
  });

  const screen = (name: string) => page.locator(`[data-screen="${name}"]`);
  const tab = async (name: string) => {
    await page.locator(`[data-tab="${name}"]`).click();
    await screen(name).waitFor();
  };

  it('serves the page at /wallet/ with a strict CSP, a manifest and a service worker', async () => {
    const redirect = await fetch(origin + '/wallet', { redirect: 'manual' });
    assert.equal(redirect.status, 302);
    const res = await fetch(origin + '/wallet/');
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-security-policy') ?? '', /script-src 'self'/);
    const manifest = await (await fetch(origin + '/wallet/manifest.webmanifest')).json();
    assert.equal(manifest.start_url, '/wallet/');
    assert.equal((await fetch(origin + '/wallet/sw.js')).status, 200);
  });

  it('registers with name, phone and a passkey', async () => {
    await page.goto(origin + '/wallet/?lang=en');
    await screen('sign-in').waitFor();
    await page.screenshot({ path: shot('01-sign-in-en') });
    await page.getByRole('button', { name: 'Create a new wallet' }).click();
    await page.getByLabel('Name').fill('Hana Choi');
    await page.getByLabel('Phone number').fill('010-5555-0101');
    await page.screenshot({ path: shot('02-register-en') });
    await page.getByRole('button', { name: 'Create passkey and register' }).click();
    await screen('requests').waitFor();
    await page.getByText('Hello, Hana Choi').waitFor();
    await page.screenshot({ path: shot('03-requests-en') });
    const users = await db.query<{ id: string; phone: string }>("SELECT id, phone FROM wallet_users WHERE name = 'Hana Choi'");
    assert.equal(users.rows[0]?.phone, '+821055550101');
    userId = users.rows[0]!.id;
    const creds = await db.query('SELECT 1 FROM wallet_credentials WHERE user_id = $1', [userId]);
    assert.equal(creds.rows.length, 1);
    const cookie = (await context.cookies(origin)).find((c) => c.name === 'edgepay_wallet');
    assert.ok(cookie, 'a session cookie');
    assert.equal(cookie.httpOnly, true);
    assert.equal(cookie.sameSite, 'Strict');
    // The service worker takes the page over (for the offline case at the end).
    await page.evaluate(() => navigator.serviceWorker.ready.then(() => true));
  });

  it('adds a card: the number goes to the tokeniser, only token, BIN and last 4 are kept', async () => {
    await tab('cards');
    await page.getByLabel('Card number').fill('4111 1111 1111 1111');
    await page.getByLabel('Expiry (MM/YY)').fill('12/30');
    await page.getByLabel('CVC').fill('123');
    await page.getByRole('button', { name: 'Save card' }).click();
    await page.getByTestId('card-row').filter({ hasText: '1111' }).waitFor();
    assert.equal(await page.getByLabel('Card number').inputValue(), '', 'the form forgets the number');
    await page.screenshot({ path: shot('04-cards-en') });
    const method = await wallet.defaultPaymentMethod(db, userId);
    assert.match(method?.token ?? '', /^tok_test_approve_/);
    assert.deepEqual({ bin: method?.bin, last4: method?.last4 }, { bin: '411111', last4: '1111' });
    const tables = (await db.query<{ table_name: string }>("SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'")).rows;
    for (const { table_name } of tables) {
      const dump = (await db.query<{ j: string }>(`SELECT row_to_json(x)::text AS j FROM "${table_name}" x`)).rows.map((r) => r.j).join('\n');
      assert.ok(!dump.includes(PAN), table_name);
      assert.deepEqual(findCardNumbers(dump), [], `table ${table_name}`);
    }
    const log = readFileSync(logFile, 'utf8');
    assert.ok(log.includes('/sandbox-acquirer/tokens'), 'the tokenisation request is in the log');
    assert.deepEqual(findCardNumbers(log), [], 'no card number in the log');
  });

  it('joins a unit and sets the payment password', async () => {
    await tab('units');
    await page.locator('select').nth(1).selectOption('1203');
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    await page.getByTestId('unit-row').filter({ hasText: '1203' }).waitFor();
    await page.screenshot({ path: shot('05-units-en') });
    assert.deepEqual(await wallet.usersAtUnit(db, 'tower-a', '1203'), [userId]);
    await tab('password');
    await page.getByLabel('New password (6 digits)').fill('246810');
    await page.getByRole('button', { name: 'Save password' }).click();
    await page.getByText('Payment password saved.').waitFor();
    await page.screenshot({ path: shot('06-password-en') });
  });

  it('shows Korean', async () => {
    await page.getByRole('button', { name: 'Switch language to Korean' }).click();
    await tab('cards');
    await page.getByRole('heading', { name: '내 카드' }).waitFor();
    await page.screenshot({ path: shot('08-cards-ko') });
    await tab('requests');
    await page.screenshot({ path: shot('09-requests-ko') });
    await page.evaluate(() => localStorage.setItem('edgepay.lang', 'en'));
  });

  it('refuses a state-changing call without the CSRF token, from the page itself', async () => {
    const answer = await page.evaluate(async () => {
      const r = await fetch('/wallet/api/units', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ buildingId: 'tower-a', unit: '101' }) });
      return { status: r.status, body: await r.json() };
    });
    assert.equal(answer.status, 403);
    assert.equal(answer.body.code, 'CSRF_REJECTED');
    assert.deepEqual(
      (await db.query('SELECT unit FROM wallet_memberships WHERE user_id = $1', [userId])).rows.map((r) => r.unit),
      ['1203'],
    );
  });

  it('signs out, then in again with the passkey (a new session)', async () => {
    await page.goto(origin + '/wallet/?lang=en');
    await screen('requests').waitFor();
    const before = (await context.cookies(origin)).find((c) => c.name === 'edgepay_wallet')!.value;
    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await screen('sign-in').waitFor();
    await page.getByRole('button', { name: 'Sign in with passkey' }).click();
    await screen('requests').waitFor();
    const after = (await context.cookies(origin)).find((c) => c.name === 'edgepay_wallet')!.value;
    assert.notEqual(after, before);
    const r = await fetch(origin + '/wallet/api/session', { headers: { cookie: 'edgepay_wallet=' + before } });
    assert.equal(r.status, 401, 'the signed-out session is refused');
    const how = await db.query<{ how: string }>('SELECT how FROM wallet_sessions WHERE user_id = $1 AND revoked_at IS NULL', [userId]);
    assert.deepEqual(
      how.rows.map((x) => x.how),
      ['passkey'],
    );
    await page.screenshot({ path: shot('10-signed-in-with-passkey-en') });
  });

  it('a session revoked elsewhere is refused at once: the page goes back to sign-in', async () => {
    const cookie = (await context.cookies(origin)).find((c) => c.name === 'edgepay_wallet')!.value;
    assert.ok((await wallet.revokeAllSessions(db, userId)) >= 1);
    const r = await fetch(origin + '/wallet/api/payment-methods', { headers: { cookie: 'edgepay_wallet=' + cookie } });
    assert.equal(r.status, 401);
    assert.equal(((await r.json()) as { code: string }).code, 'WALLET_SESSION_REQUIRED');
    // The next call the page makes (opening the cards) meets the refusal and goes back to sign-in.
    await page.locator('[data-tab="cards"]').click();
    await screen('sign-in').waitFor();
  });

  it('limits sign-in tries per phone number', async () => {
    // The limits count in fixed windows of the clock (a minute here): start in a fresh count, not near a window's end,
    // so the test does not depend on when it runs.
    const intoWindow = Date.now() % 60_000;
    if (intoWindow > 45_000) await new Promise((r) => setTimeout(r, 60_000 - intoWindow + 100));
    await db.query('DELETE FROM wallet_rate_limits');
    let limited = false;
    const seen: string[] = [];
    for (let i = 0; i < 6 && !limited; i++) {
      await page.goto(origin + '/wallet/?lang=en');
      await screen('sign-in').or(screen('requests')).waitFor();
      if (await screen('requests').isVisible()) {
        await page.getByRole('button', { name: 'Sign out', exact: true }).click();
        await screen('sign-in').waitFor();
      }
      await page.getByLabel('Phone number (optional)').fill('010-5555-0101');
      await page.getByRole('button', { name: 'Sign in with passkey' }).click();
      await screen('requests').or(page.getByRole('alert')).waitFor();
      const alert = page.getByRole('alert');
      seen.push((await alert.count()) > 0 ? ((await alert.textContent()) ?? '') : 'signed in');
      limited = seen.at(-1)!.includes('Too many tries');
    }
    // Each sign-in by phone counts twice against the phone (options, and the verify of its passkey): 4 x 2 = 8,
    // then the fifth try's options are the 9th.
    assert.ok(limited, 'refused once the window is used up: ' + seen.join(' | '));
    assert.deepEqual(seen.slice(0, 4), ['signed in', 'signed in', 'signed in', 'signed in']);
    assert.equal(seen.length, 5);
    await page.screenshot({ path: shot('11-sign-in-limited-en') });
  });

  describe('approval proofs (dynamic linking) with real assertions', () => {
    const binding = { requestId: 'req-0001', amount: 12_500, currency: 'KRW', payeeId: 'merchant-7' };
    /** An assertion from the virtual authenticator over the options the server made. */
    const assertion = async (options: unknown): Promise<unknown> => page.evaluate((o) => (globalThis as any).SimpleWebAuthnBrowser.startAuthentication({ optionsJSON: o }), options as any);

    before(async () => {
      // A same-origin document without the page's CSP, to load the library's browser bundle.
      await page.goto(origin + '/healthz');
      await page.addScriptTag({ path: UMD });
    });

    it("the challenge is SHA-256(binding) || nonce, for this user's passkeys only", async () => {
      const options = (await wallet.approvalOptions(db, userId, binding)) as { challenge: string; allowCredentials: unknown[]; userVerification: string };
      const raw = Buffer.from(options.challenge, 'base64url');
      assert.equal(raw.length, 64);
      assert.deepEqual(raw.subarray(0, 32), wallet.bindingHash(binding));
      assert.equal(options.allowCredentials.length, 1);
      assert.equal(options.userVerification, 'required');
    });

    it('accepts the approval it was made for, once; refuses an altered amount, currency or payee, and a replay', async () => {
      const response = await assertion(await wallet.approvalOptions(db, userId, binding));
      for (const altered of [
        { ...binding, amount: 12_501 },
        { ...binding, currency: 'USD' },
        { ...binding, payeeId: 'merchant-8' },
        { ...binding, requestId: 'req-0002' },
      ]) {
        await assert.rejects(wallet.verifyApprovalProof(db, userId, altered, { method: 'passkey', response }), { code: 'APPROVAL_PROOF_INVALID' });
      }
      assert.deepEqual(await wallet.verifyApprovalProof(db, userId, binding, { method: 'passkey', response }), { method: 'passkey' });
      await assert.rejects(wallet.verifyApprovalProof(db, userId, binding, { method: 'passkey', response }), { code: 'APPROVAL_PROOF_REPLAYED' });
    });

    it("refuses a tampered signature, and another user's challenge or passkey", async () => {
      const response = (await assertion(await wallet.approvalOptions(db, userId, binding))) as any;
      const sig = Buffer.from(response.response.signature, 'base64url');
      sig[sig.length - 1] = sig[sig.length - 1]! ^ 1;
      await assert.rejects(
        wallet.verifyApprovalProof(db, userId, binding, { method: 'passkey', response: { ...response, response: { ...response.response, signature: sig.toString('base64url') } } }),
        { code: 'APPROVAL_PROOF_INVALID' },
      );
      const demo = await wallet.seedDemoWallet(db);
      const other = demo.users[0]!.userId;
      const mine = await assertion(await wallet.approvalOptions(db, userId, binding));
      await assert.rejects(wallet.verifyApprovalProof(db, other, binding, { method: 'passkey', response: mine }), { code: 'APPROVAL_PROOF_INVALID' });
      // A challenge issued to the other user (who has no passkey), answered by this user's passkey.
      const theirs = await assertion(await wallet.approvalOptions(db, other, binding));
      await assert.rejects(wallet.verifyApprovalProof(db, other, binding, { method: 'passkey', response: theirs }), { code: 'APPROVAL_PROOF_INVALID' });
    });

    it('the payment password is the fallback, unless the site requires the passkey', async () => {
      assert.deepEqual(await wallet.verifyApprovalProof(db, userId, binding, { method: 'password', password: '246810' }), { method: 'password' });
      await assert.rejects(wallet.verifyApprovalProof(db, userId, binding, { method: 'password', password: '246810' }, { requirePasskey: true }), { code: 'APPROVAL_PASSKEY_REQUIRED' });
    });
  });

  it('offline: the service worker keeps the shell and the page shows the last known state, marked', async () => {
    await page.goto(origin + '/wallet/?lang=en');
    await screen('sign-in').or(screen('requests')).waitFor();
    if (await screen('sign-in').isVisible()) {
      // The sign-in limit test used up this phone's window; start a new one.
      await db.query('DELETE FROM wallet_rate_limits');
      await page.getByRole('button', { name: 'Sign in with passkey' }).click();
      await screen('requests').waitFor();
    }
    await tab('cards');
    await page.getByTestId('card-row').first().waitFor();
    await until('controlled by the service worker', () => page.evaluate(() => !!navigator.serviceWorker.controller));
    await server.app.close();
    await page.reload();
    await page.getByTestId('offline-banner').waitFor();
    assert.match((await page.getByTestId('offline-banner').textContent()) ?? '', /Offline/);
    await page.getByText('Hello, Hana Choi').waitFor();
    await tab('cards');
    await page.getByTestId('card-row').filter({ hasText: '1111' }).waitFor();
    assert.equal(await page.getByRole('button', { name: 'Save card' }).isDisabled(), true, 'actions wait for the connection');
    await page.screenshot({ path: shot('12-offline-en') });
  });
});
