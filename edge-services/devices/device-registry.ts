/**
 * Which driver handles which USB device, by vendor and product id. The table is
 * configuration: a site adds its own scanners (EDGEPAY_HID_TABLE points to a
 * JSON file with the same shape). Keyboards are never claimed by default: only
 * devices in the table are, so a real keyboard is not mistaken for a scanner.
 * A device not in the table that reports the Bar Code Scanner usage page
 * (0x8C) is taken as a HID-POS scanner.
 */
import { readFileSync } from 'node:fs';
import type { HidDeviceInfo } from './hid-transport.ts';
import type { HidPosLayout } from './hid-pos-report.ts';
import type { KeystrokeTiming } from './keystroke-lines.ts';
import type { TokenMedium } from './token-reader.ts';

export type HidDriverKind = 'keyboard-wedge-scanner' | 'hid-pos-scanner' | 'keyboard-token-reader';

export type RegistryEntry = {
  vendorId: number;
  /** A product id, or '*' for every product of the vendor. */
  productId: number | '*';
  driver: HidDriverKind;
  name: string;
  /** HID-POS report layout (see hid-pos-report.ts). */
  layout?: HidPosLayout;
  /** Keyboard modes: timing thresholds and the terminator key the device is set to send. */
  timing?: Partial<KeystrokeTiming>;
  terminator?: 'enter' | 'tab';
  /** Keyboard modes: a report id byte in front of the 8-byte boot report. */
  reportIdPrefix?: number;
  /** Token readers: what they read. */
  medium?: TokenMedium;
};

export const BAR_CODE_SCANNER_USAGE_PAGE = 0x8c;

/**
 * Devices whose ids their makers document. Newland's integration guides list
 * VID 0x1EAB with PID 0x0D10 (FM420, HID-POS) and 0x0210 (EM2027, HID-POS);
 * their HID-POS reports put the data first.
 */
export const DEFAULT_DEVICE_TABLE: readonly RegistryEntry[] = [
  { vendorId: 0x1eab, productId: 0x0d10, driver: 'hid-pos-scanner', name: 'Newland FM420 (HID-POS)', layout: 'data-first' },
  { vendorId: 0x1eab, productId: 0x0210, driver: 'hid-pos-scanner', name: 'Newland EM2027 (HID-POS)', layout: 'data-first' },
];

export class DeviceRegistry {
  constructor(readonly table: readonly RegistryEntry[] = DEFAULT_DEVICE_TABLE) {}

  /** The entry for a device: an exact product match wins over a vendor wildcard; then the usage-page rule. */
  match(device: HidDeviceInfo): RegistryEntry | undefined {
    const exact = this.table.find((e) => e.vendorId === device.vendorId && e.productId === device.productId);
    if (exact) return exact;
    const vendor = this.table.find((e) => e.vendorId === device.vendorId && e.productId === '*');
    if (vendor) return vendor;
    if (device.usagePage === BAR_CODE_SCANNER_USAGE_PAGE) {
      return { vendorId: device.vendorId, productId: device.productId, driver: 'hid-pos-scanner', name: device.product ?? 'HID-POS scanner' };
    }
    return undefined;
  }

  /** The default table plus the entries of a JSON file (which win, being first). */
  static fromFile(path: string): DeviceRegistry {
    const entries = JSON.parse(readFileSync(path, 'utf8')) as RegistryEntry[];
    if (!Array.isArray(entries)) throw new Error(`${path}: expected an array of registry entries`);
    return new DeviceRegistry([...entries, ...DEFAULT_DEVICE_TABLE]);
  }
}
