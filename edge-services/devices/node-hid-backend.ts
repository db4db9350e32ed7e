/**
 * The production HID backend over node-hid. node-hid is loaded only when this
 * backend is created, inside a driver process: its native module needs
 * libusb-1.0-0 and libudev1 at run time, and if it cannot load, only that
 * driver process fails (the supervisor shows it), never the gateway.
 */
import { EdgePayError } from '../../core/index.ts';
import type { HidBackend, HidDeviceInfo } from './hid-transport.ts';

export async function createNodeHidBackend(): Promise<HidBackend> {
  let hid: typeof import('node-hid');
  try {
    hid = await import('node-hid');
    // Linux: hidraw reads keyboards without detaching them from the kernel's driver (libusb would).
    hid.setDriverType('hidraw');
    await hid.devicesAsync();
  } catch (err) {
    throw new EdgePayError('HID_UNAVAILABLE', { reason: err instanceof Error ? err.message : String(err) }, { cause: err });
  }
  return {
    async list() {
      const found: HidDeviceInfo[] = [];
      for (const d of await hid.devicesAsync()) {
        if (!d.path) continue;
        found.push({
          path: d.path,
          vendorId: d.vendorId,
          productId: d.productId,
          ...(d.product ? { product: d.product } : {}),
          ...(d.usagePage !== undefined ? { usagePage: d.usagePage } : {}),
          ...(d.usage !== undefined ? { usage: d.usage } : {}),
        });
      }
      return found;
    },
    async open(device, events) {
      const handle = await hid.HIDAsync.open(device.path, { nonExclusive: true });
      let gone = false;
      handle.on('data', (data: Buffer) => events.report(data, performance.now()));
      handle.on('error', (err: unknown) => {
        if (gone) return;
        gone = true;
        events.gone(err instanceof Error ? err.message : String(err));
      });
      return {
        async close() {
          gone = true;
          await handle.close().catch(() => undefined);
        },
      };
    },
  };
}
