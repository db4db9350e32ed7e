/**
 * Where a BLE reader's bytes come from. A real reader is a Bluetooth
 * controller: on Linux the host reads HCI event packets from a raw HCI socket
 * (BlueZ's `hci_sock`, after `LE Set Scan Enable`) or gets the same reports
 * through BlueZ's D-Bus API; on a USB dongle, the HCI events over its
 * interrupt endpoint. Every one of them hands over HCI LE Advertising Report
 * events (H4: 0x04 0x3E ...), which is what this interface carries, so the
 * driver above it (ble-advertisement-driver.ts) is the same for all.
 *
 * `UdpAirTransport` is the simulated radio and controller: dongle simulators
 * "transmit" by sending a datagram `[RSSI at this reader, int8][the
 * advertising PDU as on the air]` to the reader's port; the transport plays the
 * controller and hands the host the HCI report it would build, byte for byte.
 */
import { createSocket, type Socket } from 'node:dgram';
import { twoChannel } from '../../../core/index.ts';

export interface BleTransport {
  /** Each HCI packet as received, with the time it arrived (ms, this process's clock). */
  onPacket(listener: (packet: Uint8Array, receivedAt: number) => void): void;
  close(): Promise<void>;
}

export class UdpAirTransport implements BleTransport {
  #listeners: ((packet: Uint8Array, receivedAt: number) => void)[] = [];
  private constructor(
    private readonly socket: Socket,
    readonly port: number,
  ) {
    socket.on('message', (datagram) => {
      const at = Date.now();
      if (datagram.length < 9) return;
      const rssi = datagram.readInt8(0);
      const pdu = twoChannel.decodeAdvPdu(new Uint8Array(datagram.subarray(1)));
      if (!pdu) return; // a corrupted frame fails its CRC on a real radio and never reaches the host
      const packet = twoChannel.encodeHciAdvertisingReport(pdu, rssi);
      for (const l of this.#listeners) l(packet, at);
    });
  }

  static open(port: number, host = '127.0.0.1'): Promise<UdpAirTransport> {
    const socket = createSocket('udp4');
    return new Promise((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(port, host, () => {
        socket.off('error', reject);
        resolve(new UdpAirTransport(socket, socket.address().port));
      });
    });
  }

  onPacket(listener: (packet: Uint8Array, receivedAt: number) => void): void {
    this.#listeners.push(listener);
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }
}

/** What a dongle simulator sends to a reader's air port. */
export function airDatagram(rssi: number, pdu: Uint8Array): Buffer {
  const out = Buffer.alloc(1 + pdu.length);
  out.writeInt8(Math.max(-127, Math.min(20, Math.round(rssi))), 0);
  out.set(pdu, 1);
  return out;
}
