/**
 * The gateway's composition root: everything a store gateway runs, wired in
 * one place and stopped in reverse order. The ledger and its sync with the
 * server, product recognition (when configured), the device bus with the
 * devices the configuration names (real HID drivers, enrolled LAN devices,
 * and the simulators only when asked), the kiosk checkout, the GatewayService
 * (the API in process) and, when asked, its HTTP + WebSocket transport.
 *
 * Electron's gateway process, the demo, the UI test harness, the end-to-end
 * tests and the UI bench all start a gateway through this, so they run the
 * same wiring.
 */
import { createKioskPayLater, type KioskPayLaterConfig } from '../flows/credit/index.ts';
import { createHash } from 'node:crypto';
import { cartFlow, EdgePayError, isEdgePayError, type CollectionRegistry, type DeviceKind, type MethodTable } from '../../core/index.ts';
import { CartFlow, type CartFlowDeps } from '../flows/cart/index.ts';
import {
  serveGatewayApi,
  createGatewayService,
  type ReceiptPrinter,
  type ApiExtension,
  type GatewayHttpServeOptions,
  type GatewayService,
  type NetworkSwitch,
  type RunningGatewayApi,
} from '../api/index.ts';
import { startBus, type RunningBus, type StartBusOptions } from '../bus/index.ts';
import { busCardTerminal, KioskCheckout } from '../checkout/index.ts';
import { deviceStatus, DriverSupervisor, HID_DRIVER_ENTRY, type DeviceStatusRow, type HidDriverConfig } from '../drivers/index.ts';
import type { RecognitionServiceOptions } from '../recognition/index.ts';
import { SIMULATOR_DEVICE_IDS, startDeviceSimulators, type DeviceSimulators, type StartDeviceSimulatorsOptions } from '../simulators/index.ts';
import { createGatewayProbes, type GatewayProbes } from './gateway-probes.ts';
import { startGateway, type Gateway, type GatewayOptions } from './start-gateway.ts';
import { LobbyDesk, type LobbyConfig } from '../flows/elevator/index.ts';
import { gatewayLog } from '../logging/gateway-log.ts';

/** Which devices the gateway runs. Nothing is simulated unless `simulators` says so. */
export type GatewayDevicesConfig = {
  /** Supervised HID driver processes on real hardware (node-hid), one per device id (e.g. the kiosk's scanner). */
  hid?: { deviceId: string; kind?: DeviceKind; config: HidDriverConfig }[];
  /** LAN devices (a card terminal, an elevator controller...) admitted by their CURVE public key. */
  enrolled?: { deviceId: string; kind: DeviceKind; publicKey: string }[];
  /** Device simulator processes (demo, tests): only when given. */
  simulators?: StartDeviceSimulatorsOptions;
  /** The card terminal the kiosk charges (default: the simulator's when it runs, else `terminal-1`). */
  cardTerminalId?: string;
  /** The kiosk's receipt printer (default: the simulator's when it runs, else `printer-1` if enrolled). */
  printerId?: string;
  bus?: StartBusOptions;
};

export type GatewayRuntimeConfig = {
  /** Folder for everything the gateway keeps on disk (the ledger in `<dataDir>/ledger`). */
  dataDir: string;
  ledgerName?: string;
  /** This gateway's site and id (from its enrolment). */
  siteId: string;
  gatewayId: string;
  /** The central server and this gateway's credential; without it the gateway sells offline only. */
  server?: GatewayOptions['server'];
  /** Start product recognition (a worker thread; loads the detector, about a second). */
  recognition?: RecognitionServiceOptions;
  devices?: GatewayDevicesConfig;
  /** The console's sign-in PIN. */
  operatorPin: string;
  /** The console's network switch (the demo's cable). */
  network?: NetworkSwitch;
  /** How often sync and device status are compared for live events (ms). */
  pollMs?: number;
  /** Serve the API over HTTP + WebSocket (the kiosk and console in a browser); Electron's process calls the service over IPC instead. */
  http?: GatewayHttpServeOptions;
  /** API methods beyond core's, with their handlers. */
  extension?: ApiExtension<MethodTable>;
  /** Pay later at the kiosk: the store's merchant credential and key with the PG (flow `credit`). */
  payLater?: Omit<KioskPayLaterConfig, 'serverUrl'>;
  /** The central server's address as customers' phones reach it, for e-receipt QR codes (default: `server.url`). */
  receiptBaseUrl?: string;
  /**
   * The ledger's and sync's collections (default: core's registry, plus
   * `cart-sessions` when `cart` is given). RxDB's open-source build allows 16 per process.
   */
  collections?: CollectionRegistry;
  /** Smart carts (the `cart` flow): the cart devices, the exit gate, the catalogue's weights, where the wallet lives. */
  cart?: Omit<CartFlowDeps, 'sessions' | 'products' | 'sites' | 'bus' | 'siteId' | 'gatewayId' | 'server' | 'kiosk' | 'pairingSecret' | 'currency'> & {
    currency?: string;
    /** The pairing codes' secret (default: derived from the gateway's credential). */
    pairingSecret?: string;
  };
  /** Wait until the card terminal answers on the bus before returning. */
  awaitCardTerminal?: boolean;
  /**
   * The lobby terminal (the elevator flow): needs `server`. The card terminal
   * and elevator controller default to the simulators' ids.
   */
  lobby?: Partial<Omit<LobbyConfig, 'server' | 'currency'>> & { currency: string };
};

export type GatewayRuntime = {
  /** Ledger, sync and recognition. */
  readonly gateway: Gateway;
  readonly bus: RunningBus;
  readonly simulators: DeviceSimulators | undefined;
  readonly supervisors: readonly DriverSupervisor[];
  readonly kiosk: KioskCheckout;
  /** The smart carts, when configured. */
  readonly cart: CartFlow | undefined;
  /** The lobby terminal's desk (when `lobby` was given). */
  readonly lobby: LobbyDesk | undefined;
  /** The API in process (both transports call it). */
  readonly service: GatewayService;
  readonly api: RunningGatewayApi | undefined;
  /** One row per enrolled device, for the console and the demo. */
  devices(): DeviceStatusRow[];
  /** Health and metrics (also served as /healthz and /metrics with `http`). */
  readonly probes: GatewayProbes;
  stop(): Promise<void>;
};

export async function startGatewayRuntime(config: GatewayRuntimeConfig): Promise<GatewayRuntime> {
  const stops: (() => Promise<unknown> | unknown)[] = [];
  const stop = async () => {
    for (const s of stops.splice(0).reverse()) {
      try {
        await s();
      } catch (err) {
        // Stop the rest anyway: a part that fails to close must not leave the others running.
        gatewayLog('gateway').error({ event: 'stop-failed', err }, 'a part of the gateway failed to stop');
      }
    }
  };
  try {
    const gateway = await startGateway({
      dataDir: config.dataDir,
      ...(config.ledgerName ? { ledgerName: config.ledgerName } : {}),
      ...(config.collections ? { collections: config.collections } : {}),
      ...(config.server ? { server: config.server } : {}),
      ...(config.recognition ? { recognition: { ...config.recognition, siteId: config.siteId, gatewayId: config.gatewayId } } : {}),
      ...(config.collections ? { collections: config.collections } : config.cart ? { collections: cartFlow.cartCollections() } : {}),
    });
    stops.push(() => gateway.stop());

    const devices = config.devices ?? {};
    const bus = await startBus(devices.bus);
    stops.push(() => bus.stop());
    for (const d of devices.enrolled ?? []) bus.devices.enroll(d);
    const supervisors: DriverSupervisor[] = [];
    if (devices.hid?.length) {
      const drivers = new DriverSupervisor({ enroll: (id, kind) => bus.enrollNewDevice(id, kind) });
      stops.push(() => drivers.stop());
      for (const d of devices.hid) drivers.add({ name: d.deviceId, deviceId: d.deviceId, kind: d.kind ?? 'scanner', entry: HID_DRIVER_ENTRY, config: d.config });
      supervisors.push(drivers);
    }
    const simulators = devices.simulators ? startDeviceSimulators(bus, devices.simulators) : undefined;
    if (simulators) {
      stops.push(() => simulators.stop());
      supervisors.push(simulators.supervisor);
      await simulators.ready();
    }
    const terminalId = devices.cardTerminalId ?? simulators?.deviceIds['card-terminal'] ?? SIMULATOR_DEVICE_IDS['card-terminal'];
    if (config.awaitCardTerminal) await untilAnswers(bus, terminalId);

    const kiosk = new KioskCheckout({
      db: gateway.ledger.db,
      siteId: config.siteId,
      gatewayId: config.gatewayId,
      terminal: busCardTerminal(bus.bus, terminalId),
      ...(config.server && gateway.sync ? { server: { endpoint: { serverUrl: config.server.url, credential: config.server.credential }, sync: gateway.sync } } : {}),
    });
    let cart: CartFlow | undefined;
    if (config.cart) {
      const { pairingSecret, currency, ...cartConfig } = config.cart;
      const db = gateway.ledger.db as unknown as Record<string, unknown>;
      cart = new CartFlow({
        ...cartConfig,
        sessions: db[cartFlow.CART_SESSIONS_COLLECTION],
        products: gateway.ledger.db.products,
        sites: gateway.ledger.db.sites,
        bus: bus.bus,
        siteId: config.siteId,
        gatewayId: config.gatewayId,
        currency: currency ?? 'KRW',
        pairingSecret:
          pairingSecret ??
          createHash('sha256')
            .update('edgepay-cart-pairing:' + (config.server?.credential ?? config.gatewayId))
            .digest('hex'),
        ...(config.server ? { server: { endpoint: { serverUrl: config.server.url, credential: config.server.credential } } } : {}),
        // The cart's camera frames: this gateway's recognition, or one the configuration hands in (another gateway's worker).
        ...(cartConfig.recogniser ? {} : gateway.recognition ? { recogniser: gateway.recognition } : {}),
        kiosk,
      });
      await cart.start();
      const started = cart;
      stops.push(() => started.stop());
    }
    const rows = () => deviceStatus(bus, supervisors);
    const printerId = devices.printerId ?? simulators?.deviceIds.printer ?? (bus.devices.list().some((d) => d.deviceId === SIMULATOR_DEVICE_IDS.printer) ? SIMULATOR_DEVICE_IDS.printer : undefined);
    const printer: ReceiptPrinter | undefined = printerId
      ? {
          async print(reference, bytes) {
            try {
              const r = await bus.bus.command(printerId, 'printer.print', { reference, data: Buffer.from(bytes).toString('base64') });
              return { printed: r.printed, ...(r.error ? { error: r.error } : {}) };
            } catch (err) {
              throw new EdgePayError('PRINTER_UNAVAILABLE', { reason: isEdgePayError(err) ? err.code : 'no answer' }, { cause: err });
            }
          },
        }
      : undefined;
    const receiptBaseUrl = config.receiptBaseUrl ?? config.server?.url;
    const lobby =
      config.lobby && config.server
        ? new LobbyDesk(bus.bus, {
            server: { serverUrl: config.server.url, credential: config.server.credential },
            terminalId,
            elevatorId: simulators?.deviceIds.elevator ?? SIMULATOR_DEVICE_IDS.elevator,
            // Refunds and voids the server could not take wait in the ledger, across restarts.
            store: gateway.ledger.db,
            ...config.lobby,
          })
        : undefined;
    if (lobby) {
      lobby.start();
      stops.push(() => lobby.stop());
    }
    const service = createGatewayService(
      {
        kiosk,
        db: gateway.ledger.db,
        siteId: config.siteId,
        operatorPin: config.operatorPin,
        bus: bus.bus,
        devices: rows,
        ...(gateway.sync ? { sync: gateway.sync } : {}),
        ...(gateway.recognition ? { recognition: gateway.recognition } : {}),
        ...(config.network ? { network: config.network } : {}),
        ...(config.pollMs ? { pollMs: config.pollMs } : {}),
        ...(config.payLater && config.server ? { payLater: createKioskPayLater({ ...config.payLater, serverUrl: config.server.url }) } : {}),
        ...(printer ? { printer } : {}),
        ...(config.server ? { server: { serverUrl: config.server.url, credential: config.server.credential } } : {}),
        pingDevices: async () => {
          await Promise.allSettled(bus.devices.list().map((d) => bus.bus.command(d.deviceId, 'device.ping', {}, { timeoutMs: 2_000 })));
        },
        ...(receiptBaseUrl ? { receiptBaseUrl } : {}),
        ...(cart ? { cart } : {}),
        ...(lobby ? { lobby } : {}),
      },
      config.extension,
    );
    stops.push(() => service.stop());
    const probes = createGatewayProbes({
      siteId: config.siteId,
      gatewayId: config.gatewayId,
      db: gateway.ledger.db,
      sync: gateway.sync,
      busMetrics: () => bus.bus.metrics(),
      devices: rows,
    });
    const api = config.http ? await serveGatewayApi(service, { probes, ...config.http }) : undefined;
    if (api) stops.push(() => api.close());
    service.start();
    return { gateway, bus, simulators, supervisors, kiosk, cart, lobby, service, api, devices: rows, probes, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** A device that answers a ping (a simulator process takes a moment to connect). */
async function untilAnswers(bus: RunningBus, deviceId: string, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    try {
      await bus.bus.command(deviceId, 'device.ping', {});
      return;
    } catch (err) {
      if (Date.now() > end) throw err;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}
