/**
 * The elevator flow end to end, for people: the central server (PostgreSQL,
 * or PGlite where none runs), a building gateway with the lobby terminal, the
 * card terminal and elevator simulators as their own processes on the CURVE
 * bus, and two screens in Chromium: the lobby terminal (the courier) and the
 * orderer's wallet (a phone, the demo resident of unit 1203).
 *
 * Every outcome the issue lists: delivered (with a faulted car passed over
 * and a second charge of the used card declined by the issuer), declined by
 * the orderer, unknown unit (the neutral answer, then throttled), unknown
 * courier, card expired before the charge, an approval the terminal never
 * received (reversed), elevator fault before and after loading (refunded,
 * the goods back at the lobby), goods not taken out (refunded), the server
 * unreachable (said at once, the entry kept), no answer in time. The ledger
 * balances after each; no screen or gateway file holds the card number.
 * The orderer's wallet follows each delivery (progress, outcome, what
 * happened to the money) and confirms the unload ("goods taken out"); the
 * lobby's scanner reads a courier's company app QR code; a refund the server
 * could not take survives a gateway restart and is made once; the lobby on a
 * portrait touch screen in both languages, axe-clean.
 * Screenshots in test-artifacts/elevator-flow/.
 */
import { describe, it, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { CSRF_HEADER, ELEVATOR_PATHS, type LobbyStep, type OrdererDeliveryStatus } from '../../core/index.ts';
import { DeviceBusClient, newTerminalKey, startGatewayRuntime, startNetworkLink, type GatewayRuntime, type GatewayRuntimeConfig, type NetworkLink } from '../../edge-services/index.ts';
import { startServer, serverTesting, wallet, ledger, type RunningServer } from '../../server/index.ts';
import { buildUi, CHROMIUM } from '../ui/browser.ts';
import { assertAccessible } from '../ui/axe.ts';
import { until } from '../support/wait.ts';

const ARTIFACTS = join(import.meta.dirname, '..', '..', 'test-artifacts', 'elevator-flow');
const ADMIN = 'elevator-flow-admin-token-0123456789';
const SITE = 'tower-lobby';
const COURIER = 'QUICK-7421';

describe('elevator delivery: lobby terminal, wallet, issuer, card terminal and goods elevator', { timeout: 300_000 }, () => {
  let database: serverTesting.TestDatabase;
  let server: RunningServer;
  let link: NetworkLink;
  let runtime: GatewayRuntime;
  let ui: Awaited<ReturnType<typeof buildUi>>;
  let browser: Browser;
  let lobby: Page;
  let phone: Page;
  let dataDir: string;
  let resident: string;
  let runtimeConfig: GatewayRuntimeConfig;
  let shots = 0;

  const admin = async (path: string, body: unknown, method = 'POST') => {
    const res = await fetch(server.url + path, { method, headers: { authorization: 'Bearer ' + ADMIN, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const text = await res.text();
    assert.ok(res.ok, `${path}: ${res.status} ${text}`);
    return JSON.parse(text);
  };
  const shot = (page: Page, name: string) => page.screenshot({ path: join(ARTIFACTS, `${String(++shots).padStart(2, '0')}-${name}.png`) });
  const step = (s: LobbyStep, timeout = 20_000) =>
    lobby
      .locator(`[data-step="${s}"]`)
      .waitFor({ timeout })
      .catch((err) => {
        const { step: at, reason, car } = runtime.lobby!.view();
        throw new Error(`the lobby did not reach ${s}: it is at ${at} (reason ${reason}, car ${JSON.stringify(car)})`, { cause: err });
      });
  const sim = (name: 'elevator' | 'card-terminal', message: Record<string, unknown>) => assert.ok(runtime.simulators!.control(name, message));

  /** The courier's entry on the lobby screen. */
  const enter = async (unit: string, amount: number, code = COURIER) => {
    if (await lobby.getByRole('button', { name: 'New delivery' }).isVisible()) await lobby.getByRole('button', { name: 'New delivery' }).click();
    await lobby.getByLabel('Courier code').fill(code);
    await lobby.getByLabel('Unit').fill(unit);
    await lobby.getByLabel('Amount').fill(String(amount));
    await lobby.getByRole('button', { name: /Ask the orderer|Try again/ }).click();
  };
  /** The orderer's phone: the request appears live; approve with the payment password, or decline. */
  const answer = async (how: 'approve' | 'decline', name: string) => {
    const request = phone.locator('[data-testid="request"]').first();
    await request.waitFor();
    await shot(phone, `${name}-phone-request`);
    if (how === 'decline') {
      await request.getByRole('button', { name: 'Decline' }).click();
    } else {
      await request.getByRole('button', { name: 'Approve with payment password' }).click();
      await phone.getByLabel('Payment password').fill(wallet.DEMO_PAYMENT_PASSWORD);
      await request.locator('.inline-form').getByRole('button', { name: 'Approve with payment password' }).click();
    }
    await phone
      .locator('[data-testid="request"]')
      .first()
      .waitFor({ state: 'detached' })
      .catch(() => undefined);
  };
  /** The orderer's wallet shows the delivery at this status (the panel polls every second). */
  const phoneShows = async (status: OrdererDeliveryStatus, name?: string, id = runtime.lobby!.view().deliveryId!, timeout = 20_000) => {
    await phone
      .locator(`[data-testid="delivery"][data-delivery-id="${id}"][data-status="${status}"]`)
      .waitFor({ timeout })
      .catch(async (err) => {
        const at = await phone
          .locator(`[data-testid="delivery"][data-delivery-id="${id}"]`)
          .getAttribute('data-status', { timeout: 1_000 })
          .catch(() => 'absent');
        throw new Error(`the wallet did not show ${status}: it shows ${at}`, { cause: err });
      });
    if (name) await shot(phone, `phone-${name}`);
  };
  /** A call of the wallet's API from the phone's page (its session cookie and CSRF token). */
  const phoneCall = (method: 'GET' | 'POST', path: string) =>
    phone.evaluate(
      async ({ method, path, header }) => {
        const session = await (await fetch('/wallet/api/session')).json();
        const res = await fetch(path, { method, headers: { [header]: session.csrfToken } });
        return { status: res.status, body: await res.json() };
      },
      { method, path, header: CSRF_HEADER },
    );
  const deliveryRow = async () => (await server.db.query<any>('SELECT * FROM elevator_deliveries WHERE id = $1', [runtime.lobby!.view().deliveryId])).rows[0];
  const carOf = () => runtime.lobby!.view().car!.car;

  before(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    database = await serverTesting.freshPostgres();
    ui = await buildUi();
    server = await startServer({
      ...(database.databaseUrl ? { databaseUrl: database.databaseUrl } : {}),
      adminToken: ADMIN,
      port: 0,
      logger: false,
      wallet: { demoSignIn: true, uiDir: ui.dir },
    });
    const demo = await wallet.seedDemoWallet(server.db);
    resident = demo.users.find((u) => u.role === 'resident')!.userId;
    // Only one resident answers in this test: the other one leaves the unit.
    await server.db.query('DELETE FROM wallet_memberships WHERE unit = $1 AND user_id <> $2', [demo.unit, resident]);
    const gateway = await admin('/admin/gateways', { siteId: SITE, name: 'EdgePay Tower lobby' });
    const terminalKey = newTerminalKey();
    await admin('/admin/issuer/terminals/terminal-1', { publicKey: terminalKey.publicKey }, 'PUT');
    await admin(`/admin/elevator/sites/${SITE}`, { buildingId: demo.buildingId, terminalId: 'terminal-1', place: 'EdgePay Tower lobby', cardLifeSeconds: 300, answerSeconds: 60 }, 'PUT');
    await admin('/admin/elevator/couriers', { code: COURIER, merchantId: 'quick-delivery', merchantName: 'Quick Delivery' });
    link = await startNetworkLink(server.url);
    dataDir = mkdtempSync(join(tmpdir(), 'edgepay-elevator-'));
    runtimeConfig = {
      dataDir,
      siteId: SITE,
      gatewayId: gateway.gatewayId,
      server: { url: link.url, credential: gateway.credential },
      operatorPin: '246810',
      devices: {
        simulators: {
          only: ['card-terminal', 'elevator'],
          options: {
            'card-terminal': { cardKey: terminalKey.privateKey, issuerUrl: server.url, stepMs: 20 },
            elevator: { cars: 2, floorTravelMs: 25, doorMs: 25, highestFloor: 20, unloadTimeoutMs: 8_000 },
          },
        },
      },
      awaitCardTerminal: true,
      http: { port: 0, uiDir: ui.dir },
      // Settlements try the server 4 times (2 s) before waiting in the ledger's outbox, resent every second.
      lobby: { currency: 'KRW', serverTries: 4, outboxRetryMs: 1_000 },
    };
    runtime = await startGatewayRuntime(runtimeConfig);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      timeout: 60_000,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--host-resolver-rules=MAP localhost 127.0.0.1'],
    });
    const lobbyContext = await browser.newContext({ viewport: { width: 800, height: 1000 }, locale: 'en-US' });
    lobbyContext.setDefaultTimeout(20_000);
    lobby = await lobbyContext.newPage();
    await lobby.goto(`${runtime.api!.url}/lobby?lang=en`);
    const phoneContext = await browser.newContext({ viewport: { width: 375, height: 812 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true, locale: 'en-US' });
    phoneContext.setDefaultTimeout(20_000);
    phone = await phoneContext.newPage();
    await phone.goto(`${server.url.replace('127.0.0.1', 'localhost')}/wallet/demo/${resident}`);
    await phone.getByRole('button', { name: '영어로 바꾸기' }).click();
    await phone.locator('[data-tab="requests"]').click();
  });
  after(async () => {
    await browser?.close().catch(() => undefined);
    await runtime?.stop();
    await link?.close();
    await server?.close();
    ui?.remove();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    await database?.drop();
  });
  afterEach(async () => serverTesting.assertLedgerBalanced(server.db));

  it('delivers: request, approval on the phone, card, charge, a car in service, loading, the floor, goods taken', async (t) => {
    sim('elevator', { action: 'fault', fault: 'out-of-service', active: true, car: 1 });
    // Whatever fails below, car 1 is back in service for the next cases.
    t.after(() => sim('elevator', { action: 'fault', fault: 'out-of-service', active: false, car: 1 }));
    await enter('1203', 23_000);
    await step('waiting-orderer');
    await shot(lobby, 'lobby-waiting');
    await answer('approve', 'delivered');
    await step('load-goods');
    assert.equal(carOf(), 2, 'the faulted car is passed over');
    await shot(lobby, 'lobby-load-goods');
    await phoneShows('elevator-coming', 'elevator-coming');
    // "Goods taken out" does not apply before the car is at the floor.
    const early = await phoneCall('POST', ELEVATOR_PATHS.walletUnloaded(runtime.lobby!.view().deliveryId!));
    assert.equal(early.status, 409);
    assert.equal(early.body.code, 'ELEVATOR_NOT_AT_FLOOR');
    assert.equal(await phone.getByRole('button', { name: 'Goods taken out' }).count(), 0);
    await lobby.getByRole('button', { name: 'Goods are in' }).click();
    await step('arrived');
    assert.equal(runtime.lobby!.view().car!.floor, 12);
    await shot(lobby, 'lobby-arrived');
    await phoneShows('arrived', 'at-your-floor');
    // Another delivery id (or another user's) reads as missing.
    const other = await phoneCall('POST', ELEVATOR_PATHS.walletUnloaded('not-a-delivery-0001'));
    assert.equal(other.status, 404);
    // The orderer takes the goods out and says so on the phone: the gateway tells the elevator.
    await phone.getByRole('button', { name: 'Goods taken out' }).click();
    await step('delivered');
    await shot(lobby, 'lobby-delivered');
    await phoneShows('delivered', 'delivered');
    assert.equal(await phone.locator(`[data-delivery-id="${runtime.lobby!.view().deliveryId}"]`).locator('[data-money="charged"]').count(), 1);
    const row = await deliveryRow();
    assert.equal(row.state, 'delivered');
    assert.equal(row.sealed_card, null, 'the sealed card is dropped once used');
    const card = (await server.db.query<any>('SELECT state, close_reason FROM issuer_cards WHERE id = $1', [row.card_id])).rows[0];
    assert.deepEqual(card, { state: 'closed', close_reason: 'delivered' });
    const merchant = await ledger.balances(server.db, 'merchant_payable:merchant:quick-delivery:KRW');
    assert.equal(merchant.creditsPosted, 23_000, 'the merchant is paid');
    // The card is single use: a second charge of it is declined by the issuer.
    sim('card-terminal', { action: 'charge-again', reference: row.id });
    await until(
      'the second charge decided',
      async () => (await server.db.query('SELECT 1 FROM issuer_authorisations WHERE card_id = $1 AND decision = $2', [row.card_id, 'declined'])).rows.length === 1,
    );
    const auths = (await server.db.query<any>('SELECT decision, reason FROM issuer_authorisations WHERE card_id = $1 ORDER BY created_at', [row.card_id])).rows;
    assert.deepEqual(
      auths.map((a) => [a.decision, a.reason]),
      [
        ['approved', null],
        ['declined', 'card-closed'],
      ],
    );
    sim('elevator', { action: 'fault', fault: 'out-of-service', active: false, car: 1 });
  });

  it("shows the orderer's decline", async () => {
    await enter('1203', 18_000);
    await step('waiting-orderer');
    await answer('decline', 'declined');
    await step('declined');
    await shot(lobby, 'lobby-declined');
  });

  it("identifies the courier by their company app's QR code, read by the lobby's scanner on the bus", async () => {
    if (await lobby.getByRole('button', { name: 'New delivery' }).isVisible()) await lobby.getByRole('button', { name: 'New delivery' }).click();
    await lobby.getByLabel('Courier code').fill('');
    const scanner = DeviceBusClient.connect(runtime.bus.enrollNewDevice('scanner-lobby', 'scanner'), { model: 'lobby scanner', firmware: 'test' });
    try {
      await until(
        'the scanner is on the bus',
        async () => {
          // A product's barcode is not a courier: it fills nothing.
          await scanner.publish('scanner.scan', { code: '8801234567893', source: 'hid-pos', complete: true });
          await scanner.publish('scanner.scan', { code: 'EDGEPAY-COURIER:QUICK-7421', source: 'hid-pos', complete: true });
          return runtime.lobby!.view().scan !== null;
        },
        15_000,
        300,
      );
      await until('the code is in the field', async () => (await lobby.getByLabel('Courier code').inputValue()) === COURIER);
      await lobby.getByText("Courier identified by the company app's QR code.").waitFor();
      // The unit and the amount on the screen's keypad (touch), not a keyboard.
      await lobby.getByLabel('Unit').fill('');
      await lobby.getByLabel('Amount').fill('');
      await lobby.getByLabel('Unit').focus();
      for (const k of '1203') await lobby.getByRole('group', { name: 'Keypad' }).getByRole('button', { name: k, exact: true }).click();
      await lobby.getByLabel('Amount').focus();
      for (const k of ['1', '5', '00', '0']) await lobby.getByRole('group', { name: 'Keypad' }).getByRole('button', { name: k, exact: true }).click();
      assert.equal(await lobby.getByLabel('Unit').inputValue(), '1203');
      assert.equal(await lobby.getByLabel('Amount').inputValue(), '15000');
      await shot(lobby, 'lobby-qr-scanned');
      await lobby.getByRole('button', { name: 'Ask the orderer' }).click();
      await step('waiting-orderer');
      assert.equal(runtime.lobby!.view().merchantName, 'Quick Delivery', 'the QR code named the merchant');
      await answer('decline', 'qr');
      await step('declined');
    } finally {
      await scanner.close();
      runtime.bus.devices.revoke('scanner-lobby');
    }
  });

  it('uses a portrait touch screen: the entry and its keypad, or the steps, fill it; both languages; axe-clean', async () => {
    const context = await browser.newContext({ viewport: { width: 1080, height: 1920 }, hasTouch: true, locale: 'ko-KR' });
    try {
      const page = await context.newPage();
      for (const lang of ['en', 'ko'] as const) {
        await page.goto(`${runtime.api!.url}/lobby?lang=${lang}`);
        // The page shows its state only once it has asked the gateway: wait for either screen before looking.
        await page.locator('.lobby-form, .lobby-actions button').first().waitFor();
        if (await page.locator('.lobby-actions button').count()) await page.locator('.lobby-actions button').last().click();
        await page.locator('.lobby-form').waitFor();
        const main = (await page.locator('.lobby-main').boundingBox())!;
        const form = (await page.locator('.lobby-form').boundingBox())!;
        assert.ok(form.height > 0.85 * main.height, `${lang}: the entry fills the screen (${Math.round(form.height)} of ${Math.round(main.height)} px)`);
        const key = (await page.locator('.lobby-keypad button').first().boundingBox())!;
        assert.ok(key.height >= 64 && key.width >= 64, `${lang}: keypad keys are touch targets (${Math.round(key.width)}x${Math.round(key.height)})`);
        const fontPx = await page.locator('.lobby').evaluate((el) => parseFloat(getComputedStyle(el).fontSize));
        assert.ok(fontPx >= 30, `${lang}: text sized for the screen (${fontPx}px)`);
        assert.equal(await page.locator('html').getAttribute('lang'), lang);
        await assertAccessible(page, `the lobby (${lang}, portrait, entry)`);
        await shot(page, `lobby-portrait-${lang}`);
      }
      // A delivery's steps fill the portrait screen too (here an orderer's decline, in Korean).
      await page.getByLabel('배달원 코드').fill(COURIER);
      await page.getByLabel('세대').fill('1203');
      await page.getByLabel('금액').fill('11000');
      await page.getByRole('button', { name: '주문자에게 요청' }).click();
      await page.locator('[data-step="waiting-orderer"]').waitFor();
      const main = (await page.locator('.lobby-main').boundingBox())!;
      const steps = (await page.locator('.lobby-progress').boundingBox())!;
      assert.ok(steps.height > 0.5 * main.height, `the steps fill the screen (${Math.round(steps.height)} of ${Math.round(main.height)} px)`);
      await assertAccessible(page, 'the lobby (ko, portrait, waiting)');
      await shot(page, 'lobby-portrait-ko-waiting');
      await answer('decline', 'portrait');
      await page.locator('[data-step="declined"]').waitFor();
      await assertAccessible(page, 'the lobby (ko, portrait, declined)');
      await shot(page, 'lobby-portrait-ko-declined');
      await page.locator('.lobby-actions button').click();
      await lobby.locator('.lobby-form').waitFor(); // the courier's screen is back at an empty entry too
    } finally {
      await context.close();
    }
  });

  it('gives an unknown unit and an empty unit one neutral answer, throttles guessing, refuses an unknown courier', async () => {
    await enter('9999', 5_000);
    await step('unit-unavailable');
    await shot(lobby, 'lobby-unit-unavailable');
    await enter('1204', 5_000); // a real unit where nobody is registered: the same answer
    await step('unit-unavailable');
    for (const unit of ['701', '702', '703']) {
      await enter(unit, 5_000);
      await step('unit-unavailable');
    }
    await enter('704', 5_000);
    await step('too-many-tries');
    await shot(lobby, 'lobby-too-many-tries');
    await server.db.query("UPDATE elevator_deliveries SET created_at = created_at - interval '1 hour' WHERE state = 'no-orderer'");
    await enter('1203', 5_000, 'NOT-A-COURIER');
    await step('courier-unknown');
  });

  it('declines a card that expired before the charge: nothing is taken', async () => {
    sim('card-terminal', { action: 'hold-authorisations', ms: 1_500 });
    await enter('1203', 12_000);
    await step('waiting-orderer');
    await answer('approve', 'expired');
    await step('charging');
    await server.db.query("UPDATE issuer_cards SET expires_at = now() - interval '1 second' WHERE reference = $1", ['elevator:' + runtime.lobby!.view().deliveryId]);
    await step('card-declined');
    assert.equal(runtime.lobby!.view().reason, 'card-expired');
    await shot(lobby, 'lobby-card-expired');
    assert.equal((await deliveryRow()).state, 'card-failed');
    await phoneShows('card-declined', 'card-declined');
    assert.equal(await phone.locator(`[data-delivery-id="${runtime.lobby!.view().deliveryId}"]`).locator('[data-money="voided"]').count(), 1);
  });

  it('reverses an approval the terminal never received', async () => {
    sim('card-terminal', { action: 'lose-approvals', count: 3 });
    await enter('1203', 14_000);
    await step('waiting-orderer');
    await answer('approve', 'lost-approval');
    await step('card-declined');
    const row = await deliveryRow();
    const auth = (await server.db.query<any>("SELECT settlement FROM issuer_authorisations WHERE card_id = $1 AND decision = 'approved'", [row.card_id])).rows[0];
    assert.equal(auth.settlement, 'reversed', 'the held approval was reversed');
    const funding = await ledger.balances(server.db, `buyer_funding:wallet:${resident}:KRW`);
    assert.equal(funding.debitsPending, 0, 'no money stays held');
  });

  for (const when of ['before', 'after'] as const) {
    it(`refunds when the elevator faults ${when} loading, and the goods come back to the lobby`, async (t) => {
      await enter('1203', 16_000);
      await step('waiting-orderer');
      await answer('approve', `fault-${when}`);
      await step('load-goods');
      const car = carOf();
      if (when === 'after') {
        await lobby.getByRole('button', { name: 'Goods are in' }).click();
        await until('the car leaves the lobby', () => (runtime.lobby!.view().car?.floor ?? 0) >= 2);
      }
      sim('elevator', { action: 'fault', fault: 'out-of-service', active: true, car });
      t.after(() => sim('elevator', { action: 'fault', fault: 'out-of-service', active: false, car }));
      await step('elevator-fault');
      await shot(lobby, `lobby-fault-${when}-loading`);
      assert.equal((await deliveryRow()).state, 'refunded');
      await phoneShows('elevator-fault', `fault-${when}-loading`);
      assert.equal(await phone.locator(`[data-delivery-id="${runtime.lobby!.view().deliveryId}"]`).locator('[data-money="refunded"]').count(), 1);
      sim('elevator', { action: 'fault', fault: 'out-of-service', active: false, car });
      await until('the car is back and idle', async () => {
        const { cars } = await runtime.bus.bus.command('elevator-1', 'elevator.status', {});
        return cars.every((c) => (c.direction === 'idle' && c.door === 'closed') || (c.door === 'open' && c.floor === 0));
      });
    });
  }

  it('refunds goods nobody took out; they come back to the lobby', async () => {
    // The car that brought the last goods back may still stand open at the lobby: wait until both rest.
    await until('cars at rest', async () => (await runtime.bus.bus.command('elevator-1', 'elevator.status', {})).cars.some((c) => c.door === 'closed' && c.direction === 'idle' && c.loadKg === 0));
    await enter('1203', 9_000);
    await step('waiting-orderer');
    await answer('approve', 'not-taken');
    await step('load-goods');
    await lobby.getByRole('button', { name: 'Goods are in' }).click();
    await step('arrived');
    await step('not-taken', 20_000);
    await shot(lobby, 'lobby-not-taken');
    assert.equal((await deliveryRow()).state, 'refunded');
    await phoneShows('not-taken', 'not-taken');
    assert.equal(await phone.getByRole('button', { name: 'Goods taken out' }).count(), 0, 'nothing left to confirm');
  });

  it('says at once that an approval needs the server, and keeps the entry', async () => {
    await link.setEnabled(false);
    try {
      const started = Date.now();
      await enter('1203', 7_000);
      await step('server-unreachable');
      assert.ok(Date.now() - started < 3_000, 'said at once');
      assert.equal(await lobby.getByLabel('Unit').inputValue(), '1203');
      assert.equal(await lobby.getByLabel('Amount').inputValue(), '7000');
      await shot(lobby, 'lobby-server-unreachable');
    } finally {
      await link.setEnabled(true);
    }
  });

  it("keeps a refund the server could not take in the gateway's ledger, and makes it once after a restart", async () => {
    // The courier takes back the goods the earlier cases brought down: those cars close and serve again.
    for (const c of (await runtime.bus.bus.command('elevator-1', 'elevator.status', {})).cars) if (c.loadKg > 0) sim('elevator', { action: 'take-goods', car: c.car });
    await until('cars at rest', async () => (await runtime.bus.bus.command('elevator-1', 'elevator.status', {})).cars.some((c) => c.door === 'closed' && c.direction === 'idle' && c.loadKg === 0));
    await enter('1203', 8_000);
    await step('waiting-orderer');
    await answer('approve', 'outbox');
    await step('load-goods');
    const id = runtime.lobby!.view().deliveryId!;
    const car = carOf();
    await lobby.getByRole('button', { name: 'Goods are in' }).click();
    await until('the car leaves the lobby', () => (runtime.lobby!.view().car?.floor ?? 0) >= 2);
    await link.setEnabled(false);
    sim('elevator', { action: 'fault', fault: 'out-of-service', active: true, car });
    await step('elevator-fault');
    await lobby.getByText('The payment will be given back as soon as the server can be reached').waitFor();
    await shot(lobby, 'lobby-refund-queued');
    assert.deepEqual(
      (await runtime.lobby!.pendingSettlements()).map((p) => [p.id, p.action]),
      [[id, 'refund']],
    );
    assert.equal((await deliveryRow()).state, 'charged', 'the server has not heard of it yet');
    // The gateway stops (a power cut) before the server is back: the refund is only in its ledger file.
    await runtime.stop();
    await link.setEnabled(true);
    runtime = await startGatewayRuntime(runtimeConfig);
    await until('the kept refund reached the server', async () => (await server.db.query<any>('SELECT state FROM elevator_deliveries WHERE id = $1', [id])).rows[0].state === 'refunded', 30_000);
    await until('the outbox is empty', async () => (await runtime.lobby!.pendingSettlements()).length === 0);
    const cardId = (await server.db.query<any>('SELECT card_id FROM elevator_deliveries WHERE id = $1', [id])).rows[0].card_id;
    const refunds = (await server.db.query<any>("SELECT debit_account_id FROM ledger_transfers WHERE code = 'refund' AND reference = $1", ['issuer-card:' + cardId])).rows;
    assert.equal(refunds.length, 2, 'one refund: merchant to float, float to the orderer');
    // Sent again (as after a crash between the server's answer and the outbox's removal): the same answer, no money moves.
    const again = await fetch(`${server.url}${ELEVATOR_PATHS.refund(id)}`, {
      method: 'POST',
      headers: { authorization: 'Bearer ' + runtimeConfig.server!.credential, 'content-type': 'application/json' },
      body: JSON.stringify({ reason: 'elevator-fault' }),
    });
    assert.equal(again.status, 200);
    assert.equal((await server.db.query<any>("SELECT count(*)::int AS n FROM ledger_transfers WHERE code = 'refund' AND reference = $1", ['issuer-card:' + cardId])).rows[0].n, 2);
    await lobby.goto(`${runtime.api!.url}/lobby?lang=en`);
    await phoneShows('elevator-fault', 'refund-after-restart', id);
  });

  it('says so when nobody answers in time', async () => {
    await admin(`/admin/elevator/sites/${SITE}`, { buildingId: 'demo-tower', terminalId: 'terminal-1', place: 'EdgePay Tower lobby', cardLifeSeconds: 300, answerSeconds: 5 }, 'PUT');
    await enter('1203', 6_000);
    await step('waiting-orderer');
    await step('no-answer', 15_000);
    await shot(lobby, 'lobby-no-answer');
  });
});
