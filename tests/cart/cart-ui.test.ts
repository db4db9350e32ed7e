/**
 * The smart cart's two screens in Chromium (issue 20), served the way the
 * lobby's are: the cart's own screen by the store gateway (/cart, a small
 * portrait screen) and the shopper's wallet by the server (/wallet/, a phone).
 * Real parts behind them (cart-store: server, gateway with the cart flow, the
 * cart, gate and card terminal simulators on the bus).
 *
 * pairing QR on the cart -> the phone opens the QR's address and pairs -> the
 * basket grows live on both -> an unseen item: "please scan" -> a flagged item:
 * staff called -> pay on the cart, approve on the phone -> paid, exit pass ->
 * gate opens, QR again -> paired by a pasted address -> server unreachable:
 * pay at a kiosk. Screenshots into test-artifacts/ui/cart-*, axe-core clean on
 * each state, both languages.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chromium, type Browser, type Page } from 'playwright-core';
import { CART_PRODUCTS, startCartStore, type CartStore } from '../../bench/index.ts';
import { assertAccessible } from '../ui/axe.ts';
import { buildUi, CHROMIUM, shot } from '../ui/browser.ts';
import { until } from '../support/wait.ts';

const CART = 'cart-1';

describe('smart cart screens: the cart and the phone in Chromium', { timeout: 400_000 }, () => {
  let ui: Awaited<ReturnType<typeof buildUi>>;
  let store: CartStore;
  let browser: Browser;
  let cartPage: Page;
  let phone: Page;
  const view = () => store.runtime.cart!.view(CART);
  const step = (m: Record<string, unknown>) => assert.ok(store.runtime.simulators!.control('cart', { action: 'step', ...m }));
  const scanIn = (id: string) => step({ barcode: CART_PRODUCTS[id]!.barcode, deltaGrams: CART_PRODUCTS[id]!.grams });
  const prompt = (page: Page, p: string) => page.locator(`[data-prompt="${p}"]`).first().waitFor();
  const capture = async (page: Page, name: string) => {
    await page.screenshot({ path: shot(`cart-${name}`), fullPage: true });
    await assertAccessible(page, name);
  };

  before(async () => {
    ui = await buildUi();
    store = await startCartStore({ uiDir: ui.dir, requestTtlSeconds: 60 });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      timeout: 60_000,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--host-resolver-rules=MAP localhost 127.0.0.1'],
    });
    const cartContext = await browser.newContext({ viewport: { width: 480, height: 800 }, locale: 'en-US' });
    cartContext.setDefaultTimeout(20_000);
    cartPage = await cartContext.newPage();
    await cartPage.goto(`${store.runtime.api!.url}/cart?cart=${CART}&lang=en`);
    const phoneContext = await browser.newContext({ viewport: { width: 375, height: 812 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true, locale: 'en-US' });
    phoneContext.setDefaultTimeout(20_000);
    phone = await phoneContext.newPage();
    await phone.goto(`${store.server.url.replace('127.0.0.1', 'localhost')}/wallet/demo/${store.shopperId}`);
    await phone.getByRole('button', { name: '영어로 바꾸기' }).click();
  });
  after(async () => {
    await browser?.close().catch(() => undefined);
    await store?.stop();
    ui?.remove();
  });

  it('pairs by the QR code, shows the basket live on both, asks for a scan, calls staff, pays on the phone and lets the cart out', async () => {
    // The cart's screen: the pairing QR code, holding the wallet address with the session and its code.
    const qr = cartPage.getByRole('img', { name: 'Pair your phone' });
    await qr.waitFor();
    const url = await qr.getAttribute('data-qr-text');
    assert.equal(url, view().pairingUrl);
    await capture(cartPage, 'pairing');

    // The phone opens the QR code's address: the Cart tab pairs with the cart.
    await phone.goto(url!);
    await phone.locator('[data-screen="cart"]').getByText(`Paired with ${CART}`).waitFor();
    await until('the cart knows it is paired', () => view().paired);
    await cartPage.getByText('Phone paired').waitFor();
    assert.equal(await qr.count(), 0, 'no QR code once paired');

    scanIn('p-cola');
    scanIn('p-chips');
    await cartPage.locator('[data-testid="cart-total"]').getByText(/4,300/).waitFor();
    await phone.locator('[data-testid="phone-total"]').getByText(/4,300/).waitFor();
    assert.equal(await phone.locator('[data-testid="phone-basket"] li').count(), 2);
    await capture(cartPage, 'basket');
    await capture(phone, 'phone-basket');

    // Something goes in that nobody scanned or showed: after the pairing window the cart asks for a scan.
    step({ deltaGrams: CART_PRODUCTS['p-tea']!.grams });
    await prompt(cartPage, 'scan');
    assert.ok(await cartPage.getByRole('button', { name: 'Pay with my phone' }).isDisabled(), 'no checkout while a scan is needed');
    await capture(cartPage, 'scan');
    await prompt(phone, 'scan');
    step({ barcode: CART_PRODUCTS['p-tea']!.barcode });
    await prompt(cartPage, 'none');

    // An age-restricted item: staff are called before checkout; staff check and close it (logged).
    scanIn('p-soap');
    await prompt(cartPage, 'staff');
    await cartPage.getByText('Staff called: an age check').waitFor();
    await capture(cartPage, 'staff');
    const call = view().staffCalls.find((c) => c.reason === 'age-restricted')!;
    await store.runtime.cart!.staffResolve(CART, { callId: call.id, by: 'staff-lee', why: 'ID checked, adult', action: 'dismiss' });
    await prompt(cartPage, 'none');

    // Pay on the cart: the phone is asked; the shopper opens the request and approves with the payment password.
    const total = view().total;
    await cartPage.getByRole('button', { name: 'Pay with my phone' }).click();
    await prompt(cartPage, 'approve-on-phone');
    await capture(cartPage, 'approve-on-phone');
    await phone.getByRole('button', { name: 'Open the request to pay' }).click();
    const request = phone.locator('[data-testid="request"]').first();
    await request.waitFor();
    await capture(phone, 'phone-request');
    await request.getByRole('button', { name: 'Approve with payment password' }).click();
    await phone.getByLabel('Payment password').fill('123456');
    await request.locator('.inline-form').getByRole('button', { name: 'Approve with payment password' }).click();

    await cartPage.locator('[data-testid="exit-pass"]').waitFor();
    assert.equal(view().paidTotal, total);
    await capture(cartPage, 'paid');
    const session = view().sessionId;
    assert.ok(store.runtime.simulators!.control('gate', { action: 'arrive', cartId: CART }));
    await until('the gate opened and the cart has a fresh session', () => view().sessionId !== session);
    await cartPage.getByRole('img', { name: 'Pair your phone' }).waitFor();
  });

  it('pairs by a pasted address; with the server unreachable the cart sends the shopper to a kiosk (in Korean too)', async () => {
    const url = (await cartPage.locator('[data-testid="pairing-url"]').textContent())!;
    await phone.locator('[data-tab="cart"]').click();
    await phone.getByLabel('Cart address or pairing code').fill('not a cart');
    await phone.getByRole('button', { name: 'Pair', exact: true }).click();
    await phone.getByText('That is not a cart’s pairing address.').waitFor();
    await phone.getByLabel('Cart address or pairing code').fill(url);
    await phone.getByRole('button', { name: 'Pair', exact: true }).click();
    await until('paired by the pasted address', () => view().paired);
    await cartPage.getByText('Phone paired').waitFor();

    store.link.setEnabled(false);
    try {
      scanIn('p-water');
      await cartPage.locator('[data-product="p-water"]').waitFor();
      await cartPage.getByRole('button', { name: 'Pay with my phone' }).click();
      await prompt(cartPage, 'pay-at-kiosk');
      await cartPage.getByText('Offline: the basket keeps growing; pay at a kiosk.').waitFor();
      await capture(cartPage, 'pay-at-kiosk');
      // The same screen in Korean.
      await cartPage.getByRole('button', { name: 'switch language to Korean' }).click();
      await cartPage.getByText('키오스크에서 결제하세요', { exact: false }).first().waitFor();
      await capture(cartPage, 'pay-at-kiosk-ko');
      // The kiosk takes the basket (stored offline within the site's limits): the cart is paid, its exit pass ready.
      const paid = await store.runtime.cart!.payAtKiosk(CART);
      assert.equal(paid.outcome, 'stored');
      await cartPage.locator('[data-testid="exit-pass"]').waitFor();
      await capture(cartPage, 'paid-at-kiosk-ko');
    } finally {
      store.link.setEnabled(true);
    }
  });
});
