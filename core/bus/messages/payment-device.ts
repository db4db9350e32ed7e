/**
 * The card-less payment device of the `two-channel` flow (a fuel pump, a
 * parking gate, a kiosk without a card slot): someone asks to pay at it, its
 * display shows what the gateway tells it (the presence number the owner's
 * phone must carry, the outcome), and it releases the fuel or opens the
 * barrier only on the gateway's word for a payment. Its BLE reader is a
 * device of its own (`ble-reader`). Protocol: edge-services/simulators/payment-device/PROTOCOL.md.
 */
import { int, object, oneOfStrings, str } from '../schema.ts';
import type { CommandSpec, EventSpec } from './types.ts';

const D = ['payment-device'] as const;
const amount = int(1, 1_000_000_000);
const paymentId = str(36, { pattern: '^[0-9a-f-]{36}$' });
export const PAYMENT_DEVICE_SCREENS = ['idle', 'asking-phone', 'authorised', 'declined', 'refused'] as const;
const screen = oneOfStrings(PAYMENT_DEVICE_SCREENS);

export const paymentDeviceEvents = {
  'paydev.pay-wanted': {
    kind: 'event',
    from: D,
    payload: object({ amount }),
    doc: "Someone asks to pay this amount here (the pump's amount chosen, a car at the barrier).",
  },
  'paydev.displayed': {
    kind: 'event',
    from: D,
    payload: object({ screen, presence: str(2, { pattern: '^[0-9]{2}$' }), amount, message: str(200) }, ['presence', 'amount', 'message']),
    doc: 'What the display shows now (after each paydev.show).',
  },
  'paydev.released': {
    kind: 'event',
    from: D,
    payload: object({ paymentId, amount }),
    doc: 'The fuel was released or the barrier opened for this payment.',
  },
} as const satisfies Record<string, EventSpec>;

export const paymentDeviceCommands = {
  'paydev.show': {
    kind: 'command',
    to: D,
    params: object({ screen, presence: str(2, { pattern: '^[0-9]{2}$' }), amount, message: str(200) }, ['presence', 'amount', 'message']),
    result: object({ shown: screen }),
    idempotent: true,
    timeoutMs: 2_000,
    doc: 'Show a screen: asking-phone with the presence number, or the outcome.',
  },
  'paydev.release': {
    kind: 'command',
    to: D,
    params: object({ paymentId, amount }),
    // The device keeps the payments it released: a repeat answers `already`, nothing twice.
    result: object({ released: oneOfStrings(['yes', 'already']) }),
    idempotent: true,
    timeoutMs: 2_000,
    doc: 'Release the fuel (or open the barrier) for an authorised payment.',
  },
} as const satisfies Record<string, CommandSpec>;
