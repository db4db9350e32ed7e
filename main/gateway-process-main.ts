/**
 * The gateway in Electron's utility process: startGatewayRuntime (ledger +
 * sync, the device bus with its drivers, the kiosk checkout, the
 * GatewayService), answering the main process over parentPort. Configuration
 * from the environment: EDGEPAY_DATA, EDGEPAY_SERVER_URL, EDGEPAY_CREDENTIAL,
 * EDGEPAY_GATEWAY_ID, EDGEPAY_SITE, EDGEPAY_OPERATOR_PIN; devices:
 * EDGEPAY_SCANNER (the HID scanner's device id, default scanner-1; `0` for
 * none), EDGEPAY_CARD_TERMINAL (the terminal's device id on the bus),
 * EDGEPAY_DEVICES (a JSON file of LAN devices: [{deviceId, kind, publicKey}]),
 * and EDGEPAY_SIMULATORS=1 to run the device simulators instead of hardware
 * (development only). (Bundle to gateway-process.mjs.)
 */
import { readFileSync } from 'node:fs';
import { startGatewayRuntime, type GatewayDevicesConfig } from '../edge-services/index.ts';
import { serveGatewayOverPort } from './gateway/serve-over-port.ts';
import type { HostMessage } from './gateway/messages.ts';

const env = (k: string) => {
  const v = process.env[k];
  if (!v) throw new Error(`${k} is not set`);
  return v;
};

/** Real hardware unless simulators are asked for: a shop must never sell through a simulated card terminal by default. */
function devicesFromEnv(): GatewayDevicesConfig {
  if (process.env.EDGEPAY_SIMULATORS === '1') return { simulators: {} };
  const scanner = process.env.EDGEPAY_SCANNER ?? 'scanner-1';
  return {
    ...(scanner !== '0' ? { hid: [{ deviceId: scanner, kind: 'scanner' as const, config: { drivers: ['keyboard-wedge-scanner' as const, 'hid-pos-scanner' as const] } }] } : {}),
    ...(process.env.EDGEPAY_DEVICES ? { enrolled: JSON.parse(readFileSync(process.env.EDGEPAY_DEVICES, 'utf8')) } : {}),
    ...(process.env.EDGEPAY_CARD_TERMINAL ? { cardTerminalId: process.env.EDGEPAY_CARD_TERMINAL } : {}),
  };
}

const runtime = await startGatewayRuntime({
  dataDir: env('EDGEPAY_DATA'),
  server: { url: env('EDGEPAY_SERVER_URL'), credential: env('EDGEPAY_CREDENTIAL') },
  siteId: env('EDGEPAY_SITE'),
  gatewayId: env('EDGEPAY_GATEWAY_ID'),
  operatorPin: env('EDGEPAY_OPERATOR_PIN'),
  devices: devicesFromEnv(),
});
// Electron gives a utility process `process.parentPort` (messages arrive as {data}).
const parentPort = (process as unknown as { parentPort: { postMessage(m: unknown): void; on(e: 'message', f: (e: { data: HostMessage }) => void): void } }).parentPort;
serveGatewayOverPort({ postMessage: (m) => parentPort.postMessage(m), onMessage: (l) => parentPort.on('message', (e) => l(e.data)) }, runtime.service);
process.on('SIGTERM', () => void runtime.stop().then(() => process.exit(0)));
