/** The BLE reader of the `two-channel` flow: it hears dongles advertising their device code. */
import { bool, int, object, str } from '../schema.ts';
import type { CommandSpec, EventSpec } from './types.ts';

const B = ['ble-reader'] as const;

export const bleReaderEvents = {
  'ble.advertisement': {
    kind: 'event',
    from: B,
    payload: object(
      {
        deviceCode: str(32, { pattern: '^[A-Z0-9]{8,32}$' }),
        rssi: int(-127, 20),
        txPower: int(-127, 20),
        address: str(17, { pattern: '^[0-9A-F]{2}(:[0-9A-F]{2}){5}$' }),
      },
      ['txPower'],
    ),
    doc: 'An advertisement was heard.',
  },
} as const satisfies Record<string, EventSpec>;

export const bleReaderCommands = {
  'ble.scan': {
    kind: 'command',
    to: B,
    params: object({ enabled: bool(), minRssi: int(-127, 20) }, ['minRssi']),
    result: object({ scanning: bool(), minRssi: int(-127, 20) }),
    idempotent: true,
    timeoutMs: 2_000,
    doc: 'Start or stop reporting advertisements, optionally only those at least this strong.',
  },
} as const satisfies Record<string, CommandSpec>;
