/**
 * The BLE reader's driver: HCI LE Advertising Reports in, the dongles' frames
 * out. It parses what the controller hands over (the report's address, RSSI
 * and AdvData; the AD structures; our manufacturer-specific frame) and ignores
 * every other advertiser in range (phones, headsets, beacons) and anything
 * malformed, counting both. Nothing here trusts a length it has not checked.
 */
import { twoChannel } from '../../../core/index.ts';
import type { BleTransport } from './ble-transport.ts';

export type DongleAdvertisement = { deviceCode: string; rssi: number; address: string; txPower?: number; receivedAt: number };

export class BleAdvertisementDriver {
  readonly counts = { packets: 0, malformed: 0, otherAdvertisers: 0, dongles: 0 };
  #listeners: ((advert: DongleAdvertisement) => void)[] = [];

  constructor(readonly transport: BleTransport) {
    transport.onPacket((packet, receivedAt) => this.#onPacket(packet, receivedAt));
  }

  onAdvertisement(listener: (advert: DongleAdvertisement) => void): void {
    this.#listeners.push(listener);
  }

  #onPacket(packet: Uint8Array, receivedAt: number): void {
    this.counts.packets++;
    const reports = twoChannel.parseHciAdvertisingReports(packet);
    if (!reports) {
      this.counts.malformed++;
      return;
    }
    for (const report of reports) {
      const frame = twoChannel.decodeDongleAdvData(report.advData);
      if (!frame) {
        this.counts.otherAdvertisers++;
        continue;
      }
      this.counts.dongles++;
      const advert: DongleAdvertisement = {
        deviceCode: twoChannel.toHex(frame.ephemeralId),
        rssi: report.rssi,
        address: twoChannel.formatAddress(report.addressMsbFirst),
        ...(frame.txPower === undefined ? {} : { txPower: frame.txPower }),
        receivedAt,
      };
      for (const l of this.#listeners) l(advert);
    }
  }
}
