/** Events of the HID drivers: barcode scanners and token readers (NFC, magnetic stripe) on USB. */
import { bool, int, object, oneOfStrings, str } from '../schema.ts';
import type { EventSpec } from './types.ts';

const usbId = int(0, 0xffff);
const HID = ['scanner', 'token-reader'] as const;

export const hidEvents = {
  'scanner.scan': {
    kind: 'event',
    from: ['scanner'],
    payload: object(
      {
        code: str(4096, { minLength: 1 }),

        symbology: str(3, { pattern: '^\\][A-Za-z0-9][0-9A-Za-z]$' }),
        source: oneOfStrings(['keyboard-wedge', 'hid-pos']),
        /** False when the scanner was unplugged before the terminator: the code may be cut short. */
        complete: bool(),
      },
      ['symbology'],
    ),
    doc: 'A barcode was read.',
  },
  'reader.token': {
    kind: 'event',
    from: ['token-reader'],
    payload: object({
      token: str(68, { pattern: '^tok_[A-Za-z0-9_-]{16,64}$' }),
      medium: oneOfStrings(['nfc', 'magstripe']),
    }),
    doc: 'A badge or loyalty card was read and turned into a token.',
  },
  'reader.refused': {
    kind: 'event',
    from: ['token-reader'],
    payload: object({ medium: oneOfStrings(['nfc', 'magstripe']), reason: oneOfStrings(['payment-card', 'unreadable']) }),
    doc: 'A read was refused: a payment card swiped on a badge reader, or data that is not a token.',
  },
  'hid.attached': {
    kind: 'event',
    from: HID,
    payload: object({ vendorId: usbId, productId: usbId, path: str(256), product: str(128) }, ['product']),
    doc: 'The USB device appeared (at start or after a re-plug).',
  },
  'hid.detached': {
    kind: 'event',
    from: HID,
    payload: object({ vendorId: usbId, productId: usbId, path: str(256) }),
    doc: 'The USB device went away.',
  },
} as const satisfies Record<string, EventSpec>;
