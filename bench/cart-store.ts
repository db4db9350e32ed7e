/**
 * A whole store with a smart cart, from real parts, for the cart bench and
 * the cart tests (tests/cart/): the central server (PostgreSQL when reachable, else PGlite;
 * sandbox acquirer; the demo wallet seeded: a shopper with a card and the
 * payment password), the store gateway as startGatewayRuntime wires it with
 * the cart flow (ledger with `cart-sessions` synced through a network link the
 * test can cut), the cart, exit gate and card terminal simulator processes on
 * the CURVE bus, and optionally recognition (WASM) with the evaluation set's
 * packs enrolled. The shopper's phone is a wallet session over HTTP
 * (`phone()`), or the wallet page in Chromium in the UI test.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { cartFlow } from '../core/index.ts';
import { serverTesting, startServer, wallet, type RunningServer } from '../server/index.ts';

import { frameBytes, loadManifest, startGatewayRuntime, startNetworkLink, type CartFlowEvent, type GatewayRuntime, type NetworkLink } from '../edge-services/index.ts';

/** An admin call: JSON in and out, anything but 2xx throws with the server's answer. */
function adminClient(base: string, token: string) {
  return async (path: string, body: unknown, method = 'POST'): Promise<any> => {
    const res = await fetch(base + path, { method, headers: { authorization: 'Bearer ' + token, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const text = await res.text();
    if (res.status < 200 || res.status >= 300) throw new Error(`${path}: ${res.status} ${text}`);
    return JSON.parse(text);
  };
}

/** Waits for a condition with a deadline (never a fixed sleep). */
export async function until(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 30_000, pollMs = 20): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('timed out waiting for ' + what);
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

export const ADMIN = 'cart-admin-token-0123456789abcdef';
export const SITE = 'cart-store';
export const PIN = '246810';

/**
 * The cart catalogue: the evaluation set's enrolled packs (their barcodes are
 * the generator's), prices, and what the cart needs besides: weight,
 * tolerance and flags. Soap is age-restricted here, coffee high-value (to
 * show the staff check), weights chosen so no two products are within each
 * other's tolerance.
 */
export const CART_PRODUCTS: Record<string, { name: string; barcode: string; price: number; grams: number; tol: number; flags?: cartFlow.CartProductFlag[] }> = {
  'p-oats': { name: 'Sunny Oats 500 g', barcode: '8801000000111', price: 4200, grams: 530, tol: 15 },
  'p-choco': { name: 'Choco Flakes 375 g', barcode: '8801000000289', price: 4800, grams: 405, tol: 15 },
  'p-cola': { name: 'Fizz Cola 355 ml', barcode: '8801000000357', price: 1800, grams: 370, tol: 10 },
  'p-lime': { name: 'Fizz Lime 355 ml', barcode: '8801000000425', price: 1800, grams: 372, tol: 10 },
  'p-water': { name: 'Clear Spring Water 1 l', barcode: '8801000000593', price: 900, grams: 1030, tol: 20 },
  'p-juice': { name: 'Orchard Apple Juice 1 l', barcode: '8801000000661', price: 3200, grams: 1090, tol: 20 },
  'p-chips': { name: 'Crunchy Chips Salted 150 g', barcode: '8801000000739', price: 2500, grams: 160, tol: 8 },
  'p-paprika': { name: 'Crunchy Chips Paprika 150 g', barcode: '8801000000807', price: 2500, grams: 162, tol: 8 },
  'p-tea': { name: 'Green Leaf Tea 20 bags', barcode: '8801000000975', price: 3900, grams: 60, tol: 6 },
  'p-soap': { name: 'Pure Soap Lavender', barcode: '8801000001033', price: 2900, grams: 110, tol: 6, flags: ['age-restricted'] },
  'p-milk': { name: 'Fresh Milk 1 l', barcode: '8801000001101', price: 2700, grams: 1060, tol: 20 },
  'p-coffee': { name: 'Cup of coffee', barcode: '', price: 4500, grams: 300, tol: 12, flags: ['high-value'] },
};

export type CartStore = {
  root: string;
  server: RunningServer;
  runtime: GatewayRuntime;
  link: NetworkLink;
  shopperId: string;
  events: CartFlowEvent[];
  /** A shopper's phone: a signed-in wallet session over HTTP. */
  phone(userId?: string): Promise<Phone>;
  /** Puts the gateway down and up again on the same ledger (restart mid-basket). */
  restartGateway(): Promise<void>;
  stop(): Promise<void>;
};

export type Phone = {
  /** The session's cookie (for a stream the bench reads itself). */
  readonly cookie: string;
  get(path: string): Promise<{ status: number; body: any }>;
  post(path: string, body: unknown): Promise<{ status: number; body: any }>;
};

export async function startCartStore(
  options: { recognition?: boolean; enrol?: string[]; requestTtlSeconds?: number; spotCheckRate?: number; uiDir?: string; sandboxLatencyMs?: [number, number] } = {},
): Promise<CartStore> {
  const root = mkdtempSync(join(tmpdir(), 'edgepay-cart-'));
  const stops: (() => Promise<unknown> | void)[] = [() => rmSync(root, { recursive: true, force: true })];
  const stop = async () => {
    for (const s of stops.splice(0).reverse()) {
      try {
        await s();
      } catch (err) {
        console.error('cleanup:', err);
      }
    }
  };
  try {
    const database = await serverTesting.freshPostgres();
    stops.push(() => database.drop());
    const server = await startServer({
      adminToken: ADMIN,
      port: 0,
      ...(database.databaseUrl ? { databaseUrl: database.databaseUrl } : { pgliteDir: join(root, 'server') }),
      sandbox: { latencyMs: options.sandboxLatencyMs ?? [2, 8] },
      logger: { level: 'warn' },
      // The wallet page too when the screens are tested (the phone in Chromium).
      wallet: { demoSignIn: true, ...(options.uiDir ? { uiDir: options.uiDir } : {}) },
    });
    stops.push(() => server.close());
    const demo = await wallet.seedDemoWallet(server.db);
    const shopperId = demo.users.find((u) => u.role === 'shopper')!.userId;
    const admin = adminClient(server.url, ADMIN);
    const gw = await admin('/admin/gateways', { siteId: SITE, name: 'cart-store' });
    const now = new Date().toISOString();
    await admin(
      `/admin/sites/${SITE}/sites`,
      [
        {
          id: SITE,
          name: 'EdgePay Cart Store',
          timezone: 'Asia/Seoul',
          currency: 'KRW',
          locale: 'ko-KR',
          updatedAt: now,
          offlineLimits: { perPayment: [{ amount: 50_000, currency: 'KRW' }], totalStored: [{ amount: 200_000, currency: 'KRW' }], maxAgeMinutes: 1440 },
          // The gate's random checks are a site setting (sites schema 2).
          cart: { spotCheckRate: options.spotCheckRate ?? 0 },
        },
      ],
      'PUT',
    );
    await admin(
      `/admin/sites/${SITE}/products`,
      Object.entries(CART_PRODUCTS).map(([id, p]) => ({
        id,
        siteId: SITE,
        sku: id.toUpperCase(),
        barcode: p.barcode,
        name: p.name,
        price: { amount: p.price, currency: 'KRW' },
        active: true,
        updatedAt: now,
        // The cart's facts travel with the catalogue (products schema 2): weight, tolerance and checks.
        cart: { grams: p.grams, toleranceGrams: p.tol, ...(p.flags ? { flags: p.flags } : {}) },
      })),
      'PUT',
    );

    const link = await startNetworkLink(server.url);
    stops.push(() => link.close());
    const events: CartFlowEvent[] = [];
    const start = () =>
      startGatewayRuntime({
        dataDir: join(root, 'gateway'),
        siteId: SITE,
        gatewayId: gw.gatewayId,
        server: { url: link.url, credential: gw.credential, backoff: { initialMs: 100, maxMs: 400 } },
        ...(options.recognition ? { recognition: { backend: 'wasm' as const } } : {}),
        devices: {
          simulators: {
            only: ['card-terminal', 'cart', 'gate'],
            options: { 'card-terminal': { stepMs: 5 }, cart: { settleMs: 40 }, gate: { siteId: SITE, passMs: 20 } },
          },
        },
        awaitCardTerminal: true,
        operatorPin: PIN,
        network: link,
        http: options.uiDir ? { uiDir: options.uiDir } : {},
        cart: {
          carts: ['cart-1'],
          gateId: 'gate-1',
          walletOrigin: server.url.replace('127.0.0.1', 'localhost'),
          ...(options.requestTtlSeconds ? { requestTtlSeconds: options.requestTtlSeconds } : {}),
          onEvent: (e) => events.push(e),
        },
      });
    let runtime = await start();
    let stopRuntime = () => runtime.stop();
    stops.push(() => stopRuntime());
    const catalogueArrived = () =>
      until(
        'catalogue on the gateway',
        async () => (await runtime.gateway.ledger.db.products.count().exec()) === Object.keys(CART_PRODUCTS).length && (await runtime.gateway.ledger.db.sites.findOne(SITE).exec()) !== null,
      );
    await catalogueArrived();
    if (options.recognition) {
      // The operator taught the gateway the packs: the evaluation set's enrolment views (barcode side hidden).
      const recognition = runtime.gateway.recognition!;
      const evalSet = loadManifest();
      for (const productId of options.enrol ?? ['p-cola', 'p-chips']) {
        const views = evalSet.frames.filter((f) => f.object === productId && f.split === 'enrol' && !f.barcodeVisible);
        await recognition.enrol(
          productId,
          views.map((f) => new Uint8Array(frameBytes(f))),
        );
      }
      await recognition.settled();
    }

    const phone = async (userId = shopperId): Promise<Phone> => {
      const signIn = await fetch(`${server.url}/wallet/demo/${userId}`, { redirect: 'manual' });
      const cookie = signIn.headers
        .getSetCookie()
        .map((c) => c.split(';')[0])
        .join('; ');
      const session = (await (await fetch(server.url + '/wallet/api/session', { headers: { cookie } })).json()) as { csrfToken: string };
      const origin = server.url.replace('127.0.0.1', 'localhost');
      return {
        cookie,
        async get(path) {
          const res = await fetch(server.url + path, { headers: { cookie } });
          return { status: res.status, body: await res.json().catch(() => undefined) };
        },
        async post(path, body) {
          const res = await fetch(server.url + path, {
            method: 'POST',
            headers: { cookie, origin, 'content-type': 'application/json', 'x-csrf-token': session.csrfToken },
            body: JSON.stringify(body),
          });
          return { status: res.status, body: await res.json().catch(() => undefined) };
        },
      };
    };

    return {
      root,
      server,
      get runtime() {
        return runtime;
      },
      link,
      shopperId,
      events,
      phone,
      async restartGateway() {
        await runtime.stop();
        runtime = await start();
        stopRuntime = () => runtime.stop();
      },
      stop,
    } as CartStore;
  } catch (err) {
    await stop();
    throw err;
  }
}

/** The session id and code of the cart's QR code (what the phone's camera reads). */
export function pairingOf(view: cartFlow.CartView): { sessionId: string; code: string } {
  const url = new URL(view.pairingUrl!.replace('/#/', '/'));
  return { sessionId: url.searchParams.get('s')!, code: url.searchParams.get('c')! };
}

/**
 * The catalogue as the trip takes it: without the flags (an age or value check
 * is the site's policy, not a disagreement of camera and weight; those staff
 * calls are tested on their own), so the trip measures the fusion.
 */
export function tripProducts(): Map<string, import('./cart-trip.ts').TripProduct> {
  return new Map(Object.entries(CART_PRODUCTS).map(([id, p]) => [id, { id, name: p.name, unitAmount: p.price, grams: p.grams, toleranceGrams: p.tol, ...(p.barcode ? { barcode: p.barcode } : {}) }]));
}
