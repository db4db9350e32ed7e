/**
 * The shop-ready operator console (issue 26) in Chromium, wide (1440x900) and
 * narrow portrait (800x1280), English and Korean: "sync now", devices whose
 * status follows their heartbeat, uPlot charts per currency and of the
 * backlog, a refund with a reason and the operator's name (found in the
 * server's audit log), the catalogue edited through the server (the kiosk
 * shows the new name), the offline limits edited, the end-of-day report and
 * its CSV. Every screen passes axe; screenshots in test-artifacts/shop-console/.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import type { PaymentDoc, SiteDoc } from '../../core/index.ts';
import { assertAccessible } from './axe.ts';
import { buildUi, launchBrowser } from './browser.ts';
import { ADMIN, ITEMS, PIN, SITE, startStore, until, type Store } from './harness.ts';

const ARTIFACTS = join(import.meta.dirname, '..', '..', 'test-artifacts', 'shop-console');
const shot = (name: string) => join(ARTIFACTS, name + '.png');

describe('shop-ready console in Chromium', { timeout: 300_000 }, () => {
  let store: Store;
  let ui: Awaited<ReturnType<typeof buildUi>>;
  let browser: Awaited<ReturnType<typeof launchBrowser>>;
  let page: Page;
  let sale: PaymentDoc;

  before(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    ui = await buildUi();
    store = await startStore({ uiDir: ui.dir });
    // Two sales to report on and refund.
    for (const code of [ITEMS.kimbap.barcode, ITEMS.water.barcode]) {
      await store.api.service.scan(code);
      const outcome = await store.api.service.pay();
      assert.equal(outcome.state, 'approved');
      if (outcome.state === 'approved' && outcome.payment.amount === ITEMS.kimbap.amount) sale = outcome.payment;
    }
    browser = await launchBrowser();
    page = await browser.context.newPage();
    await page.setViewportSize({ width: 1440, height: 900 });
    await page.goto(store.api.consoleUrl + '?lang=en');
    await page.getByLabel('Operator PIN').fill(PIN);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByTestId('sync-state').filter({ hasText: 'Online' }).waitFor();
  });
  after(async () => {
    await browser?.close();
    await store?.stop();
    ui?.remove();
  });

  it('overview: sync now, devices online by their heartbeat, charts per currency and of the backlog (English, wide)', async () => {
    await page.getByRole('button', { name: 'Sync now' }).click();
    await page.getByRole('status').filter({ hasText: 'Synced with the server' }).waitFor();
    await page.getByTestId('device-status-terminal-1').filter({ hasText: 'Online' }).waitFor();
    await page.getByTestId('chart-currency').locator('canvas').waitFor();
    assert.match((await page.getByTestId('chart-currency').textContent()) ?? '', /KRW/);
    await page.getByTestId('chart-backlog').locator('canvas').waitFor({ timeout: 30_000 });
    await page.screenshot({ path: shot('overview-wide-en'), fullPage: true });
    await assertAccessible(page, 'overview en');
  });

  it("refund with a reason and the operator's name: in the server's audit log", async () => {
    await page.getByRole('tab', { name: 'Payments' }).click();
    await page.getByTestId('payment-row').first().waitFor();
    await page.getByTestId('payment-row').filter({ hasText: '₩3,500' }).click();
    const form = page.getByTestId('money-back');
    await form.getByLabel('Your name').fill('Kim Minji');
    await form.getByLabel('Reason').fill('Wrong item');
    await form.getByLabel(/Amount to refund/).fill('1500');
    await page.screenshot({ path: shot('refund-wide-en') });
    await assertAccessible(page, 'refund dialog en');
    await form.getByRole('button', { name: 'Refund' }).click();
    await form.getByRole('status').filter({ hasText: 'Partly refunded' }).waitFor();
    const audit = (await (await fetch(`${store.server.url}/admin/audit?paymentId=${sale.id}`, { headers: { authorization: 'Bearer ' + ADMIN } })).json()) as {
      entries: { action: string; amount: number; details: Record<string, string> }[];
    };
    const refund = audit.entries.find((e) => e.action === 'payment.refunded')!;
    assert.deepEqual([refund.amount, refund.details['reason'], refund.details['operator']], [1500, 'Wrong item', 'Kim Minji']);
    await page.getByRole('button', { name: 'Close' }).click();
  });

  it('catalogue edited through the server: the kiosk sells the new name and price (Korean, narrow portrait)', async () => {
    await page.setViewportSize({ width: 800, height: 1280 });
    await page.getByRole('button', { name: 'Switch language to Korean' }).click();
    await page.getByRole('tab', { name: '상품 관리' }).click();
    await page.getByRole('button', { name: `${ITEMS.water.ko} 수정` }).click();
    const form = page.getByTestId('product-form');
    await form.getByLabel('한국어 이름').fill('제주 생수 500ml');
    await form.getByLabel(/가격/).fill('1000');
    await page.screenshot({ path: shot('catalogue-portrait-ko'), fullPage: true });
    await assertAccessible(page, 'catalogue ko');
    await form.getByRole('button', { name: '저장' }).click();
    await page.getByRole('status').filter({ hasText: '제주 생수 500ml 저장됨' }).waitFor();
    await until('the product replicated back to the gateway', async () => {
      const p = (await store.ledger.db.products.findOne('p-water').exec())?.toJSON();
      return p?.names?.ko === '제주 생수 500ml' && p.price.amount === 1000;
    });
    await page.getByTestId('product-p-water').filter({ hasText: '제주 생수 500ml' }).waitFor();
    const basket = await store.api.service.scan(ITEMS.water.barcode);
    assert.deepEqual(
      basket.basket.lines.map((l) => [l.names?.ko, l.unitPrice.amount]),
      [['제주 생수 500ml', 1000]],
    );
    await store.api.service.clear();
  });

  it('offline limits edited through the server (Korean)', async () => {
    await page.getByRole('tab', { name: '매장 한도' }).click();
    const form = page.getByTestId('limits-form');
    await form.getByLabel(/1회 최대 금액/).fill('30000');
    await form.locator('input[name=maxAge]').fill('120');
    await form.getByRole('button', { name: '저장' }).click();
    await form.getByRole('status').filter({ hasText: '한도를 저장했습니다' }).waitFor();
    await until('the limits replicated back', async () => {
      const s = (await store.ledger.db.sites.findOne(SITE).exec())?.toJSON() as SiteDoc | undefined;
      return s?.offlineLimits.perPayment.some((m) => m.amount === 30_000) === true && s.offlineLimits.maxAgeMinutes === 120;
    });
    await page.screenshot({ path: shot('limits-portrait-ko'), fullPage: true });
    await assertAccessible(page, 'limits ko');
  });

  it('end-of-day report per terminal with its CSV (Korean, then English wide)', async () => {
    await page.getByTestId('tab-report').click();
    await page.getByTestId('report-terminals').getByText('2건').waitFor();
    await page.screenshot({ path: shot('report-portrait-ko'), fullPage: true });
    await assertAccessible(page, 'report ko');
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('csv').click()]);
    const csv = readFileSync((await download.path())!, 'utf8');
    const lines = csv.trimEnd().split('\r\n');
    assert.equal(lines[0], 'date,time_zone,terminal,method,status,currency,count,sum,offline_count,terminal_offline_share');
    assert.ok(
      lines.some((l) => /,card-terminal,captured,KRW,1,900,0,0\.0000$/.test(l)),
      csv,
    );
    assert.ok(
      lines.some((l) => /,card-terminal,partially-refunded,KRW,1,3500,0,0\.0000$/.test(l)),
      csv,
    );
    await page.setViewportSize({ width: 1440, height: 900 });
    await page.getByRole('button', { name: 'English' }).click();
    await page.getByTestId('report-terminals').getByText('2 payments').waitFor();
    await page.screenshot({ path: shot('report-wide-en'), fullPage: true });
    await page.getByTestId('tab-devices').click();
    await page.getByTestId('device-status-terminal-1').waitFor();
    await assertAccessible(page, 'devices en');
  });
});
