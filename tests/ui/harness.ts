/**
 * A whole store for the UI tests, from real parts: the central server
 * (PGlite, sandbox acquirer) and the gateway as startGatewayRuntime wires it
 * (ledger synced through the network link, the console's cable switch; the
 * device bus with the card terminal simulator process; recognition; the
 * kiosk checkout; the API serving the built UI). Everything is stopped and
 * deleted by `stop()`.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, type RunningServer } from '../../server/index.ts';
import type { GatewaySync, Ledger } from '../../sync/index.ts';
import { startGatewayRuntime, type KioskCheckout, startNetworkLink, type DeviceSimulators, type NetworkLink, type RunningBus, type RunningGatewayApi } from '../../edge-services/index.ts';
import { adminClient } from '../support/admin.ts';

export const ADMIN = 'ui-admin-token-0123456789abcdef';
export const SITE = 'ui-store';
export const PIN = '246810';

/** Test catalogue: ordinary items, one the terminal declines (ends in 51), one the acquirer declines (ends in 77), one over the offline per-payment limit. */
export const ITEMS = {
  water: { barcode: '8801234000011', name: 'Water 500ml', amount: 900, ko: '생수 500ml' },
  coffee: { barcode: '8801234000028', name: 'Canned coffee', amount: 1800, ko: '캔커피' },
  kimbap: { barcode: '8801234000035', name: 'Kimbap', amount: 3500, ko: '참치김밥' },
  declined: { barcode: '8801234000042', name: 'Gift box (declined)', amount: 1051 },
  acquirerDeclined: { barcode: '8801234000059', name: 'Snack set', amount: 1077 },
  big: { barcode: '8801234000066', name: 'Headphones', amount: 59_000 },
  // A pack of the recognition evaluation set, for teaching the cameras from the console.
  cola: { barcode: '8801000000357', name: 'Fizz Cola', amount: 1800 },
} as const;

export async function until(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('timed out waiting for ' + what);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export type Store = {
  root: string;
  server: RunningServer;
  ledger: Ledger;
  sync: GatewaySync;
  link: NetworkLink;
  bus: RunningBus;
  sims: DeviceSimulators;
  kiosk: KioskCheckout;
  api: RunningGatewayApi;
  stop(): Promise<void>;
};

/** A small product picture (SVG data URL), as a catalogue carries it. */
export const PICTURE =
  'data:image/svg+xml;base64,' +
  Buffer.from(
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 96 96"><rect width="96" height="96" rx="18" fill="#e0f2fe"/><rect x="32" y="20" width="32" height="64" rx="8" fill="#2563eb"/></svg>',
  ).toString('base64');

/** `printerOut`: also run the receipt printer simulator, keeping printed jobs there. */
export async function startStore(options: { uiDir?: string; printerOut?: string } = {}): Promise<Store> {
  const root = mkdtempSync(join(tmpdir(), 'edgepay-ui-'));
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
    const server = await startServer({ adminToken: ADMIN, port: 0, pgliteDir: join(root, 'server'), sandbox: { latencyMs: [2, 8] }, logger: { level: 'warn' } });
    stops.push(() => server.close());
    const admin = adminClient(server.url, ADMIN);
    const gw = await admin('/admin/gateways', { siteId: SITE, name: 'ui' });
    const now = new Date().toISOString();
    await admin(
      `/admin/sites/${SITE}/sites`,
      [
        {
          id: SITE,
          name: 'EdgePay Seongsu',
          timezone: 'Asia/Seoul',
          currency: 'KRW',
          locale: 'ko-KR',
          updatedAt: now,
          offlineLimits: { perPayment: [{ amount: 50_000, currency: 'KRW' }], totalStored: [{ amount: 200_000, currency: 'KRW' }], maxAgeMinutes: 1440 },
        },
      ],
      'PUT',
    );
    await admin(
      `/admin/sites/${SITE}/products`,
      Object.entries(ITEMS).map(([id, p]) => ({
        id: 'p-' + id,
        siteId: SITE,
        sku: id.toUpperCase(),
        barcode: p.barcode,
        name: p.name,
        price: { amount: p.amount, currency: 'KRW' },
        active: true,
        updatedAt: now,
        ...('ko' in p ? { names: { ko: p.ko, en: p.name }, picture: PICTURE } : {}),
      })),
      'PUT',
    );

    const link = await startNetworkLink(server.url);
    stops.push(() => link.close());
    const runtime = await startGatewayRuntime({
      dataDir: join(root, 'gateway'),
      siteId: SITE,
      gatewayId: gw.gatewayId,
      server: { url: link.url, credential: gw.credential, backoff: { initialMs: 100, maxMs: 400 } },
      recognition: { backend: 'wasm' },
      devices: options.printerOut
        ? { simulators: { only: ['card-terminal', 'printer'], options: { 'card-terminal': { stepMs: 5 }, printer: { outDir: options.printerOut } } } }
        : { simulators: { only: ['card-terminal'], options: { 'card-terminal': { stepMs: 5 } } } },
      // E-receipts point at the server itself (the gateway reaches it through the link).
      receiptBaseUrl: server.url,
      awaitCardTerminal: true,
      operatorPin: PIN,
      network: link,
      pollMs: 200,
      http: options.uiDir ? { uiDir: options.uiDir } : {},
    });
    stops.push(() => runtime.stop());
    const { ledger } = runtime.gateway;
    const sync = runtime.gateway.sync!;
    await until('catalogue on the gateway', async () => (await ledger.db.products.count().exec()) === Object.keys(ITEMS).length && (await ledger.db.sites.findOne(SITE).exec()) !== null);
    const { bus, kiosk } = runtime;
    const sims = runtime.simulators!;
    const api = runtime.api!;
    return { root, server, ledger, sync, link, bus, sims, kiosk, api, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
