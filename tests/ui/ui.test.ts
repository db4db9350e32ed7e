/**
 * End to end in a real browser (Debian's Chromium) against the real store:
 * the kiosk (portrait 1080x1920) and the operator console (desktop) served
 * by the gateway's API. A checkout online, declined, offline stored then
 * forwarded, refused over the limit, the console's views, both languages,
 * idle reset. Screenshots go to test-artifacts/ui/.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { buildUi, launchBrowser, shot } from './browser.ts';
import { frameBytes, loadManifest } from '../../edge-services/index.ts';
import { ITEMS, PIN, startStore, until, type Store } from './harness.ts';

describe('kiosk and console in Chromium', { timeout: 240_000 }, () => {
  let store: Store;
  let ui: Awaited<ReturnType<typeof buildUi>>;
  let browser: Awaited<ReturnType<typeof launchBrowser>>;
  let kiosk: Page;
  let consolePage: Page;

  /** A keyboard-wedge scan: the code typed, then Enter. */
  const scan = async (barcode: string) => {
    await kiosk.keyboard.type(barcode);
    await kiosk.keyboard.press('Enter');
  };
  const lines = () => kiosk.getByTestId('basket-line');

  before(async () => {
    ui = await buildUi();
    store = await startStore({ uiDir: ui.dir });
    browser = await launchBrowser();
    kiosk = await browser.context.newPage();
    await kiosk.goto(store.api.kioskUrl + '?lang=en&result=600000');
  });
  after(async () => {
    await browser?.close();
    await store?.stop();
    ui?.remove();
  });

  it('serves the UI with a strict CSP', async () => {
    const res = await fetch(store.api.kioskUrl);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-security-policy') ?? '', /script-src 'self'/);
  });

  it('checkout online: scanned items appear, quantities, approved', { timeout: 60_000 }, async () => {
    await kiosk.getByRole('heading', { name: 'Scan your items' }).waitFor();
    await kiosk.screenshot({ path: shot('kiosk-welcome-en') });
    await scan(ITEMS.water.barcode);
    await scan(ITEMS.kimbap.barcode);
    await until('two lines', async () => (await lines().count()) === 2);
    await kiosk.getByRole('button', { name: `One more ${ITEMS.water.name}` }).click();
    await until('quantity 2', async () => (await kiosk.getByTestId('total').textContent())?.includes('5,300') ?? false);
    await kiosk.screenshot({ path: shot('kiosk-basket-en') });
    await kiosk.getByRole('button', { name: /^Pay .* by card$/ }).click();
    const result = kiosk.getByRole('alertdialog');
    await kiosk.locator('[data-state="approved"]').waitFor();
    assert.match((await result.textContent()) ?? '', /Payment approved/);
    assert.match((await result.textContent()) ?? '', /476173…0010/);
    await kiosk.screenshot({ path: shot('kiosk-approved-en') });
    await kiosk.getByRole('button', { name: 'Done' }).click();
    await kiosk.getByRole('heading', { name: 'Scan your items' }).waitFor();
  });

  it('checkout declined by the card, unknown barcode, remove', { timeout: 60_000 }, async () => {
    await scan('1234567890');
    await kiosk.getByRole('alert').filter({ hasText: 'not in our catalogue' }).waitFor();
    await scan(ITEMS.declined.barcode);
    await until('one line', async () => (await lines().count()) === 1);
    await kiosk.getByRole('button', { name: /^Pay .* by card$/ }).click();
    await kiosk.locator('[data-state="declined"]').waitFor();
    await kiosk.screenshot({ path: shot('kiosk-declined-en') });
    await kiosk.getByRole('button', { name: 'Back to basket' }).click();
    await kiosk.getByRole('button', { name: `Remove ${ITEMS.declined.name}` }).click();
    await kiosk.getByRole('heading', { name: 'Scan your items' }).waitFor();
  });

  it('console: sign in, overview with devices, sync and chart, Korean', { timeout: 60_000 }, async () => {
    consolePage = await browser.context.newPage();
    await consolePage.setViewportSize({ width: 1440, height: 1000 });
    await consolePage.goto(store.api.consoleUrl + '?lang=en');
    await consolePage.getByLabel('Operator PIN').fill('1111');
    await consolePage.getByRole('button', { name: 'Sign in' }).click();
    await consolePage.getByRole('alert').filter({ hasText: 'Wrong PIN' }).waitFor();
    await consolePage.getByLabel('Operator PIN').fill(PIN);
    await consolePage.getByRole('button', { name: 'Sign in' }).click();
    await consolePage.getByTestId('sync-state').filter({ hasText: 'Online' }).waitFor();
    await consolePage.getByTestId('devices-table').getByText('terminal-1').waitFor();
    await consolePage.getByRole('img', { name: 'Payments over time' }).waitFor();
    await consolePage.screenshot({ path: shot('console-overview-en'), fullPage: true });
    await consolePage.getByRole('button', { name: 'Switch language to Korean' }).click();
    await consolePage.getByTestId('sync-state').filter({ hasText: '온라인' }).waitFor();
    await consolePage.getByRole('tab', { name: '결제' }).click();
    await consolePage.getByTestId('payment-row').first().waitFor();
    assert.match((await consolePage.getByTestId('payments-table').textContent()) ?? '', /₩5,300/);
    await consolePage.screenshot({ path: shot('console-payments-ko'), fullPage: true });
    await consolePage.getByRole('button', { name: '영어로 바꾸기' }).click();
  });

  it('console: the operator teaches the cameras a product from photos, then forgets it', { timeout: 90_000 }, async () => {
    await consolePage.getByRole('tab', { name: 'Recognition' }).click();
    await consolePage.getByText('No product has been taught yet.').waitFor();
    await consolePage.getByLabel('Product id').fill('p-cola');
    const photos = loadManifest()
      .frames.filter((f) => f.object === 'p-cola' && f.split === 'enrol')
      .map((f) => ({ name: f.file.split('/').pop()!, mimeType: 'image/jpeg', buffer: frameBytes(f) }));
    await consolePage.getByLabel('Photos').setInputFiles(photos);
    await consolePage.getByRole('button', { name: 'Learn from 5 photos' }).click();
    await consolePage.getByRole('status').filter({ hasText: 'p-cola learnt from 5 views.' }).waitFor({ timeout: 60_000 });
    await consolePage.getByTestId('enrolment-p-cola').waitFor();
    assert.equal((await store.ledger.db.enrolments.find({ selector: { productId: 'p-cola' } }).exec()).length, 1, 'stored in the ledger (and so replicated)');
    await consolePage.screenshot({ path: shot('console-recognition-en'), fullPage: true });
    await consolePage.getByTestId('enrolment-p-cola').getByRole('button', { name: 'Forget' }).click();
    await consolePage.getByRole('status').filter({ hasText: 'p-cola forgotten' }).waitFor();
    await consolePage.getByText('No product has been taught yet.').waitFor();
    await consolePage.getByRole('tab', { name: 'Overview' }).click();
  });

  it('offline: the cable cut from the console, a payment stored, one refused over the limit', { timeout: 90_000 }, async () => {
    await consolePage.getByRole('tab', { name: 'Overview' }).click();
    await consolePage.getByTestId('network-switch').click();
    await consolePage.getByTestId('sync-state').filter({ hasText: 'Offline' }).waitFor({ timeout: 30_000 });
    await kiosk.getByTestId('offline-banner').waitFor({ timeout: 30_000 });
    await scan(ITEMS.coffee.barcode);
    await until('one line', async () => (await lines().count()) === 1);
    await kiosk.getByRole('button', { name: /^Pay .* by card$/ }).click();
    await kiosk.locator('[data-state="stored"]').waitFor();
    await kiosk.screenshot({ path: shot('kiosk-offline-stored-en') });
    await kiosk.getByRole('button', { name: 'Done' }).click();
    await kiosk.getByTestId('offline-banner').filter({ hasText: '1 unsent' }).waitFor();
    assert.match((await kiosk.getByTestId('offline-banner').textContent()) ?? '', /₩1,800/);
    await consolePage.getByTestId('unsent-count').filter({ hasText: '1' }).waitFor();

    await scan(ITEMS.big.barcode);
    await until('one line', async () => (await lines().count()) === 1);
    await kiosk.getByRole('button', { name: /^Pay .* by card$/ }).click();
    await kiosk.locator('[data-state="refused"]').waitFor();
    await kiosk.screenshot({ path: shot('kiosk-refused-over-limit-en') });
    await kiosk.getByRole('button', { name: 'Back to basket' }).click();
    await kiosk.getByRole('button', { name: 'Start over' }).click();
    await consolePage.screenshot({ path: shot('console-offline-en'), fullPage: true });
  });

  it('restored: the stored payment is forwarded, the backlog drains, details show its history', { timeout: 90_000 }, async () => {
    await consolePage.getByTestId('network-switch').click();
    await consolePage.getByTestId('sync-state').filter({ hasText: 'Online' }).waitFor({ timeout: 30_000 });
    await consolePage.getByTestId('unsent-count').filter({ hasText: /^0$/ }).waitFor({ timeout: 60_000 });
    await kiosk.getByTestId('offline-banner').waitFor({ state: 'detached', timeout: 30_000 });
    await consolePage.getByRole('tab', { name: 'Payments' }).click();
    await consolePage.getByTestId('filter-mode').selectOption('true');
    await until(
      'the offline payment captured',
      async () => {
        const rows = consolePage.getByTestId('payment-row');
        return (await rows.count()) === 1 && /Captured/.test((await rows.first().textContent()) ?? '');
      },
      60_000,
    );
    await consolePage.getByTestId('payment-row').first().click();
    const history = consolePage.getByTestId('history');
    await history.getByText('Captured').waitFor();
    const text = (await history.textContent()) ?? '';
    assert.ok(text.indexOf('Stored offline') < text.indexOf('Forwarded') && text.indexOf('Forwarded') < text.indexOf('Captured'), text);
    await consolePage.screenshot({ path: shot('console-payment-details-en') });
    await consolePage.getByRole('button', { name: 'Close' }).click();
    await consolePage.getByRole('tab', { name: 'Declined after forwarding' }).click();
    await consolePage.getByTestId('declined-list').getByText('Every forwarded payment went through').waitFor();
    await consolePage.getByRole('tab', { name: 'Site limits' }).click();
    assert.match((await consolePage.getByTestId('limits-card').textContent()) ?? '', /\$?₩50,000/);
  });

  it('Korean kiosk, amounts in won; idle reset clears a forgotten basket', { timeout: 60_000 }, async () => {
    await kiosk.getByRole('button', { name: 'Switch language to Korean' }).click();
    await kiosk.getByRole('heading', { name: '상품을 스캔하세요' }).waitFor();
    await scan(ITEMS.kimbap.barcode);
    await until('one line', async () => (await lines().count()) === 1);
    assert.match((await kiosk.getByTestId('total').textContent()) ?? '', /₩3,500/);
    await kiosk.screenshot({ path: shot('kiosk-basket-ko') });
    // The same page with short idle times: the basket is the gateway's, so it is still there.
    await kiosk.goto(store.api.kioskUrl + '?idle=1500&grace=1500');
    await until('basket restored', async () => (await lines().count()) === 1);
    await kiosk.getByRole('alertdialog').filter({ hasText: '계속 이용하시나요' }).waitFor();
    await kiosk.screenshot({ path: shot('kiosk-idle-ko') });
    await kiosk.getByRole('heading', { name: '상품을 스캔하세요' }).waitFor({ timeout: 20_000 });
    assert.equal((await store.api.service.kioskState()).itemCount, 0);
  });
});
