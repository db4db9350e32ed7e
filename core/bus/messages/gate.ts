/**
 * The store's exit gate (`cart` flow): it tells the gateway which cart stands
 * at it, and opens only when the gateway hands it a valid exit pass, once.
 */
import { int, object, oneOfStrings, str } from '../schema.ts';
import { deviceId } from './fields.ts';
import type { CommandSpec, EventSpec } from './types.ts';

const G = ['gate'] as const;
const passId = str(36, { pattern: '^[0-9a-f-]{36}$' });
const siteId = str(64, { pattern: '^[A-Za-z0-9][A-Za-z0-9._:-]*$' });
const iso = str(24, { pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z$' });

export const gateEvents = {
  'gate.cart-arrived': {
    kind: 'event',
    from: G,
    payload: object({ cartId: deviceId }),
    doc: 'A cart stands at the gate (its tag was read).',
  },
  'gate.passed': {
    kind: 'event',
    from: G,
    payload: object({ cartId: deviceId, passId }),
    doc: 'The cart went through the open gate; the gate closed behind it.',
  },
} as const satisfies Record<string, EventSpec>;

export const gateCommands = {
  'gate.open': {
    kind: 'command',
    to: G,
    params: object({ cartId: deviceId, passId, siteId, expiresAt: iso }),
    result: object({ opened: oneOfStrings(['yes', 'other-store', 'expired', 'used', 'other-cart']) }),
    // A repeat of the same pass is refused `used` by the gate itself: never resent blindly.
    idempotent: false,
    timeoutMs: 2_000,
    doc: 'Open for this cart with its exit pass (checked by the gate for its store, its time and that it was not used before).',
  },
  'gate.hold': {
    kind: 'command',
    to: G,
    params: object({ cartId: deviceId, reason: oneOfStrings(['unpaid', 'items-after-payment', 'spot-check', 'staff-call', 'pass-refused']) }),
    result: object({ held: int(0, 1) }),
    idempotent: true,
    timeoutMs: 2_000,
    doc: 'Keep the gate closed for this cart and show why (staff come).',
  },
} as const satisfies Record<string, CommandSpec>;
