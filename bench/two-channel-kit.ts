/**
 * What the two-channel bench and its end-to-end test both start: a payment
 * device (a gateway runtime whose BLE reader simulator listens on the
 * simulated air, and the card-less payment device's simulator: display and
 * release, on the same bus; with the flow's TwoChannelPaymentDevice) enrolled through
 * the admin routes. (tests/two-channel/support.ts re-exports it: a bench may
 * not import tests.)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { twoChannel as TC } from '../core/index.ts';
import { startGatewayRuntime, twoChannelDevice, type GatewayRuntime } from '../edge-services/index.ts';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export async function admin(url: string, token: string, path: string, body?: unknown): Promise<any> {
  const res = await fetch(url + path, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { authorization: 'Bearer ' + token, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const json = await res.json();
  if (!res.ok) throw new Error(`${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

export type PaymentDeviceSite = {
  runtime: GatewayRuntime;
  device: twoChannelDevice.TwoChannelPaymentDevice;
  airPort: number;
  gateway: { gatewayId: string; siteId: string; credential: string };
  stop(): Promise<void>;
};

/** A gateway with a BLE reader (simulator on the air) and the flow's payment device, enrolled at `siteId`. */
export async function startPaymentDevice(opts: {
  serverUrl: string;
  adminToken: string;
  siteId: string;
  name: string;
  place: { kind: TC.TwoChannelPlaceKind; label: string };
  merchantName: string;
  policy?: TC.SightingPolicy;
}): Promise<PaymentDeviceSite> {
  const gateway = await admin(opts.serverUrl, opts.adminToken, '/admin/gateways', { siteId: opts.siteId, name: opts.name });
  const dataDir = mkdtempSync(join(tmpdir(), 'edgepay-two-channel-'));
  const airPort = await freePort();
  const runtime = await startGatewayRuntime({
    dataDir,
    ledgerName: 'ledger-' + opts.siteId,
    siteId: opts.siteId,
    gatewayId: gateway.gatewayId,
    operatorPin: '246810',
    server: { url: opts.serverUrl, credential: gateway.credential },
    devices: { simulators: { only: ['ble-reader', 'payment-device'], options: { 'ble-reader': { airPort, reportEveryMs: 50 } } } },
  });
  const device = await twoChannelDevice.TwoChannelPaymentDevice.start({
    bus: runtime.bus.bus,
    readerId: 'ble-1',
    displayId: 'paydev-1',
    server: { url: opts.serverUrl, credential: gateway.credential },
    place: opts.place,
    merchantName: opts.merchantName,
    currency: 'KRW',
    ...(opts.policy ? { policy: opts.policy } : {}),
  });
  return {
    runtime,
    device,
    airPort,
    gateway,
    async stop() {
      await device.stop();
      await runtime.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
