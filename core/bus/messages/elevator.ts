/** The goods elevator controller (the `elevator` flow). */
import { array, bool, int, object, oneOfStrings } from '../schema.ts';
import { empty, reference } from './fields.ts';
import type { CommandSpec, EventSpec } from './types.ts';

const E = ['elevator'] as const;
const floor = int(-10, 200);
const car = int(1, 16);
const direction = oneOfStrings(['up', 'down', 'idle']);
const doorState = oneOfStrings(['opening', 'open', 'closing', 'closed', 'obstructed']);
export const ELEVATOR_FAULTS = ['door-obstructed', 'overload', 'out-of-service', 'comm-lost'] as const;

export const elevatorCommands = {
  'elevator.call': {
    kind: 'command',
    to: E,
    params: object({ reference, fromFloor: floor, toFloor: floor }),
    result: object({ reference, accepted: bool(), car, etaSeconds: int(0, 3600), reason: oneOfStrings(ELEVATOR_FAULTS) }, ['reason']),
    // The controller keys calls by reference: a repeated call is the same call.
    idempotent: true,
    timeoutMs: 3_000,
    doc: 'Carry goods from one floor to another. Answers at once; progress comes as events.',
  },
  'elevator.status': {
    kind: 'command',
    to: E,
    params: empty,
    result: object({
      cars: array(
        object({ car, floor, direction, door: doorState, loadKg: int(0, 10_000), faults: array(oneOfStrings(ELEVATOR_FAULTS), 4) }),
        16,
      ),
    }),
    idempotent: true,
    timeoutMs: 2_000,
    doc: 'Where every car is.',
  },
} as const satisfies Record<string, CommandSpec>;

export const elevatorEvents = {
  'elevator.position': { kind: 'event', from: E, payload: object({ car, floor, direction }), doc: 'A car passed or stopped at a floor.' },
  'elevator.door': { kind: 'event', from: E, payload: object({ car, floor, state: doorState }), doc: 'A car door changed state.' },
  'elevator.load': { kind: 'event', from: E, payload: object({ car, kg: int(0, 10_000), overload: bool() }), doc: 'The load in a car changed.' },
  'elevator.fault': {
    kind: 'event',
    from: E,
    payload: object({ car, fault: oneOfStrings(ELEVATOR_FAULTS), active: bool() }),
    doc: 'A fault was raised (active) or cleared.',
  },
  'elevator.arrived': {
    kind: 'event',
    from: E,
    payload: object({ reference, car, floor }),
    doc: 'The car serving a call reached its destination floor with the door open.',
  },
} as const satisfies Record<string, EventSpec>;
