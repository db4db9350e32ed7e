/**
 * The gateway in Electron's utility process: startGatewayRuntime (ledger +
 * sync, the device bus with its drivers, the kiosk checkout, the
 * GatewayService), answering the main process over parentPort. Configuration:
 * the gateway's one validated configuration (edge-services/config, names and
 * meanings in .env.example) from the environment and an optional `.env`; a
 * wrong or missing setting stops the process at once with every problem named.
 * Devices: the HID scanner EDGEPAY_SCANNER, the card terminal
 * EDGEPAY_CARD_TERMINAL, LAN devices from the EDGEPAY_DEVICES file, and
 * EDGEPAY_SIMULATORS=1 for the simulators instead of hardware (development only).
 * (Bundle to gateway-process.mjs.)
 */
import { readFileSync } from 'node:fs';
import {
  environmentWithEnvFile,
  gatewayLog,
  loadGatewayConfig,
  setGatewayLogLevel,
  SHOP_REQUIRED,
  startGatewayRuntime,
  type GatewayConfig,
  type GatewayDevicesConfig,
} from '../edge-services/index.ts';
import { serveGatewayOverPort } from './gateway/serve-over-port.ts';
import type { HostMessage } from './gateway/messages.ts';

/** Real hardware unless simulators are asked for: a shop must never sell through a simulated card terminal by default. */
function devicesFrom(config: GatewayConfig): GatewayDevicesConfig {
  if (config.simulators) return { simulators: {} };
  return {
    ...(config.scanner ? { hid: [{ deviceId: config.scanner, kind: 'scanner' as const, config: { drivers: ['keyboard-wedge-scanner' as const, 'hid-pos-scanner' as const] } }] } : {}),
    ...(config.devicesFile ? { enrolled: JSON.parse(readFileSync(config.devicesFile, 'utf8')) } : {}),
    ...(config.cardTerminalId ? { cardTerminalId: config.cardTerminalId } : {}),
  };
}

let config: GatewayConfig;
try {
  config = loadGatewayConfig(environmentWithEnvFile(), { require: SHOP_REQUIRED });
} catch (err) {
  gatewayLog('gateway').fatal({ event: 'config-invalid', problems: (err as { problems?: unknown }).problems }, (err as Error).message);
  process.exit(78); // EX_CONFIG: the supervisor must not restart it in a loop
}
setGatewayLogLevel(config.logLevel);

// Present: SHOP_REQUIRED was checked.
const runtime = await startGatewayRuntime({
  dataDir: config.dataDir,
  server: config.server!,
  siteId: config.siteId!,
  gatewayId: config.gatewayId!,
  operatorPin: config.operatorPin!,
  devices: devicesFrom(config),
});
gatewayLog('gateway').info({ event: 'started', siteId: config.siteId, gatewayId: config.gatewayId }, 'gateway started');
// Electron gives a utility process `process.parentPort` (messages arrive as {data}).
const parentPort = (process as unknown as { parentPort: { postMessage(m: unknown): void; on(e: 'message', f: (e: { data: HostMessage }) => void): void } }).parentPort;
serveGatewayOverPort({ postMessage: (m) => parentPort.postMessage(m), onMessage: (l) => parentPort.on('message', (e) => l(e.data)) }, runtime.service);
process.on('SIGTERM', () => void runtime.stop().then(() => process.exit(0)));
