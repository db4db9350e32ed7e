/**
 * The BLE reader simulator (protocol: PROTOCOL.md next to this file): while
 * scanning, it reports each known dongle's advertisement every interval with a
 * signal strength that wanders around the dongle's base value. Dongles come and
 * go through the control channel; a fake stands in for the radio, the
 * advertisement data is what a real reader would report.
 *
 * With `airPort`, the reader also listens on the simulated air (UDP, see
 * devices/ble/ble-transport.ts): dongle simulators transmit their advertising
 * PDUs byte for byte, the simulated controller builds HCI reports, and the
 * reader's real driver (devices/ble) parses them; only our dongles' frames
 * reach the bus, at most one per dongle per advertising interval.
 */
import type { DeviceBusClient } from '../../bus/index.ts';
import { BleAdvertisementDriver, UdpAirTransport } from '../../devices/ble/index.ts';
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

  // The simulated air: real bytes through the real driver.
  const airPort = options['airPort'];
  let air: UdpAirTransport | undefined;
  if (typeof airPort === 'number') {
    const reportEveryMs = Number(options['reportEveryMs'] ?? 100);
    const lastReport = new Map<string, number>();
    void UdpAirTransport.open(airPort).then((transport) => {
      air = transport;
      new BleAdvertisementDriver(transport).onAdvertisement((advert) => {
        if (!scanning || advert.rssi < minRssi) return;
        const last = lastReport.get(advert.deviceCode) ?? 0;
        if (advert.receivedAt - last < reportEveryMs) return;
        lastReport.set(advert.deviceCode, advert.receivedAt);
        if (lastReport.size > 1000) lastReport.clear();
        void client.publish('ble.advertisement', {
          deviceCode: advert.deviceCode,
          rssi: advert.rssi,
          address: advert.address,
          ...(advert.txPower === undefined ? {} : { txPower: advert.txPower }),
        });
      });
    });
  }

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
      await air?.close();
    },
  };
}
