/**
 * The smart cart's part of `npm run demo` (issue 20): a cart gateway for the
 * demo store (its own ledger with the cart sessions, enrolled as a second
 * gateway of the site), the cart, exit gate and card terminal simulators on
 * its bus, the cart's screen and console on its own port, and terminal
 * commands that act as the shopper's hands at the cart. The cart's camera
 * frames are recognised by the demo store gateway's recognition worker (one
 * detector in the process). The shopper is the demo wallet's shopper.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CollectionRegistry, cartFlow, edgePayCollections, formatMoney } from '../core/index.ts';
import { startGatewayRuntime, type GatewayRuntime } from '../edge-services/index.ts';
import type { DemoFlow } from './context.ts';

const CART = 'cart-1';

export const cartDemo: DemoFlow = {
  name: 'smart cart',
  async start(ctx) {
    const dir = join(ctx.dataDir, 'cart');
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const statePath = join(dir, 'state.json');
    const state = existsSync(statePath)
      ? (JSON.parse(readFileSync(statePath, 'utf8')) as { gatewayId: string; credential: string })
      : ((await ctx.admin('/admin/gateways', { siteId: ctx.siteId, name: 'Demo cart gateway' })) as { gatewayId: string; credential: string });
    writeFileSync(statePath, JSON.stringify({ gatewayId: state.gatewayId, credential: state.credential }), { mode: 0o600 });
    const recognition = ctx.runtime.gateway.recognition;
    const runtime: GatewayRuntime = await startGatewayRuntime({
      dataDir: join(dir, 'gateway'),
      ledgerName: 'edgepay-cart-ledger',
      // A further gateway in the demo's process: RxDB's open-source build allows 16 collections per
      // process, so the cart gateway keeps only what carts use (its camera frames go to the store gateway's recognition).
      collections: cartFlow.cartCollections(new CollectionRegistry(edgePayCollections.list().filter((c) => ['payments', 'products', 'sites'].includes(c.name)))),
      siteId: ctx.siteId,
      gatewayId: state.gatewayId,
      server: { url: ctx.server.url, credential: state.credential },
      devices: { simulators: { only: ['card-terminal', 'cart', 'gate'], options: { gate: { siteId: ctx.siteId } } } },
      operatorPin: process.env.EDGEPAY_OPERATOR_PIN ?? '246810',
      http: { port: Number(process.env.CART_GATEWAY_PORT ?? 0) },
      cart: {
        carts: [CART],
        gateId: 'gate-1',
        walletOrigin: ctx.walletOrigin,
        // The site's setting (sites.cart.spotCheckRate) wins; this is the rate without one.
        spotCheckRate: Number(process.env.CART_SPOT_CHECK_RATE ?? 0),
        ...(recognition ? { recogniser: recognition } : {}),
        onEvent: (e) => {
          if (e.type === 'staff-call') ctx.log(`cart ${e.cartId}: staff called (${e.call.reason}${e.call.productId ? ', ' + e.call.productId : ''}), call ${e.call.id}`);
          else if (e.type === 'gate-held') ctx.log(`gate: cart ${e.cartId} held (${e.reason})`);
          else if (e.type === 'gate-opened') ctx.log(`gate: opened for cart ${e.cartId}`);
          else if (e.type === 'staff-override') ctx.log(`cart ${e.cartId}: ${e.override.by} ${e.override.action} (${e.override.why})`);
        },
      },
    });
    const cart = runtime.cart!;
    const sims = runtime.simulators!;
    let lastPrompt = '';
    const products = async () => new Map((await runtime.gateway.ledger.db.products.find().exec()).map((p) => [p.id, p.toJSON()]));
    const describe = (v: cartFlow.CartView) =>
      `cart ${v.cartId} [${v.state}${v.prompt !== 'none' ? ', ' + v.prompt : ''}${v.paired ? ', paired' : ''}]: ` +
      `${v.items.map((l) => `${l.name}×${l.quantity}`).join(', ') || '(empty)'}  total ${formatMoney({ amount: v.total, currency: v.currency as 'KRW' }, 'ko-KR')}` +
      (v.staffCalls.length ? `  staff calls: ${v.staffCalls.map((c) => `${c.id} ${c.reason}`).join(', ')}` : '') +
      (v.heldReason ? `  held: ${v.heldReason}` : '');
    const timer = setInterval(() => {
      const v = cart.view(CART);
      const now = `${v.state}/${v.prompt}/${v.version > 0 ? v.items.length : 0}`;
      if (v.prompt !== lastPrompt && (v.prompt === 'scan' || v.prompt === 'pay-at-kiosk' || v.prompt === 'go-to-gate' || v.prompt === 'declined' || v.prompt === 'expired')) ctx.log(describe(v));
      lastPrompt = v.prompt;
      void now;
    }, 300);
    const step = (m: Record<string, unknown>) => sims.control('cart', { action: 'step', ...m });
    // The weights come with the catalogue (products' `cart` facts, demo/catalogue.ts).
    let weights = new Map<string, number>();
    const gramsOf = (id: string) => weights.get(id);
    const lines = [
      `cart gateway   : ${state.gatewayId} (ledger ${join(dir, 'gateway', 'ledger')}, cart-sessions synced up)`,
      `cart screen    : ${runtime.api!.kioskUrl.replace(/\/kiosk$/, '')}/cart?cart=${CART}  (the pairing QR code, the basket, what to do; JSON: /api/cart/${CART})`,
      `pair the phone : open the shopper's wallet, then \`cart qr\` prints the address the cart's QR code holds`,
      `simulators     : ${CART} (camera frames of the evaluation set, barcode reader, load cell), gate-1 (exit gate), terminal-1`,
    ];
    return {
      lines,
      commands: {
        cart: {
          usage: 'cart [qr | put <product|frame> | scan <product> | take <product> | weigh <grams> | pay | kiosk | gate | staff <call> <dismiss|add|remove> [product] | release]',
          async run(args) {
            const [what = '', a1, a2, a3] = args;
            const ps = await products();
            weights = new Map([...ps].flatMap(([id, p]) => (p.cart ? [[id, p.cart.grams] as const] : [])));
            const byName = (x?: string) => (x && ps.has(x) ? x : x && ps.has('p-' + x) ? 'p-' + x : undefined);
            switch (what) {
              case '':
                return describe(cart.view(CART));
              case 'qr':
                return cart.view(CART).pairingUrl ?? 'already paired (or not shopping)';
              case 'put': {
                // A frame name of the evaluation set (shown to the camera) or a product (scanned) goes in with its weight.
                const frame = a1 && /^[a-z0-9-]+-(test|enrol)-\d+$/.test(a1) ? a1 : undefined;
                const id = frame ? byName(frame.replace(/-(test|enrol)-\d+$/, '')) : byName(a1);
                if (!id || !gramsOf(id)) return 'unknown product; try put p-cola-test-1, put water, put chips';
                step({ ...(frame ? { frame } : { barcode: ps.get(id)!.barcode }), deltaGrams: gramsOf(id) });
                return `put ${id} in (${gramsOf(id)} g)${frame ? ', shown to the camera' : ', scanned'}`;
              }
              case 'scan': {
                const id = byName(a1);
                if (!id) return 'unknown product';
                step({ barcode: ps.get(id)!.barcode });
                return `scanned ${id}`;
              }
              case 'take': {
                const id = byName(a1);
                if (!id || !gramsOf(id)) return 'unknown product';
                step({ barcode: ps.get(id)!.barcode, deltaGrams: -gramsOf(id)! });
                return `took ${id} out (scanned going out)`;
              }
              case 'weigh': {
                const g = Number(a1);
                if (!Number.isInteger(g) || g === 0) return 'weigh <grams>: something unseen goes in (or out, negative)';
                step({ deltaGrams: g });
                return `${g} g ${g > 0 ? 'in' : 'out'}, nothing shown or scanned`;
              }
              case 'pay':
                return describe(await cart.checkout(CART));
              case 'kiosk': {
                const r = await cart.payAtKiosk(CART);
                return `kiosk: ${r.outcome}; ${describe(r.view)}`;
              }
              case 'gate':
                sims.control('gate', { action: 'arrive', cartId: CART });
                return 'the cart is at the gate';
              case 'staff': {
                if (!a1 || (a2 !== 'dismiss' && a2 !== 'add' && a2 !== 'remove')) return 'staff <call-id> <dismiss|add|remove> [product]';
                const productId = byName(a3);
                return describe(await cart.staffResolve(CART, { callId: a1, by: 'demo-staff', why: 'checked at the cart (demo)', action: a2, ...(productId ? { productId } : {}) }));
              }
              case 'release':
                return describe(await cart.staffRelease(CART, 'demo-staff', 'checked at the gate (demo)'));
              default:
                return this.usage;
            }
          },
        },
      },
      async stop() {
        clearInterval(timer);
        await runtime.stop();
      },
    };
  },
};
