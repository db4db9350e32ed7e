/** The smart cart of the `cart` flow: camera frames or its own detections, and its scale. */
import { array, bool, int, num, object, oneOfStrings, str } from '../schema.ts';
import { empty, reference } from './fields.ts';
import type { CommandSpec, EventSpec } from './types.ts';

const C = ['cart'] as const;
const frameId = int(0);
const pixels = int(1, 4096);

export const cartEvents = {
  'cart.frame': {
    kind: 'event',
    from: C,
    payload: object({
      frameId,
      width: pixels,
      height: pixels,
      encoding: oneOfStrings(['jpeg', 'rgb8']),

      data: str(900_000, { pattern: '^[A-Za-z0-9+/]*={0,2}$' }),
    }),
    doc: 'A camera frame for recognition on the gateway.',
  },
  'cart.detections': {
    kind: 'event',
    from: C,
    payload: object({
      frameId,
      detections: array(
        object({
          label: str(64),
          confidence: num(0, 1),
          box: object({ x: int(0, 4096), y: int(0, 4096), w: int(1, 4096), h: int(1, 4096) }),
        }),
        32,
      ),
    }),
    doc: "What the cart's own model saw in a frame (carts with on-board recognition).",
  },
  'cart.barcode': {
    kind: 'event',
    from: C,
    payload: object({
      // What the cart's reader decoded, as its bytes (printable ASCII; EAN/UPC digits with their check digit).
      code: str(64, { minLength: 1, pattern: '^[\\x21-\\x7e]+$' }),
      symbology: oneOfStrings(['ean-13', 'ean-8', 'upc-a', 'upc-e', 'code-128', 'qr']),
    }),
    doc: "The cart's barcode reader read a code (the shopper scanned an item).",
  },
  'cart.weight': {
    kind: 'event',
    from: C,
    payload: object({ grams: int(-100_000, 1_000_000), stable: bool() }),
    doc: "The basket's weight changed.",
  },
} as const satisfies Record<string, EventSpec>;

export const cartCommands = {
  'cart.unlock': {
    kind: 'command',
    to: C,
    params: object({ reference }),
    result: object({ reference, unlocked: bool() }),
    idempotent: true,
    timeoutMs: 2_000,
    doc: 'Let the cart leave (after the payment was approved).',
  },
  'cart.lock': {
    kind: 'command',
    to: C,
    params: empty,
    result: object({ locked: bool() }),
    idempotent: true,
    timeoutMs: 2_000,
    doc: 'Lock the wheels.',
  },
  'cart.tare': {
    kind: 'command',
    to: C,
    params: empty,
    result: object({ grams: int(-100_000, 1_000_000) }),
    idempotent: true,
    timeoutMs: 2_000,
    doc: 'Zero the scale with the basket empty.',
  },
} as const satisfies Record<string, CommandSpec>;
