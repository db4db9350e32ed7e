/**
 * What a HID driver reads through. Production: node-hid (node-hid-backend.ts).
 * Tests and the demo without hardware: a scripted backend fed with the very
 * report bytes a device sends. Report times come from the transport, so that
 * keystroke timing can be tested with exact, synthetic timestamps.
 */

export type HidDeviceInfo = {
  path: string;
  vendorId: number;
  productId: number;
  product?: string;
  usagePage?: number;
  usage?: number;
};

export type HidTransportEvents = {
  /** One input report, as the device sent it; `at` in ms on the transport's clock. */
  report(data: Uint8Array, at: number): void;
  /** The device is gone (unplugged) or failed; no more reports will come. */
  gone(reason: string): void;
};

export type HidTransport = { close(): Promise<void> };

export type HidBackend = {
  list(): Promise<HidDeviceInfo[]>;
  open(device: HidDeviceInfo, events: HidTransportEvents): Promise<HidTransport>;
};
