/**
 * The wallet's "Pay" tab and the relay terminal's screen in Chromium (a phone
 * sized page, the wallet signed in by the demo's one-click address): the
 * payment code as barcode and QR, the terminal's scanner reading it, the
 * terminal's screen and the phone both showing "paid"; a simulated NFC tap
 * paying at a stand-alone terminal and collecting points at one paired with a
 * POS. Screenshots in test-artifacts/relay/.
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { PNG } from 'pngjs';
import { readBarcodesInImage } from '../../edge-services/index.ts';
import { wallet } from '../../server/index.ts';
import { buildUi, CHROMIUM } from '../ui/browser.ts';
import { RelayWorld, scanAt } from './relay-world.ts';

const ARTIFACTS = join(import.meta.dirname, '..', '..', 'test-artifacts', 'relay');
const shot = (name: string) => join(ARTIFACTS, `${name}.png`);

describe('relay in the wallet and on the terminal screen (Chromium)', () => {
  let world: RelayWorld;
  let ui: Awaited<ReturnType<typeof buildUi>>;
  let browser: Browser;
  let phone: Page;
  let screen: Page;
  let terminalUrl: string;

  before(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    ui = await buildUi();
    world = await RelayWorld.start({ walletUiDir: ui.dir });
    const [direct] = await Promise.all([world.terminal('T-UI', 15_000), world.pairedTerminal('T-UI-POS', { sale: 9_000 })]);
    terminalUrl = direct.url;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--host-resolver-rules=MAP localhost 127.0.0.1'],
      timeout: 60_000,
    });
    const phoneContext = await browser.newContext({ viewport: { width: 375, height: 812 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true, locale: 'ko-KR' });
    phoneContext.setDefaultTimeout(20_000);
    phone = await phoneContext.newPage();
    screen = await (await browser.newContext({ viewport: { width: 800, height: 900 } })).newPage();
  });
  after(async () => {
    await browser?.close().catch(() => undefined);
    await world?.stop();
    ui?.remove();
  });

  test('the phone shows its code; the terminal scans it; both show it paid', async () => {
    const shopper = (await wallet.demoUsers(world.server.db)).find((u) => u.role === 'shopper')!;
    const origin = world.server.url.replace('127.0.0.1', 'localhost');
    await phone.goto(`${origin}/wallet/demo/${shopper.userId}`);
    await phone.click('[data-tab="pay"]');
    const digits = (await phone.locator('[data-testid="relay-barcode"]').textContent())!.replace(/\s/g, '');
    assert.match(digits, /^991[0-9]{17}$/);
    await phone.locator('[data-testid="relay-qr"]').waitFor();
    await phone.screenshot({ path: shot('phone-code'), fullPage: true });

    // What a scanner pointed at the phone reads: the ITF barcode and the CPM QR, decoded from the pixels (zxing-wasm).
    const png = PNG.sync.read(await phone.locator('[data-testid="relay-code"]').screenshot());
    const rgb = new Uint8Array(png.width * png.height * 3);
    for (let i = 0, j = 0; i < png.data.length; i += 4, j += 3) rgb.set(png.data.subarray(i, i + 3), j);
    const reads = await readBarcodesInImage({ width: png.width, height: png.height, data: rgb }, { formats: ['ITF', 'QRCode'] });
    const seenBarcode = reads.find((r) => r.format === 'ITF')?.text;
    assert.equal(seenBarcode, digits, JSON.stringify(reads.map((r) => r.format)));
    assert.ok(
      reads.some((r) => r.format === 'QRCode' && r.text.startsWith('hQVDUFYwMW')),
      'the QR holds a CPV01 payload',
    );

    await screen.goto(terminalUrl);
    await screen.locator('#terminal-id', { hasText: 'T-UI' }).waitFor();
    // The terminal's scanner reads the barcode on the phone's screen.
    const answer = await scanAt(terminalUrl, seenBarcode!);
    assert.equal(answer.relay?.status, 'paid', JSON.stringify(answer));
    await screen.locator('#result.ok').waitFor();
    assert.match((await screen.locator('#result-detail').textContent())!, /15,000/);
    await screen.screenshot({ path: shot('terminal-paid'), fullPage: true });
    await phone.locator('[data-testid="relay-latest"] li[data-status="paid"]').first().waitFor();
    await phone.screenshot({ path: shot('phone-paid'), fullPage: true });
    // The spent code is replaced by a fresh one.
    await phone.waitForFunction((old) => document.querySelector('[data-testid="relay-barcode"]')?.textContent?.replace(/\s/g, '') !== old, digits);
  });

  test('a simulated tap pays at a stand-alone terminal and collects points at a paired one', async () => {
    await phone.fill('[data-testid="relay-terminal"]', 'T-UI');
    await phone.click('[data-testid="relay-tap-pay"]');
    await phone.locator('[data-testid="relay-message"].ok', { hasText: 'paid' }).waitFor();
    await phone.fill('[data-testid="relay-terminal"]', 'T-UI-POS');
    await phone.click('[data-testid="relay-tap-points"]');
    await phone.locator('[data-testid="relay-message"].ok', { hasText: 'accrued' }).waitFor();
    assert.match((await phone.locator('[data-testid="relay-message"]').textContent())!, /90 P/);
    await phone.screenshot({ path: shot('phone-points'), fullPage: true });
    // An unknown terminal: refused with the registry's message, nothing relayed.
    await phone.fill('[data-testid="relay-terminal"]', 'T-NOWHERE');
    await phone.click('[data-testid="relay-tap-pay"]');
    await phone.locator('[data-testid="relay-message"].error').waitFor();
    await phone.screenshot({ path: shot('phone-unknown-terminal'), fullPage: true });
  });
});
