/**
 * The BLE reader simulator (protocol: PROTOCOL.md next to this file): while
 * scanning, it reports each known dongle's advertisement every interval with a
 * signal strength that wanders around the dongle's base value. Dongles come and
 * go through the control channel; a fake stands in for the radio, the
 * advertisement data is what a real reader would report.
 */
import type { DeviceBusClient } from '../../bus/index.ts';
import { seededRandom, type Simulator } from '../simulator-types.ts';

type Dongle = { deviceCode: string; address: string; rssi: number; txPower?: number };

export function startBleReaderSimulator(client: DeviceBusClient, options: Record<string, unknown>): Simulator {
  const intervalMs = Number(options['intervalMs'] ?? 500);
  const dongles = new Map<string, Dongle>();
  for (const d of (options['dongles'] as Dongle[] | undefined) ?? []) dongles.set(d.deviceCode, d);
  const random = seededRandom(Number(options['seed'] ?? 7));
  let scanning = false;
  let minRssi = -127;

  const advertise = (dongle: Dongle) => {
    const rssi = Math.max(-127, Math.min(20, Math.round(dongle.rssi + (random() - 0.5) * 8)));
    if (rssi < minRssi) return;
    void client.publish('ble.advertisement', {
      deviceCode: dongle.deviceCode,
      rssi,
      address: dongle.address,
      ...(dongle.txPower === undefined ? {} : { txPower: dongle.txPower }),
    });
  };
  const timer = setInterval(() => {
    if (scanning) for (const dongle of dongles.values()) advertise(dongle);
  }, intervalMs);

  client.handle('ble.scan', ({ enabled, minRssi: threshold }) => {
    scanning = enabled;
    if (threshold !== undefined) minRssi = threshold;
    return { scanning, minRssi };
  });

  return {
    control(message) {
      const dongle = message['dongle'] as Dongle | undefined;
      if (message['action'] === 'add-dongle' && dongle) {
        dongles.set(dongle.deviceCode, dongle);
        if (scanning) advertise(dongle);
      } else if (message['action'] === 'remove-dongle' && typeof message['deviceCode'] === 'string') dongles.delete(message['deviceCode']);
    },
    async close() {
      clearInterval(timer);
    },
  };
}
