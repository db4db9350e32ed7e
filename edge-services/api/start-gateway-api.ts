/**
 * Serves the gateway's local API (HTTP + WebSocket) and returns where the
 * kiosk and the console live. `serveGatewayApi` serves a running
 * GatewayService (the composition root, startGatewayRuntime, uses it);
 * `startGatewayApi` makes the service from parts too (a gateway put together
 * by a test).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { MethodTable } from '../../core/index.ts';
import type { GatewaySync, LedgerDatabase } from '../../sync/index.ts';
import type { RunningBus } from '../bus/index.ts';
import type { KioskCheckout } from '../checkout/index.ts';
import { deviceStatus, type DriverSupervisor } from '../drivers/index.ts';
import { createGatewayService, type ApiExtension, type GatewayService, type GatewayServiceParts } from './gateway-service.ts';
import { buildGatewayHttpApp, type HttpProbes } from './http-app.ts';
import type { NetworkSwitch } from './network-link.ts';
import { RequestGuard } from './request-guard.ts';

/** Where `vite build` puts the UI (renderer/dist). */
export const DEFAULT_UI_DIR = join(import.meta.dirname, '..', '..', 'renderer', 'dist');

/** Where and how the API listens. */
export type GatewayHttpServeOptions = {
  /** Default 127.0.0.1; give 0.0.0.0 for a second screen on the LAN (then list its names in lanHosts). */
  host?: string;
  port?: number;
  /** host:port names the gateway answers to besides 127.0.0.1/localhost (e.g. '192.168.1.20:8181'). */
  lanHosts?: string[];
  kioskFromLan?: boolean;
  uiDir?: string;
  logger?: boolean | { level: string };
  /** Serve `/healthz` and `/metrics` (the composition root gives them). */
  probes?: HttpProbes;
};

export type GatewayApiOptions = GatewayHttpServeOptions & {
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
  pollMs?: number;
  /** Methods beyond core's table, each with its handler (served by every transport like the rest). */
  extension?: ApiExtension<MethodTable>;
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

/** Serves `service` over HTTP + WebSocket; close() stops serving (the service is the caller's to stop). */
export async function serveGatewayApi(service: GatewayService, options: GatewayHttpServeOptions = {}): Promise<RunningGatewayApi> {
  const uiDir = options.uiDir ?? DEFAULT_UI_DIR;
  const servesUi = existsSync(join(uiDir, 'index.html'));
  const host = options.host ?? '127.0.0.1';
  // Until the port is known no host is allowed, so nothing is answered early.
  const guard = new RequestGuard({ allowedHosts: [], kioskFromLan: options.kioskFromLan ?? false });
  const { app, wss } = buildGatewayHttpApp({
    service,
    guard,
    ...(servesUi ? { uiDir } : {}),
    ...(options.logger !== undefined ? { logger: options.logger } : {}),
    ...(options.probes ? { probes: options.probes } : {}),
  });
  await app.listen({ host, port: options.port ?? 0 });
  const port = (app.server.address() as { port: number }).port;
  guard.setAllowedHosts([`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`, ...(host === '0.0.0.0' || host === '::' ? [] : [`${host}:${port}`]), ...(options.lanHosts ?? [])]);
  const url = `http://${host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host}:${port}`;
  return {
    url,
    kioskUrl: `${url}/kiosk`,
    consoleUrl: `${url}/console`,
    service,
    servesUi,
    async close() {
      for (const c of wss.clients) c.terminate();
      wss.close();
      await app.close();
    },
  };
}

/** Makes the service from parts, starts it and serves it; close() stops both. */
export async function startGatewayApi(options: GatewayApiOptions): Promise<RunningGatewayApi> {
  const { bus, supervisors = [] } = options;
  const service = createGatewayService(
    {
      kiosk: options.kiosk,
      db: options.db,
      siteId: options.siteId,
      operatorPin: options.operatorPin,
      ...(options.sync ? { sync: options.sync } : {}),
      ...(bus ? { bus: bus.bus, devices: () => deviceStatus(bus, supervisors) } : {}),
      ...(options.network ? { network: options.network } : {}),
      ...(options.recognition ? { recognition: options.recognition } : {}),
      ...(options.pollMs ? { pollMs: options.pollMs } : {}),
    },
    options.extension,
  );
  const served = await serveGatewayApi(service, options);
  service.start();
  return {
    ...served,
    async close() {
      service.stop();
      await served.close();
    },
  };
}
