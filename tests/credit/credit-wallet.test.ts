/**
 * Pay later with a person in Chromium: the buyer's phone (the wallet page,
 * 375x812) confirms the loan on the Requests tab with the payment password,
 * sees the approval on the Pay later tab, confirms delivery, pays
 * instalments (one of them late), and sees a return pause the dues and the
 * refund close the loan. The merchant acts through its signed API. The
 * ledger's invariant check (with every loan's transfers) passes at the end.
 * Screenshots: test-artifacts/credit-wallet/.
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { CREDIT_PATHS } from '../../core/index.ts';
import { serverTesting, wallet as walletCtx } from '../../server/index.ts';
import { startCreditTestServer, type CreditTestServer } from './server.ts';
import { buildUi, CHROMIUM } from '../ui/browser.ts';
import { until } from '../support/wait.ts';
import { ADMIN_TOKEN, admin, Merchant } from './support.ts';

const ARTIFACTS = join(import.meta.dirname, '..', '..', 'test-artifacts', 'credit-wallet');

describe('pay later in the wallet, in Chromium', { timeout: 240_000 }, () => {
  let server: CreditTestServer;
  let drop: () => Promise<void>;
  let ui: Awaited<ReturnType<typeof buildUi>>;
  let browser: Browser;
  let page: Page;
  let merchant: Merchant;
  let buyerId: string;
  let origin: string;
  const shot = (name: string) => page.screenshot({ path: join(ARTIFACTS, name + '.png'), fullPage: true });
  const tab = async (name: string) => {
    await page.locator(`[data-tab="${name}"]`).click();
    await page.locator(`[data-screen="${name}"]`).waitFor();
  };
  const loanCard = (id: string) => page.locator(`[data-testid="loan"][data-loan-id="${id}"]`);
  const instalment = (id: string, seq: number) => loanCard(id).locator(`[data-testid="instalment"][data-seq="${seq}"]`);

  before(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    ui = await buildUi();
    const pg = await serverTesting.freshPostgres();
    drop = pg.drop;
    // Instalments every 3 s, so a late one shows within the test.
    server = await startCreditTestServer({ databaseUrl: pg.databaseUrl, adminToken: ADMIN_TOKEN, uiDir: ui.dir, settings: { instalmentIntervalSeconds: 3 } });
    origin = `http://localhost:${server.port}`;
    const demo = await walletCtx.seedDemoWallet(server.db);
    buyerId = demo.users.find((u) => u.role === 'shopper')!.userId;
    await admin(server.url, 'PUT', CREDIT_PATHS.adminBuyer(buyerId), { currency: 'KRW', limit: 500_000, score: 750 });
    merchant = await Merchant.create(server.url, 'Seoul Lamp Shop');
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      timeout: 60_000,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--host-resolver-rules=MAP localhost 127.0.0.1'],
    });
    const context = await browser.newContext({ viewport: { width: 375, height: 812 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true, locale: 'en-US' });
    context.setDefaultTimeout(20_000);
    page = await context.newPage();
    await page.goto(`${origin}/wallet/demo/${buyerId}`);
    await page.goto(`${origin}/wallet/?lang=en`);
    await page.locator('[data-screen="requests"]').waitFor();
  });

  after(async () => {
    await browser?.close().catch(() => undefined);
    if (server) {
      await serverTesting.assertLedgerBalanced(server.db);
      await server.close();
    }
    ui?.remove();
    await drop?.();
  });

  /** The merchant orders; the buyer confirms it on the Requests tab with the payment password. */
  async function orderConfirmedOnPhone(amount: number, instalments: 1 | 3 | 4 | 6, itemName: string): Promise<string> {
    const placed = await merchant.order(merchant.orderMessage(buyerId, amount, { instalments, items: [{ name: itemName, quantity: 1, amount }] }));
    assert.equal(placed.status, 201, JSON.stringify(placed.body));
    const loan = placed.body.loan;
    await tab('requests');
    const card = page.locator(`[data-testid="request"][data-request-id="${loan.paymentRequestId}"]`);
    await card.getByText(itemName).waitFor();
    await card.getByText(loan.approvalNumber, { exact: false }).waitFor();
    await card.getByRole('button', { name: 'Approve with payment password' }).click();
    await page.getByLabel('Payment password').fill('123456');
    await card.locator('.inline-form').getByRole('button', { name: 'Approve with payment password' }).click();
    await until('the loan is authorised', async () => (await merchant.loan(loan.id)).state === 'authorised', 10_000);
    return loan.id;
  }

  it('approve on the phone, ship, confirm delivery, pay the instalments (one late)', async () => {
    const id = await orderConfirmedOnPhone(90_000, 3, 'Desk lamp');
    await tab('credit');
    await loanCard(id).locator('[data-state="authorised"], [data-testid="loan-state"]').first().waitFor();
    await loanCard(id).getByText('Confirmed, waiting for shipment').waitFor();
    await page.locator('[data-testid="credit-line"]').getByText('Available ₩410,000 of ₩500,000').waitFor();
    await shot('01-approved');

    const shipped = await merchant.act(id, 'capture');
    assert.deepEqual([shipped.status, shipped.body.loan.payout, shipped.body.loan.fee], [200, 87_300, 2_700]);
    await loanCard(id).getByRole('button', { name: 'I received it' }).click();
    await page.getByText('Delivery confirmed: your instalments start now.').waitFor();
    await instalment(id, 3).waitFor();
    await shot('02-plan');
    await instalment(id, 1).getByRole('button', { name: 'Pay ₩30,000' }).click();
    await page.locator(`[data-testid="loan"][data-loan-id="${id}"] [data-testid="instalment"][data-seq="1"][data-state="paid"]`).waitFor();
    // The second instalment's date passes: it turns late on the phone.
    await page.locator(`[data-testid="loan"][data-loan-id="${id}"] [data-testid="instalment"][data-seq="2"][data-state="late"]`).waitFor({ timeout: 15_000 });
    await instalment(id, 2).getByText('Late').waitFor();
    await shot('03-late');
    await instalment(id, 2).getByRole('button', { name: 'Pay ₩30,000' }).click();
    await instalment(id, 2).getByText('paid late', { exact: false }).waitFor();
    await instalment(id, 3).getByRole('button', { name: 'Pay ₩30,000' }).click();
    await loanCard(id).getByText('Paid off').waitFor();
    await page.locator('[data-testid="credit-line"]').getByText('Available ₩500,000 of ₩500,000').waitFor();
    await shot('04-paid-off');
  });

  it('a return pauses the dues on the phone; the refund closes the loan and gives back what was paid', async () => {
    const id = await orderConfirmedOnPhone(60_000, 3, 'Reading chair');
    assert.equal((await merchant.act(id, 'capture')).status, 200);
    await tab('credit');
    await loanCard(id).getByRole('button', { name: 'I received it' }).click();
    await instalment(id, 1).getByRole('button', { name: 'Pay ₩20,000' }).click();
    await loanCard(id).locator('[data-testid="instalment"][data-seq="1"][data-state="paid"]').waitFor();
    assert.equal((await merchant.act(id, 'return')).status, 200);
    await loanCard(id).locator('[data-testid="paused"]').waitFor();
    await shot('05-return-paused');
    // Paused: the next date passes and nothing turns late.
    await new Promise((r) => setTimeout(r, 3500));
    assert.equal(await loanCard(id).locator('[data-state="late"]').count(), 0, 'no instalment turns late while the return is open');
    const refunded = await merchant.act(id, 'refund', 60_000);
    assert.equal(refunded.status, 200, JSON.stringify(refunded.body));
    await loanCard(id).getByText('Returned and refunded').waitFor();
    await loanCard(id).getByText('Refunded ₩60,000').waitFor();
    assert.equal(await loanCard(id).locator('[data-testid="paused"]').count(), 0);
    await shot('06-refunded');
  });
});
