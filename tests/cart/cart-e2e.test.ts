/**
 * The smart cart end to end (issue 20) with real parts: the server (PostgreSQL
 * when reachable, else PGlite), the store gateway with the cart flow, and the
 * cart, exit gate and card terminal simulator processes on the CURVE bus. The
 * shopper's phone is a wallet session over HTTP (the wallet page in Chromium:
 * cart-ui.test.ts). Recognition is not started here: the camera's part is
 * the cart's on-board detections or barcode reads; the detector on real frames
 * is in cart-ui.test.ts and the bench.
 *
 * - pair by the QR code's address, add by barcode, the basket live on the
 *   phone, pay on the phone, the gate opens once, and the ledger balances;
 * - an exit pass is not honoured twice; a cart leaving unpaid is held;
 * - the phone declines: nothing charged, the cart can try again;
 * - items added after payment hold the cart at the gate;
 * - a weight mismatch asks for a scan, a second one calls staff; an
 *   age-restricted item calls staff; staff decisions are logged with who and why;
 * - the gateway restarted mid-basket keeps the basket and the pairing;
 * - the site's spot-check rate (a site setting from the server) holds a paid cart; staff let it out.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { cartFlow } from '../../core/index.ts';
import { serverTesting } from '../../server/index.ts';
import { CART_ADMIN, CART_PRODUCTS, CART_SITE, pairingOf, startCartStore, type CartStore, type Phone } from '../../bench/index.ts';
import { until } from '../support/wait.ts';

const CART = 'cart-1';

describe('smart cart: pair, add, pay on the phone, leave through the gate', () => {
  let store: CartStore;
  let phone: Phone;
  const view = () => store.runtime.cart!.view(CART);
  const step = (m: Record<string, unknown>) => assert.ok(store.runtime.simulators!.control('cart', { action: 'step', ...m }));
  const arrive = () => assert.ok(store.runtime.simulators!.control('gate', { action: 'arrive', cartId: CART }));
  const scanIn = (id: keyof typeof CART_PRODUCTS) => step({ barcode: CART_PRODUCTS[id]!.barcode, deltaGrams: CART_PRODUCTS[id]!.grams });
  const qty = (v: cartFlow.CartView, id: string) => v.items.find((l) => l.productId === id)?.quantity ?? 0;
  const pendingRequest = async () => {
    let found: any;
    await until('the request on the phone', async () => {
      found = (await phone.get('/wallet/api/requests')).body.requests[0];
      return found !== undefined;
    });
    return found as { id: string; amount: number; items: { name: string }[] };
  };
  const pairPhone = async () => {
    const { sessionId, code } = pairingOf(view());
    const paired = await phone.post('/wallet/api/cart/pair', { sessionId, code });
    assert.equal(paired.status, 200, JSON.stringify(paired.body));
    await until('the cart knows it is paired', () => view().paired);
  };

  before(async () => {
    store = await startCartStore({ requestTtlSeconds: 5 });
    phone = await store.phone();
  });
  after(async () => {
    if (store) {
      await serverTesting.assertLedgerBalanced(store.server.db);
      await store.stop();
    }
  });

  it('pairs by the QR code, adds by barcode, pays on the phone and leaves once', async () => {
    const first = view();
    assert.equal(first.state, 'shopping');
    assert.ok(first.pairingUrl?.includes('/wallet/#/cart/pair?s='), first.pairingUrl);
    // A wrong code pairs nothing.
    const wrong = await phone.post('/wallet/api/cart/pair', { sessionId: first.sessionId, code: 'x'.repeat(32) });
    assert.equal(wrong.status, 403);
    assert.equal(wrong.body.code, 'CART_PAIRING_CODE_INVALID');
    await pairPhone();
    assert.equal(view().pairingUrl, undefined, 'no QR code once paired');
    // A second phone cannot take the cart over.
    const other = await store.phone((await store.server.db.query<{ id: string }>("SELECT id FROM wallet_users WHERE demo_role = 'resident' LIMIT 1")).rows[0]!.id);
    const takeover = await other.post('/wallet/api/cart/pair', pairingOf(first));
    assert.equal(takeover.status, 409);

    scanIn('p-cola');
    scanIn('p-chips');
    await until('two items in the cart', () => qty(view(), 'p-cola') === 1 && qty(view(), 'p-chips') === 1);
    assert.equal(view().total, 1800 + 2500);
    // The basket, live on the phone.
    await until('the basket on the phone', async () => (await phone.get('/wallet/api/cart')).body.cart?.total === 4300);

    const paid = await store.runtime.cart!.checkout(CART);
    assert.equal(paid.state, 'checkout');
    assert.equal(paid.prompt, 'approve-on-phone');
    const request = await pendingRequest();
    assert.equal(request.amount, 4300);
    assert.deepEqual(request.items.map((i) => i.name).sort(), ['Crunchy Chips Salted 150 g', 'Fizz Cola 355 ml']);
    const approve = await phone.post(`/wallet/api/requests/${request.id}/approve`, { proof: { method: 'password', password: '123456' } });
    assert.equal(approve.status, 200, JSON.stringify(approve.body));
    await until('the cart is paid', () => view().state === 'paid');
    const paidView = view();
    assert.equal(paidView.prompt, 'go-to-gate');
    // One payment of flow cart, captured, replicated down to the store's ledger.
    const payments = await store.server.db.query<{ data: any }>("SELECT data FROM documents WHERE collection = 'payments' AND data->>'flow' = 'cart'");
    assert.equal(payments.rows.length, 1);
    assert.equal(payments.rows[0]!.data.status, 'captured');
    assert.equal(payments.rows[0]!.data.amount, 4300);
    // The phone approved with its wallet's payment method and the server charged it: the payment names
    // the cart session, not the card; the store's ledger learns the outcome and nothing of the card.
    const payment = payments.rows[0]!.data;
    assert.equal(payment.method, 'wallet');
    assert.equal(payment.token, undefined);
    assert.equal(payment.cardDisplay, undefined);
    assert.equal(payment.details?.cart?.session, paidView.sessionId);
    let local: any;
    await until("the outcome in the store's ledger", async () => {
      local = (await store.runtime.gateway.ledger.db.payments.findOne(payment.id).exec())?.toJSON();
      return local?.status === 'captured';
    });
    assert.equal(local.token, undefined);
    assert.equal(local.cardDisplay, undefined);
    assert.ok(!JSON.stringify(local).includes('tok_'), "no card token in the store's copy");

    const sessionId = paidView.sessionId;
    arrive();
    await until('the gate opened and the cart came back with a fresh basket', () => view().sessionId !== sessionId);
    assert.ok(store.events.some((e) => e.type === 'gate-opened' && e.cartId === CART));
    const released = (await (store.runtime.gateway.ledger.db as any)['cart-sessions'].findOne(sessionId).exec()).toJSON();
    assert.equal(released.state, 'released');
    // The same pass again (a copied pass, or the gate asked twice): the gate refuses it.
    const again = await store.runtime.bus.bus.command('gate-1', 'gate.open', { cartId: CART, passId: released.exitPassId, siteId: released.siteId, expiresAt: released.exitPassExpiresAt });
    assert.equal(again.opened, 'used');
  });

  it('a cart that leaves without paying is held and the console is told', async () => {
    await pairPhone();
    scanIn('p-water');
    await until('water in the cart', () => qty(view(), 'p-water') === 1);
    const before = store.events.length;
    arrive();
    await until('held at the gate', () => store.events.slice(before).some((e) => e.type === 'gate-held' && e.reason === 'unpaid'));
    assert.equal(view().heldReason, 'unpaid');
  });

  it('the phone declines: nothing is charged; paid on the second try, the waiting cart is let out at once', async () => {
    const cart = store.runtime.cart!;
    // (continues the trip above: water in the cart, held at the gate unpaid)
    await cart.checkout(CART);
    let request = await pendingRequest();
    const declined = await phone.post(`/wallet/api/requests/${request.id}/decline`, {});
    assert.equal(declined.status, 200);
    await until('the cart shows the decline', () => view().state === 'shopping' && view().prompt === 'declined');
    const charged = await store.server.db.query("SELECT 1 FROM documents WHERE collection = 'payments' AND (data->>'amount')::int = 900");
    assert.equal(charged.rows.length, 0, 'nothing charged');

    const session = view().sessionId;
    const opened = store.events.length;
    await cart.checkout(CART);
    request = await pendingRequest();
    assert.equal((await phone.post(`/wallet/api/requests/${request.id}/approve`, { proof: { method: 'password', password: '123456' } })).status, 200);
    // The cart still stands at the gate: paid, it is let out without arriving again.
    await until('let out', () => store.events.slice(opened).some((e) => e.type === 'gate-opened') && view().sessionId !== session);
  });

  it('items added after payment hold the cart at the gate until the basket is as paid and staff let it out', async () => {
    const cart = store.runtime.cart!;
    await pairPhone();
    scanIn('p-cola');
    await until('cola in', () => qty(view(), 'p-cola') === 1);
    await cart.checkout(CART);
    const request = await pendingRequest();
    assert.equal((await phone.post(`/wallet/api/requests/${request.id}/approve`, { proof: { method: 'password', password: '123456' } })).status, 200);
    await until('paid', () => view().state === 'paid');
    scanIn('p-tea');
    await until('tea in the cart', () => qty(view(), 'p-tea') === 1);
    const before = store.events.length;
    arrive();
    await until('held: items after payment', () => store.events.slice(before).some((e) => e.type === 'gate-held' && e.reason === 'items-after-payment'));
    await assert.rejects(cart.staffRelease(CART, 'staff-kim', 'looks fine'), (e: any) => e.code === 'CART_NOT_READY');
    // The tea goes back out (the reader sees it going out): the basket as paid; staff let the cart out.
    step({ barcode: CART_PRODUCTS['p-tea']!.barcode, deltaGrams: -CART_PRODUCTS['p-tea']!.grams });
    await until('tea out', () => qty(view(), 'p-tea') === 0);
    const session = view().sessionId;
    await cart.staffRelease(CART, 'staff-kim', 'tea put back, basket as paid');
    await until('released', () => view().sessionId !== session);
  });

  // This case was skipped once: the fusion let another product's scan "explain part" of a known
  // item's wrong weight (cola's barcode, a litre's weight), so staff were never called. Now only the
  // seen item's own scan explains part, and the fusion judges by the events' own times (the cart's
  // timestamps, a frame's capture time), so the outcome no longer depends on the machine's load.
  it('a weight mismatch asks for a scan, a second calls staff; flagged items call staff; staff decisions are logged', async () => {
    await pairPhone();
    const cart = store.runtime.cart!;
    // Something heavy goes in that nobody saw or scanned: the cart asks for a scan.
    step({ deltaGrams: CART_PRODUCTS['p-juice']!.grams });
    await until('asked to scan', () => view().prompt === 'scan', 10_000);
    await assert.rejects(cart.checkout(CART), (e: any) => e.code === 'CART_NOT_READY');
    // The scan explains it: in, without staff.
    step({ barcode: CART_PRODUCTS['p-juice']!.barcode });
    await until('juice in after the scan', () => qty(view(), 'p-juice') === 1 && view().prompt === 'none');
    // A known item of the wrong weight (cola's barcode, a litre's weight): scan asked; then a scan that does not fit: staff.
    step({ barcode: CART_PRODUCTS['p-cola']!.barcode, deltaGrams: 1000 });
    await until('asked to scan again', () => view().prompt === 'scan');
    step({ barcode: CART_PRODUCTS['p-chips']!.barcode });
    await until('staff called', () => view().prompt === 'staff' && view().staffCalls.length === 1);
    const call = view().staffCalls[0]!;
    assert.equal(call.reason, 'second-mismatch');
    assert.ok(store.events.some((e) => e.type === 'staff-call'));
    // Staff look: it was a litre of milk with a cola's label stuck on; they add the milk.
    await cart.staffResolve(CART, { callId: call.id, by: 'staff-lee', why: 'relabelled milk carton', action: 'add', productId: 'p-milk' });
    assert.equal(qty(view(), 'p-milk'), 1);
    assert.equal(view().staffCalls.length, 0);
    // An age-restricted item calls staff before checkout.
    scanIn('p-soap');
    await until('soap in, staff called for the check', () => qty(view(), 'p-soap') === 1 && view().staffCalls.some((c) => c.reason === 'age-restricted'));
    await assert.rejects(cart.checkout(CART), (e: any) => e.code === 'CART_NOT_READY');
    const check = view().staffCalls.find((c) => c.reason === 'age-restricted')!;
    await cart.staffResolve(CART, { callId: check.id, by: 'staff-lee', why: 'ID checked, adult', action: 'dismiss' });
    const doc = (await (store.runtime.gateway.ledger.db as any)['cart-sessions'].findOne(view().sessionId).exec()).toJSON() as cartFlow.CartSessionDoc;
    assert.deepEqual(
      doc.overrides.map((o) => [o.by, o.why, o.action]),
      [
        ['staff-lee', 'relabelled milk carton', 'add'],
        ['staff-lee', 'ID checked, adult', 'dismiss'],
      ],
    );
  });

  it('the request expires unanswered: the cart says so, nothing is charged', async () => {
    // (continues the trip above: juice, milk and soap in the cart, checks done; run alone, a paired
    // cart with juice in it stands in for it)
    if (!view().paired) await pairPhone();
    if (view().items.length === 0) {
      scanIn('p-juice');
      await until('juice in', () => qty(view(), 'p-juice') === 1 && view().prompt === 'none');
    }
    const before = await store.server.db.query("SELECT count(*)::int AS n FROM documents WHERE collection = 'payments'");
    await store.runtime.cart!.checkout(CART);
    await pendingRequest();
    await until('expired on the cart', () => view().state === 'shopping' && view().prompt === 'expired', 15_000);
    const after = await store.server.db.query("SELECT count(*)::int AS n FROM documents WHERE collection = 'payments'");
    assert.deepEqual(after.rows, before.rows, 'no payment');
  });

  it('server unreachable: the cart sends the shopper to a kiosk, which takes the basket (stored offline), and the gate opens', async () => {
    const cart = store.runtime.cart!;
    store.link.setEnabled(false);
    try {
      await assert.rejects(cart.checkout(CART), (e: any) => e.code === 'CART_SERVER_UNREACHABLE');
      assert.equal(view().prompt, 'pay-at-kiosk');
      assert.equal(view().state, 'shopping');
      // The basket keeps growing offline.
      scanIn('p-chips');
      await until('chips in, offline', () => qty(view(), 'p-chips') === 1);
      const total = view().total;
      const paid = await cart.payAtKiosk(CART);
      assert.equal(paid.outcome, 'stored', 'stored offline within the limits');
      assert.equal(paid.view.state, 'paid');
      assert.equal(paid.view.paidTotal, total);
      const session = view().sessionId;
      arrive();
      await until('released offline', () => view().sessionId !== session);
    } finally {
      store.link.setEnabled(true);
    }
  });

  it('a gateway restarted mid-basket keeps the basket and the pairing; the shopper pays and leaves', async () => {
    await pairPhone();
    scanIn('p-cola');
    await until('cola in before the restart', () => qty(view(), 'p-cola') === 1);
    const before = view();
    assert.ok(before.items.length > 0 && before.paired);
    await store.restartGateway();
    const after = store.runtime.cart!.view(CART);
    assert.equal(after.sessionId, before.sessionId);
    assert.deepEqual(after.items, before.items);
    assert.equal(after.paired, true);
    scanIn('p-oats');
    await until('oats in after the restart', () => qty(store.runtime.cart!.view(CART), 'p-oats') === 1);
    await store.runtime.cart!.checkout(CART);
    const request = await pendingRequest();
    assert.equal(request.amount, store.runtime.cart!.view(CART).total);
    assert.equal((await phone.post(`/wallet/api/requests/${request.id}/approve`, { proof: { method: 'password', password: '123456' } })).status, 200);
    await until('paid', () => store.runtime.cart!.view(CART).state === 'paid');
    arrive();
    await until('released', () => store.runtime.cart!.view(CART).sessionId !== before.sessionId);
  });

  it('the site sets random spot checks: a paid cart is held at the gate until staff let it out (who and why logged)', async () => {
    // The rate is a site setting written on the server (sites.cart.spotCheckRate) and replicated to the gateway.
    const setRate = async (spotCheckRate: number) => {
      const site = (await store.server.db.query<{ data: any }>("SELECT data FROM documents WHERE collection = 'sites' AND id = $1", [CART_SITE])).rows[0]!.data;
      const res = await fetch(`${store.server.url}/admin/sites/${CART_SITE}/sites`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${CART_ADMIN}`, 'content-type': 'application/json' },
        body: JSON.stringify([{ ...site, cart: { spotCheckRate }, updatedAt: new Date().toISOString() }]),
      });
      assert.equal(res.status, 200, await res.text());
      await until('the rate on the gateway', async () => (await store.runtime.gateway.ledger.db.sites.findOne(CART_SITE).exec())?.toJSON().cart?.spotCheckRate === spotCheckRate);
    };
    await setRate(1);
    try {
      const cart = store.runtime.cart!;
      if (!view().paired) await pairPhone();
      scanIn('p-tea');
      await until('tea in', () => qty(view(), 'p-tea') >= 1 && view().prompt === 'none');
      await cart.checkout(CART);
      const request = await pendingRequest();
      assert.equal((await phone.post(`/wallet/api/requests/${request.id}/approve`, { proof: { method: 'password', password: '123456' } })).status, 200);
      await until('paid', () => view().state === 'paid');
      const before = store.events.length;
      arrive();
      await until('held for a spot check', () => store.events.slice(before).some((e) => e.type === 'gate-held' && e.reason === 'spot-check'));
      assert.equal(view().heldReason, 'spot-check');
      const session = view().sessionId;
      await cart.staffRelease(CART, 'staff-park', 'spot check: basket as paid');
      await until('released', () => view().sessionId !== session);
      const doc = (await (store.runtime.gateway.ledger.db as any)['cart-sessions'].findOne(session).exec()).toJSON() as cartFlow.CartSessionDoc;
      assert.deepEqual(doc.overrides.map((o) => [o.by, o.why, o.action]).at(-1), ['staff-park', 'spot check: basket as paid', 'release']);
    } finally {
      await setRate(0);
    }
  });
});
