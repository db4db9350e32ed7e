/**
 * Starts the gateway's local API (HTTP + WebSocket) over running parts and
 * returns where the kiosk and the console live. Used by the demo, the UI
 * tests and (inside Electron's utility process) the app.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { GatewaySync, LedgerDatabase } from '../../sync/index.ts';
import type { RunningBus } from '../bus/index.ts';
import type { KioskCheckout } from '../checkout/index.ts';
import { deviceStatus, type DriverSupervisor } from '../drivers/index.ts';
import { GatewayService, type GatewayServiceParts } from './gateway-service.ts';
import { buildGatewayHttpApp } from './http-app.ts';
import type { NetworkSwitch } from './network-link.ts';
import { RequestGuard } from './request-guard.ts';

/** Where `vite build` puts the UI (renderer/dist). */
export const DEFAULT_UI_DIR = join(import.meta.dirname, '..', '..', 'renderer', 'dist');

export type GatewayApiOptions = {
  kiosk: KioskCheckout;
  db: LedgerDatabase;
  siteId: string;
  operatorPin: string;
  sync?: GatewaySync;
  bus?: RunningBus;
  supervisors?: readonly DriverSupervisor[];
  network?: NetworkSwitch;
  /** Recognition for kiosk camera frames (the gateway's SiteRecognition). */
  recognition?: GatewayServiceParts['recognition'];
  /** Default 127.0.0.1; give 0.0.0.0 for a second screen on the LAN (then list its names in lanHosts). */
  host?: string;
  port?: number;
  /** host:port names the gateway answers to besides 127.0.0.1/localhost (e.g. '192.168.1.20:8181'). */
  lanHosts?: string[];
  kioskFromLan?: boolean;
  uiDir?: string;
  pollMs?: number;
  logger?: boolean | { level: string };
};

export type RunningGatewayApi = {
  readonly url: string;
  readonly kioskUrl: string;
  readonly consoleUrl: string;
  readonly service: GatewayService;
  /** True when the built UI was found (else only the API is served). */
  readonly servesUi: boolean;
  close(): Promise<void>;
};

export async function startGatewayApi(options: GatewayApiOptions): Promise<RunningGatewayApi> {
  const { bus, supervisors = [] } = options;
  const service = new GatewayService({
    kiosk: options.kiosk,
    db: options.db,
    siteId: options.siteId,
    operatorPin: options.operatorPin,
    ...(options.sync ? { sync: options.sync } : {}),
    ...(bus ? { bus: bus.bus, devices: () => deviceStatus(bus, supervisors) } : {}),
    ...(options.network ? { network: options.network } : {}),
    ...(options.recognition ? { recognition: options.recognition } : {}),
    ...(options.pollMs ? { pollMs: options.pollMs } : {}),
  });
  const uiDir = options.uiDir ?? DEFAULT_UI_DIR;
  const servesUi = existsSync(join(uiDir, 'index.html'));
  const host = options.host ?? '127.0.0.1';
  // Until the port is known no host is allowed, so nothing is answered early.
  const guard = new RequestGuard({ allowedHosts: [], kioskFromLan: options.kioskFromLan ?? false });
  const { app, wss } = buildGatewayHttpApp({ service, guard, ...(servesUi ? { uiDir } : {}), ...(options.logger !== undefined ? { logger: options.logger } : {}) });
  await app.listen({ host, port: options.port ?? 0 });
  const port = (app.server.address() as { port: number }).port;
  guard.setAllowedHosts([`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`, ...(host === '0.0.0.0' || host === '::' ? [] : [`${host}:${port}`]), ...(options.lanHosts ?? [])]);
  service.start();
  const url = `http://${host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host}:${port}`;
  return {
    url,
    kioskUrl: `${url}/kiosk`,
    consoleUrl: `${url}/console`,
    service,
    servesUi,
    async close() {
      service.stop();
      for (const c of wss.clients) c.terminate();
      wss.close();
      await app.close();
    },
  };
}

