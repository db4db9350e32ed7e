/**
 * Every message type on the bus, one entry each, with its schema. A type not
 * in here is refused by both ends.
 */
import type { Infer } from './schema.ts';
import { bleReaderCommands, bleReaderEvents } from './messages/ble-reader.ts';
import { cardTerminalCommands, cardTerminalEvents } from './messages/card-terminal.ts';
import { cartCommands, cartEvents } from './messages/cart.ts';
import { gateCommands, gateEvents } from './messages/gate.ts';
import { commonCommands, commonEvents } from './messages/common.ts';
import { elevatorCommands, elevatorEvents } from './messages/elevator.ts';
import { hidEvents } from './messages/hid.ts';
import { posAgentCommands, posAgentEvents } from './messages/pos-agent.ts';
import { printerCommands, printerEvents } from './messages/printer.ts';
import { paymentDeviceCommands, paymentDeviceEvents } from './messages/payment-device.ts';
import type { CommandSpec, EventSpec } from './messages/types.ts';

export const busEvents = {
  ...commonEvents,
  ...hidEvents,
  ...cardTerminalEvents,
  ...elevatorEvents,
  ...bleReaderEvents,
  ...posAgentEvents,
  ...cartEvents,
  ...printerEvents,
  ...gateEvents,
  ...paymentDeviceEvents,
} as const satisfies Record<string, EventSpec>;

export const busCommands = {
  ...commonCommands,
  ...cardTerminalCommands,
  ...elevatorCommands,
  ...bleReaderCommands,
  ...posAgentCommands,
  ...cartCommands,
  ...printerCommands,
  ...gateCommands,
  ...paymentDeviceCommands,
} as const satisfies Record<string, CommandSpec>;

export type BusEventType = keyof typeof busEvents;
export type BusCommandType = keyof typeof busCommands;
export type BusEventPayload<T extends BusEventType> = Infer<(typeof busEvents)[T]['payload']>;
export type BusCommandParams<T extends BusCommandType> = Infer<(typeof busCommands)[T]['params']>;
export type BusCommandResult<T extends BusCommandType> = Infer<(typeof busCommands)[T]['result']>;

export function isBusEventType(type: string): type is BusEventType {
  return Object.hasOwn(busEvents, type);
}
export function isBusCommandType(type: string): type is BusCommandType {
  return Object.hasOwn(busCommands, type);
}
export function eventSpec(type: string): EventSpec | undefined {
  return isBusEventType(type) ? busEvents[type] : undefined;
}
export function commandSpec(type: string): CommandSpec | undefined {
  return isBusCommandType(type) ? busCommands[type] : undefined;
}
