/** Messages every device speaks, whatever its kind. */
import { int, object, oneOfStrings, str } from '../schema.ts';
import { empty } from './fields.ts';
import { DEVICE_KINDS, type CommandSpec, type EventSpec } from './types.ts';

const ALL = DEVICE_KINDS;

export const commonEvents = {
  'device.hello': {
    kind: 'event',
    from: ALL,
    payload: object({ kind: oneOfStrings(DEVICE_KINDS), model: str(64), firmware: str(32) }),
    doc: 'First event after connecting: what the device is.',
  },
  'device.status': {
    kind: 'event',
    from: ALL,
    payload: object({ state: oneOfStrings(['ready', 'busy', 'fault']), detail: str(200) }, ['detail']),
    doc: 'The device changed state.',
  },
} as const satisfies Record<string, EventSpec>;

export const commonCommands = {
  'device.ping': {
    kind: 'command',
    to: ALL,
    params: empty,
    result: object({ uptimeMs: int(0) }),
    idempotent: true,
    timeoutMs: 2_000,
    doc: 'Liveness check.',
  },
} as const satisfies Record<string, CommandSpec>;
