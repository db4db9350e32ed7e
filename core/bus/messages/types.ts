/** The shapes of the bus message catalog (one entry per message type). */
import type { ObjectSchema } from '../schema.ts';

/** What kind of device a message may come from or go to. */
export const DEVICE_KINDS = ['scanner', 'token-reader', 'card-terminal', 'elevator', 'ble-reader', 'pos-agent', 'cart', 'printer', 'gate', 'payment-device'] as const;
export type DeviceKind = (typeof DEVICE_KINDS)[number];

/** Published by a device on PUB/SUB; nobody answers. */
export type EventSpec = {
  readonly kind: 'event';
  readonly from: readonly DeviceKind[];
  readonly payload: ObjectSchema;
  readonly doc: string;
};

/** Sent by the gateway to one device on ROUTER/DEALER; the device answers with a `reply` of the same id. */
export type CommandSpec = {
  readonly kind: 'command';
  readonly to: readonly DeviceKind[];
  readonly params: ObjectSchema;
  readonly result: ObjectSchema;
  /**
   * True when running it twice has the same effect as once. Only these are
   * retried after a timeout: a lost reply to a charge or a code entry must
   * not cause a second charge or a second submission.
   */
  readonly idempotent: boolean;
  /** How long the gateway waits for the reply by default (ms). */
  readonly timeoutMs: number;
  readonly doc: string;
};

export type MessageSpec = EventSpec | CommandSpec;
