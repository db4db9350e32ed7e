/**
 * The gateway in Electron's utility process: ledger + sync, the device bus
 * with its drivers, the kiosk checkout and the GatewayService, answering the
 * main process over parentPort. Configuration from the environment:
 * EDGEPAY_DATA, EDGEPAY_SERVER_URL, EDGEPAY_CREDENTIAL, EDGEPAY_GATEWAY_ID,
 * EDGEPAY_SITE, EDGEPAY_OPERATOR_PIN. (Bundle to gateway-process.mjs.)
 */
import {
  busCardTerminal,
  deviceStatus,
  GatewayService,
  KioskCheckout,
  SIMULATOR_DEVICE_IDS,
  startBus,
  startDeviceSimulators,
  startGateway,
} from '../edge-services/index.ts';
import { serveGatewayOverPort } from './gateway/serve-over-port.ts';
import type { HostMessage } from './gateway/messages.ts';

const env = (k: string) => {
  const v = process.env[k];
  if (!v) throw new Error(`${k} is not set`);
  return v;
};
const serverUrl = env('EDGEPAY_SERVER_URL');
const credential = env('EDGEPAY_CREDENTIAL');
const gateway = await startGateway({ dataDir: env('EDGEPAY_DATA'), server: { url: serverUrl, credential } });
const bus = await startBus();
const sims = process.env.EDGEPAY_SIMULATORS === '0' ? undefined : startDeviceSimulators(bus);
await sims?.ready();
const kiosk = new KioskCheckout({
  db: gateway.ledger.db,
  siteId: env('EDGEPAY_SITE'),
  gatewayId: env('EDGEPAY_GATEWAY_ID'),
  terminal: busCardTerminal(bus.bus, SIMULATOR_DEVICE_IDS['card-terminal']),
  server: { endpoint: { serverUrl, credential }, sync: gateway.sync! },
});
const service = new GatewayService({
  kiosk, db: gateway.ledger.db, siteId: env('EDGEPAY_SITE'), operatorPin: env('EDGEPAY_OPERATOR_PIN'),
  sync: gateway.sync!, bus: bus.bus, devices: () => deviceStatus(bus, sims ? [sims.supervisor] : []),
});
service.start();
// Electron gives a utility process `process.parentPort` (messages arrive as {data}).
const parentPort = (process as unknown as { parentPort: { postMessage(m: unknown): void; on(e: 'message', f: (e: { data: HostMessage }) => void): void } }).parentPort;
serveGatewayOverPort({ postMessage: (m) => parentPort.postMessage(m), onMessage: (l) => parentPort.on('message', (e) => l(e.data)) }, service);
const stop = async () => {
  service.stop();
  await sims?.stop();
  await bus.stop();
  await gateway.stop();
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
