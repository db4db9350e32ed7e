/**
 * Pay later at the kiosk with a person in Chromium (flow `credit`): the
 * customer presses "Pay later" beside card payment, types the phone number of
 * their wallet and a plan; the kiosk shows the approval number while it waits
 * for the buyer to confirm in the wallet (here the wallet's own API, as the
 * phone calls it), then "approved". In English and in Korean; a basket over
 * the buyer's available limit is declined with the catalogue's reason in both
 * languages and the basket stays. Real server (PostgreSQL), real gateway
 * runtime serving the built UI. Screenshots: test-artifacts/credit-kiosk/ (basket, form, waiting, approved, declined).
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { exportJWK, generateKeyPair } from 'jose';
import type { Page } from 'playwright-core';
import { CREDIT_PATHS } from '../../core/index.ts';
import { startGatewayRuntime, type GatewayRuntime } from '../../edge-services/index.ts';
import { serverTesting, wallet as walletCtx } from '../../server/index.ts';
import { assertAccessible } from '../ui/axe.ts';
import { buildUi, launchBrowser } from '../ui/browser.ts';
import { until } from '../support/wait.ts';
import { startCreditTestServer, type CreditTestServer } from './server.ts';
import { ADMIN_TOKEN, admin, http, Phone } from './support.ts';

const ARTIFACTS = join(import.meta.dirname, '..', '..', 'test-artifacts', 'credit-kiosk');
const SITE = 'credit-kiosk-ui-site';
const SHOPPER_PHONE = '010-3456-7890';
const HEADPHONES = '8800000000011';
const CABLE = '8800000000028';

describe('pay later at the kiosk, in Chromium', { timeout: 240_000 }, () => {
  let server: CreditTestServer;
  let drop: () => Promise<void>;
  let runtime: GatewayRuntime;
  let root: string;
  let ui: Awaited<ReturnType<typeof buildUi>>;
  let browser: Awaited<ReturnType<typeof launchBrowser>>;
  let page: Page;
  let phone: Phone;
  const shot = (name: string) => page.screenshot({ path: join(ARTIFACTS, name + '.png') });
  const scan = async (barcode: string) => assert.equal((await http(runtime.api!.url + '/api/kiosk/scan', 'POST', { barcode })).status, 200);
  const overlay = (state: string) => page.locator(`[data-testid="paylater"][data-state="${state}"]`);

  before(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    root = mkdtempSync(join(tmpdir(), 'edgepay-credit-kiosk-ui-'));
    ui = await buildUi();
    const pg = await serverTesting.freshPostgres();
    drop = pg.drop;
    server = await startCreditTestServer({ databaseUrl: pg.databaseUrl, adminToken: ADMIN_TOKEN });
    const demo = await walletCtx.seedDemoWallet(server.db);
    const shopper = demo.users.find((u) => u.role === 'shopper')!;
    await admin(server.url, 'PUT', CREDIT_PATHS.adminBuyer(shopper.userId), { currency: 'KRW', limit: 100_000, score: 700 });
    phone = new Phone(server.url, shopper.userId);
    await phone.signIn();
    const gw = await admin(server.url, 'POST', '/admin/gateways', { siteId: SITE, name: 'kiosk' });
    const now = new Date().toISOString();
    await admin(server.url, 'PUT', `/admin/sites/${SITE}/sites`, [
      { id: SITE, name: 'Kiosk store', timezone: 'Asia/Seoul', currency: 'KRW', locale: 'ko-KR', updatedAt: now, offlineLimits: { perPayment: [], totalStored: [], maxAgeMinutes: 60 } },
    ]);
    const product = (id: string, barcode: string, amount: number) => ({ id, siteId: SITE, sku: id.toUpperCase(), barcode, name: id, price: { amount, currency: 'KRW' }, active: true, updatedAt: now });
    await admin(server.url, 'PUT', `/admin/sites/${SITE}/products`, [product('headphones', HEADPHONES, 60_000), product('cable', CABLE, 15_000)]);
    const { merchantId, credential } = await admin(server.url, 'POST', '/admin/merchants', { name: 'Kiosk store' });
    const pair = await generateKeyPair('ES256', { extractable: true });
    assert.equal((await http(server.url + CREDIT_PATHS.merchantKey, 'PUT', { jwk: await exportJWK(pair.publicKey) }, { authorization: `Bearer ${credential}` })).status, 200);
    runtime = await startGatewayRuntime({
      dataDir: join(root, 'gateway'),
      siteId: SITE,
      gatewayId: gw.gatewayId,
      server: { url: server.url, credential: gw.credential, backoff: { initialMs: 100, maxMs: 300 } },
      operatorPin: '135790',
      http: { port: 0, uiDir: ui.dir },
      payLater: { merchantId, merchantCredential: credential, privateJwk: await exportJWK(pair.privateKey), storeName: 'Kiosk store' },
    });
    const ledger = runtime.gateway.ledger;
    await until('catalogue on the gateway', async () => (await ledger.db.products.count().exec()) === 2);
    browser = await launchBrowser();
    page = await browser.context.newPage();
  });

  after(async () => {
    await browser?.close();
    await runtime?.stop();
    if (server) {
      await serverTesting.assertLedgerBalanced(server.db);
      await server.close();
    }
    ui?.remove();
    await drop?.();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  /** The buyer confirms the kiosk's loan on the phone (the wallet's API, as the wallet page calls it). */
  async function confirmOnPhone(approvalNumber: string): Promise<void> {
    const loan = (await phone.credit()).loans.find((l: any) => l.approvalNumber === approvalNumber);
    assert.ok(loan, 'the loan is in the wallet');
    assert.equal(loan.state, 'awaiting-buyer');
    assert.equal((await phone.approve(loan.paymentRequestId)).status, 200);
  }

  async function payLater(words: { button: string; ask: RegExp; plan?: string; waiting: string; approved: string; approval: string }, barcode: string, name: string) {
    await scan(barcode);
    await page.locator('.basket-line, [data-testid="basket-line"]').first().waitFor();
    await shot(`${name}-0-basket`);
    await page.getByRole('button', { name: words.button, exact: true }).click();
    await overlay('form').waitFor();
    await page.getByRole('textbox').fill(SHOPPER_PHONE);
    if (words.plan) await page.getByText(words.plan, { exact: true }).click();
    await shot(`${name}-0-form`);
    await assertAccessible(page, `${name}: pay-later form`);
    await page.getByRole('button', { name: words.ask }).click();
    await overlay('awaiting-buyer').getByText(words.waiting).waitFor();
    const code = (await overlay('awaiting-buyer').getByTestId('approval-code').textContent())!;
    const approvalNumber = /AP-[\w-]+/.exec(code)?.[0];
    assert.ok(approvalNumber, `an approval number in "${code}"`);
    assert.ok(code.startsWith(words.approval), code);
    await shot(`${name}-1-waiting`);
    await assertAccessible(page, `${name}: waiting for the wallet`);
    await confirmOnPhone(approvalNumber);
    await overlay('authorised').getByText(words.approved).waitFor({ timeout: 15_000 });
    assert.match((await overlay('authorised').getByTestId('approval-code').textContent())!, new RegExp(approvalNumber));
    await shot(`${name}-2-approved`);
    await assertAccessible(page, `${name}: approved`);
  }

  it('English: press Pay later, the buyer confirms in the wallet, the kiosk shows approved with the approval number', async () => {
    await page.goto(runtime.api!.kioskUrl + '?lang=en&result=600000');
    await payLater({ button: 'Pay later', ask: /Ask for approval of ₩60,000/, waiting: 'Confirm it in your wallet', approved: 'Pay later approved', approval: 'Approval number' }, HEADPHONES, 'en');
    await page.getByRole('button', { name: 'Done' }).click();
    await overlay('authorised').waitFor({ state: 'detached' });
    await page.getByRole('heading', { name: 'Scan your items' }).waitFor();
  });

  it('Korean: 나중 결제 in one payment, confirmed in the wallet, 승인', async () => {
    await page.goto(runtime.api!.kioskUrl + '?lang=ko&result=600000');
    await payLater({ button: '나중 결제', ask: /₩15,000 승인 요청/, plan: '일시불', waiting: '지갑에서 확인해 주세요', approved: '나중 결제가 승인되었습니다', approval: '승인번호' }, CABLE, 'ko');
    await page.getByRole('button', { name: '확인', exact: true }).click();
    await overlay('authorised').waitFor({ state: 'detached' });
  });

  it('over the available limit: declined with the reason in both languages; the basket stays', async () => {
    // 25,000 of 100,000 is left: the headphones (60,000) are over it.
    await page.goto(runtime.api!.kioskUrl + '?lang=en&result=600000');
    await scan(HEADPHONES);
    await page.getByRole('button', { name: 'Pay later', exact: true }).click();
    await page.getByRole('textbox').fill(SHOPPER_PHONE);
    await page.getByRole('button', { name: /Ask for approval/ }).click();
    await overlay('declined').getByText('the amount is over your available pay-later limit', { exact: false }).waitFor();
    await shot('en-3-declined');
    await assertAccessible(page, 'en: declined');
    await page.getByRole('button', { name: 'Back to basket' }).click();
    assert.equal((await http(runtime.api!.url + '/api/kiosk/state', 'GET')).body.basket.lines.length, 1, 'the basket stays for another way to pay');

    await page.goto(runtime.api!.kioskUrl + '?lang=ko&result=600000');
    await page.getByRole('button', { name: '나중 결제', exact: true }).click();
    await page.getByRole('textbox').fill(SHOPPER_PHONE);
    await page.getByRole('button', { name: /승인 요청/ }).click();
    await overlay('declined').getByText('사용 가능한 나중 결제 한도를 넘는 금액입니다', { exact: false }).waitFor();
    await shot('ko-3-declined');
    // An unknown phone number: the catalogue's words for the error, on the form.
    await page.getByRole('button', { name: '장바구니로', exact: true }).click();
    await page.getByRole('button', { name: '나중 결제', exact: true }).click();
    await page.getByRole('textbox').fill('010-0000-0001');
    await page.getByRole('button', { name: /승인 요청/ }).click();
    await overlay('form').getByText('그 휴대폰 번호로 등록된 EdgePay 지갑이 없습니다.').waitFor();
  });
});
