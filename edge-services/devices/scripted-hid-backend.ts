/**
 * A HID backend without hardware: devices are attached and detached by hand and
 * reports are fed as raw bytes with the time they "arrived". Used by tests and
 * by the HID driver process when the gateway runs without USB devices.
 */
import type { HidBackend, HidDeviceInfo, HidTransportEvents } from './hid-transport.ts';

export class ScriptedHidBackend implements HidBackend {
  readonly #devices = new Map<string, HidDeviceInfo>();
  readonly #open = new Map<string, HidTransportEvents>();

  attach(device: HidDeviceInfo): void {
    this.#devices.set(device.path, device);
  }

  /** Unplugs: the open transport (if any) learns it is gone, and the device leaves the list. */
  detach(path: string): void {
    this.#devices.delete(path);
    const events = this.#open.get(path);
    this.#open.delete(path);
    events?.gone('unplugged');
  }

  /** Delivers a report to the device's open transport; false if nobody has it open. */
  report(path: string, data: Uint8Array, at: number): boolean {
    const events = this.#open.get(path);
    if (!events) return false;
    events.report(data, at);
    return true;
  }

  isOpen(path: string): boolean {
    return this.#open.has(path);
  }

  async list(): Promise<HidDeviceInfo[]> {
    return [...this.#devices.values()];
  }

  async open(device: HidDeviceInfo, events: HidTransportEvents) {
    if (!this.#devices.has(device.path)) throw new Error(`no device at ${device.path}`);
    this.#open.set(device.path, events);
    return {
      close: async () => {
        if (this.#open.get(device.path) === events) this.#open.delete(device.path);
      },
    };
  }
}
