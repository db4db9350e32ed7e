/**
 * The HID driver process: one per role (e.g. the kiosk's scanner, the staff
 * badge reader). It finds the USB devices the registry assigns to its drivers,
 * decodes their reports and publishes the results on the bus under its device id.
 *
 * config: {
 *   drivers: HidDriverKind[]          which registry drivers this process takes
 *   table?: RegistryEntry[]           extra registry entries (before the defaults)
 *   backend?: 'node-hid' | 'scripted' scripted: devices and reports come from the supervisor (no hardware)
 *   tokenKeyHex?: string              key for token readers (default: derived from the device's secret key)
 *   pollIntervalMs?: number
 * }
 * Scripted input messages: {type:'hid', action:'attach', device}, {type:'hid', action:'detach', path},
 * {type:'hid', action:'report', path, hex, at}.
 */
import { createHash } from 'node:crypto';
import { DeviceBusClient } from '../bus/index.ts';
import { DeviceRegistry, DEFAULT_DEVICE_TABLE, HidManager, ScriptedHidBackend, createNodeHidBackend, type HidDeviceInfo, type HidDriverKind, type RegistryEntry } from '../devices/index.ts';
import { runDeviceProcess } from './driver-process.ts';

export type HidDriverConfig = {
  drivers: HidDriverKind[];
  table?: RegistryEntry[];
  backend?: 'node-hid' | 'scripted';
  tokenKeyHex?: string;
  pollIntervalMs?: number;
};

export type ScriptedHidMessage =
  | { type: 'hid'; action: 'attach'; device: HidDeviceInfo }
  | { type: 'hid'; action: 'detach'; path: string }
  | { type: 'hid'; action: 'report'; path: string; hex: string; at: number };

runDeviceProcess(async ({ credentials, config, onMessage, send }) => {
  const options = config as HidDriverConfig;
  const scripted = options.backend === 'scripted' ? new ScriptedHidBackend() : undefined;
  const backend = scripted ?? (await createNodeHidBackend());
  const client = DeviceBusClient.connect(credentials, { model: `hid:${options.drivers.join('+')}`, firmware: '1' });
  const tokenKey = options.tokenKeyHex ? Buffer.from(options.tokenKeyHex, 'hex') : createHash('sha256').update(`edgepay-token-key\u0000${credentials.secretKey}`).digest();
  const manager = new HidManager({
    backend,
    registry: new DeviceRegistry([...(options.table ?? []), ...DEFAULT_DEVICE_TABLE]),
    drivers: options.drivers,
    tokenKey,
    pollIntervalMs: options.pollIntervalMs ?? 1_000,
    emit: (event) => {
      client
        .publish(event.type, event.payload as never)
        .catch(
          (err: unknown) =>
            void import('../logging/gateway-log.ts').then(({ gatewayLog }) => gatewayLog('driver').error({ event: 'publish-failed', type: event.type, err }, 'hid driver: publish failed')),
        );
    },
  });
  if (scripted) {
    onMessage((raw) => {
      const message = raw as ScriptedHidMessage;
      if (message.type !== 'hid') return;
      if (message.action === 'attach') {
        scripted.attach(message.device);
        void manager.rescan().then(() => send({ type: 'hid-ack', action: 'attach', path: message.device.path }));
      } else if (message.action === 'detach') {
        scripted.detach(message.path);
        void manager.rescan().then(() => send({ type: 'hid-ack', action: 'detach', path: message.path }));
      } else if (message.action === 'report') scripted.report(message.path, Buffer.from(message.hex, 'hex'), message.at);
    });
  }
  await manager.start();
  await client.whenSubscribed(15_000);
  return {
    async close() {
      await manager.stop();
      // Let queued events leave before the sockets close.
      await new Promise((r) => setTimeout(r, 50));
      await client.close();
    },
  };
});
