/** Bus message types: the envelope, the catalog of event and command types, their schemas. */
export * from './schema.ts';
export * from './envelope.ts';
export * from './catalog.ts';
export { DEVICE_KINDS, type CommandSpec, type DeviceKind, type EventSpec, type MessageSpec } from './messages/types.ts';
export { DEVICE_ID_PATTERN } from './messages/fields.ts';
export { DECLINE_REASONS } from './messages/card-terminal.ts';
export { ELEVATOR_FAULTS } from './messages/elevator.ts';
