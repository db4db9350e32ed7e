/**
 * The shop-ready kiosk (issue 26) in Chromium, portrait (1080x1920) and
 * landscape (1280x800), in English and Korean: products with their names in
 * the screen's language and a picture; the welcome text clear of the footer;
 * every kiosk showing the same basket whoever changed it (another kiosk page,
 * the checkout driven directly as the demo's terminal does); the approval
 * screen with the amount, the approval code and the e-receipt's QR code, whose
 * page the server serves; the printed receipt through the printer simulator,
 * decoded back to items and total; the camera's view with what it
 * recognised. Every screen passes axe (no serious violations); screenshots in
 * test-artifacts/shop-kiosk/.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { receiptAmount, type PaymentDoc } from '../../core/index.ts';
import { decodeEscPos, frameBytes, loadManifest } from '../../edge-services/index.ts';
import { assertAccessible } from './axe.ts';
import { buildUi, launchBrowser } from './browser.ts';
import { ITEMS, PIN, startStore, until, type Store } from './harness.ts';

const ARTIFACTS = join(import.meta.dirname, '..', '..', 'test-artifacts', 'shop-kiosk');
const shot = (name: string) => join(ARTIFACTS, name + '.png');

describe('shop-ready kiosk in Chromium', { timeout: 300_000 }, () => {
  let store: Store;
  let ui: Awaited<ReturnType<typeof buildUi>>;
  let browser: Awaited<ReturnType<typeof launchBrowser>>;
  let printerOut: string;
  /** Portrait, English. */
  let portrait: Page;
  /** Landscape 1280x800, Korean. */
  let landscape: Page;

  const scan = async (page: Page, barcode: string) => {
    await page.keyboard.type(barcode);
    await page.keyboard.press('Enter');
  };
  const names = async (page: Page) => page.getByTestId('line-name').allTextContents();

  before(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    printerOut = mkdtempSync(join(tmpdir(), 'edgepay-receipts-'));
    ui = await buildUi();
    store = await startStore({ uiDir: ui.dir, printerOut });
    browser = await launchBrowser();
    portrait = await browser.context.newPage();
    await portrait.goto(store.api.kioskUrl + '?lang=en&result=600000');
    landscape = await browser.context.newPage();
    await landscape.setViewportSize({ width: 1280, height: 800 });
    await landscape.goto(store.api.kioskUrl + '?result=600000');
    // The language is kept per browser (localStorage): the second page switches its own to Korean.
    await landscape.getByRole('button', { name: 'Switch language to Korean' }).click();
  });
  after(async () => {
    await browser?.close();
    await store?.stop();
    ui?.remove();
    if (printerOut) rmSync(printerOut, { recursive: true, force: true });
  });

  it('welcome: "scan your items" in view and clear of the footer, in both orientations and languages; the shipped font', async () => {
    for (const [page, heading, name] of [
      [portrait, 'Scan your items', 'welcome-portrait-en'],
      [landscape, '상품을 스캔하세요', 'welcome-landscape-ko'],
    ] as const) {
      const h = page.getByRole('heading', { name: heading });
      await h.waitFor();
      const box = (await h.boundingBox())!;
      const viewport = page.viewportSize()!;
      assert.ok(box.y >= 0 && box.y + box.height <= viewport.height, `${name}: the heading is on screen`);
      // Nothing covers it: the element at its centre is the heading itself.
      const hit = await page.evaluate(([x, y]) => document.elementFromPoint(x!, y!)?.closest('h1')?.textContent ?? null, [box.x + box.width / 2, box.y + box.height / 2]);
      assert.equal(hit, heading, `${name}: not hidden behind the footer`);
      await page.screenshot({ path: shot(name) });
      await assertAccessible(page, name);
    }
    // Korean is drawn with the shipped Noto Sans KR, whatever fonts the machine has.
    await landscape.evaluate(() => document.fonts.ready);
    const loaded = await landscape.evaluate(() => {
      let n = 0;
      document.fonts.forEach((f) => void (f.family.replace(/"/g, '') === 'Noto Sans KR' && f.status === 'loaded' && n++));
      return n;
    });
    assert.ok(loaded > 0, 'Noto Sans KR faces loaded from the UI bundle');
    assert.equal(await landscape.evaluate(() => document.fonts.check('16px "Noto Sans KR"', '상품')), true);
  });

  it("every kiosk shows the same basket: scanned on one page, added by the checkout directly (the demo terminal), names in each page's language with pictures", async () => {
    await scan(portrait, ITEMS.water.barcode);
    await until('the other kiosk shows it', async () => (await names(landscape)).length === 1);
    assert.deepEqual(await names(landscape), [ITEMS.water.ko]);
    assert.deepEqual(await names(portrait), [ITEMS.water.name]);
    // The demo terminal drives the checkout itself, not the API: both screens follow.
    await store.kiosk.scan(ITEMS.kimbap.barcode);
    await until('both kiosks show two lines', async () => (await names(portrait)).length === 2 && (await names(landscape)).length === 2);
    assert.deepEqual(await names(landscape), [ITEMS.water.ko, ITEMS.kimbap.ko]);
    assert.equal(await portrait.locator('.basket-line img.product-picture').count(), 2, 'a picture per line');
    await landscape.getByRole('button', { name: `${ITEMS.water.ko} 하나 더` }).click();
    await until('the portrait kiosk sees quantity 2', async () => /5,300/.test((await portrait.getByTestId('total').textContent()) ?? ''));
    // Plurals from the catalogue: "3 items" / "3개".
    await portrait.getByText('3 items').waitFor();
    await landscape.getByText('3개').waitFor();
    await portrait.screenshot({ path: shot('basket-portrait-en') });
    await landscape.screenshot({ path: shot('basket-landscape-ko') });
    await assertAccessible(portrait, 'basket portrait en');
    await assertAccessible(landscape, 'basket landscape ko');
  });

  it('approved: amount, approval code, card, the e-receipt QR (served by the server, no personal data in its address), and the printed receipt decoded back to items and total', {
    timeout: 90_000,
  }, async () => {
    await landscape.getByRole('button', { name: /카드로 결제$/ }).click();
    const approved = landscape.locator('[data-state="approved"]');
    await approved.waitFor();
    // Every kiosk hears the outcome: the portrait page shows it too.
    await portrait.locator('[data-state="approved"]').waitFor();
    assert.match((await landscape.getByTestId('paid-amount').textContent()) ?? '', /₩5,300 결제 완료/);
    assert.match((await portrait.getByTestId('paid-amount').textContent()) ?? '', /Paid ₩5,300/);
    const code = /승인번호 ([A-Z0-9]{6})/.exec((await landscape.getByTestId('approval-code').textContent()) ?? '')?.[1];
    assert.ok(code, 'an approval code');
    const qrText = await landscape.getByRole('img', { name: '전자영수증 QR 코드' }).getAttribute('data-qr-text');
    const payments = (await store.ledger.db.payments.find().exec()).map((d) => d.toJSON() as PaymentDoc);
    const payment = payments.find((p) => p.amount === 5300)!;
    assert.equal(qrText, `${store.server.url}/receipts/${payment.id}`);
    assert.doesNotMatch(qrText!, /476173|0010|tok_|Water|%/, 'the address names the payment only');
    await landscape.screenshot({ path: shot('approved-landscape-ko') });
    await portrait.screenshot({ path: shot('approved-portrait-en') });
    await assertAccessible(landscape, 'approved landscape ko');
    await assertAccessible(portrait, 'approved portrait en');

    // The phone opens the e-receipt.
    const phone = await browser.context.newPage();
    await phone.setViewportSize({ width: 390, height: 844 });
    await phone.goto(qrText!);
    const page = (await phone.textContent('main')) ?? '';
    assert.match(page, /생수 500ml/);
    assert.match(page, /5,300/);
    assert.match(page, new RegExp(code!));
    assert.match(page, /\*\*\*\*0010/);
    assert.doesNotMatch(page, /476173/, 'no BIN on the page');
    await phone.screenshot({ path: shot('e-receipt-phone-ko') });
    await assertAccessible(phone, 'e-receipt');
    await phone.close();
    const missing = await fetch(`${store.server.url}/receipts/0190a0a0-0000-7000-8000-000000000000`);
    assert.equal(missing.status, 404);
    assert.equal(((await missing.json()) as { code: string }).code, 'RECEIPT_NOT_FOUND');

    // Printed: the bytes the printer received, decoded back.
    await portrait.getByRole('button', { name: 'Print receipt' }).click();
    await portrait.getByRole('status').filter({ hasText: 'Receipt printed' }).waitFor();
    const bytes = new Uint8Array(readFileSync(join(printerOut, `receipt-${payment.id}.bin`)));
    const printed = decodeEscPos(bytes);
    assert.equal(printed.cut, true);
    assert.deepEqual(printed.qrCodes, [qrText]);
    const lines = printed.lines.map((l) => l.text);
    const items: [string, number, string][] = [];
    for (let i = 0; i < lines.length - 1; i++) {
      const m = /^ {2}(\d+) x \S+ +(\S+)$/.exec(lines[i + 1]!);
      if (m) items.push([lines[i]!, Number(m[1]), m[2]!]);
    }
    assert.deepEqual(items, [
      [ITEMS.water.ko, 2, '1,800'],
      [ITEMS.kimbap.ko, 1, '3,500'],
    ]);
    assert.ok(
      lines.some((l) => /^합계 \(KRW\) +5,300$/.test(l)),
      lines.join('\n'),
    );
    assert.ok(lines.some((l) => l.endsWith(code!)));
    assert.equal(receiptAmount(payment.amount, 'KRW'), '5,300');
    await portrait.screenshot({ path: shot('printed-portrait-en') });
    await portrait.getByRole('button', { name: 'Done' }).click();
    await landscape
      .getByRole('button', { name: '확인' })
      .click()
      .catch(() => undefined);
  });

  it("declined: the reason in the screen's language, from the catalogue", async () => {
    await scan(portrait, ITEMS.declined.barcode);
    await until('one line', async () => (await names(landscape)).length === 1);
    await portrait.getByRole('button', { name: /^Pay .* by card$/ }).click();
    await landscape.locator('[data-state="declined"]').waitFor();
    assert.match((await landscape.getByRole('alertdialog').textContent()) ?? '', /잔액 부족/);
    assert.match((await portrait.getByRole('alertdialog').textContent()) ?? '', /not enough funds/);
    await landscape.screenshot({ path: shot('declined-landscape-ko') });
    await assertAccessible(landscape, 'declined landscape ko');
    await portrait.getByRole('button', { name: 'Back to basket' }).click();
    await landscape
      .getByRole('button', { name: '장바구니로' })
      .click()
      .catch(() => undefined);
    await portrait.getByRole('button', { name: 'Start over' }).click();
    await until('empty', async () => (await names(landscape)).length === 0);
  });

  it('the camera: what it saw and recognised shows on every kiosk', { timeout: 120_000 }, async () => {
    const frames = loadManifest().frames;
    const enrol = frames.filter((f) => f.object === 'p-cola' && f.split === 'enrol' && !f.barcodeVisible).map((f) => frameBytes(f).toString('base64'));
    const token = (await store.api.service.signIn(PIN)).token;
    await store.api.service.enrolProduct(token, { productId: 'p-cola', frames: enrol });
    const test = frames.find((f) => f.object === 'p-cola' && f.split === 'test' && !f.barcodeVisible)!;
    const result = await store.api.service.cameraFrame({ data: frameBytes(test).toString('base64') });
    for (const page of [portrait, landscape]) await page.getByTestId('camera').waitFor();
    const panel = (await portrait.getByTestId('camera').textContent()) ?? '';
    if (result.added.length) assert.match(panel, /Added 1 item: Fizz Cola/);
    if (result.askScan) await portrait.getByTestId('camera-ask').waitFor();
    assert.ok(result.added.length || result.askScan || result.unknown, 'the frame showed something');
    assert.equal(await portrait.getByRole('img', { name: 'What the camera saw' }).count(), 1);
    await portrait.screenshot({ path: shot('camera-portrait-en') });
    await landscape.screenshot({ path: shot('camera-landscape-ko') });
    await assertAccessible(portrait, 'camera portrait en');
    await assertAccessible(landscape, 'camera landscape ko');
    await store.api.service.clear();
  });

  it("the chosen language is kept across a reload, and is this browser's last choice", async () => {
    await landscape.reload();
    await landscape.getByRole('heading', { name: '상품을 스캔하세요' }).waitFor();
    assert.doesNotMatch(landscape.url(), /lang=/);
    await portrait.goto(store.api.kioskUrl + '?result=600000');
    await portrait.getByRole('heading', { name: '상품을 스캔하세요' }).waitFor();
    await portrait.getByRole('button', { name: '영어로 바꾸기' }).click();
    await portrait.reload();
    await portrait.getByRole('heading', { name: 'Scan your items' }).waitFor();
  });
});
