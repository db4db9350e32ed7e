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
    // car: which car (default: the first in service); confirmLoad: the car waits at fromFloor, door open, for
    // elevator.confirm-load; confirmUnload: at toFloor it waits for elevator.confirm-unload (or the goods taken out,
    // by its load sensor) until its unload timeout, and brings goods nobody took back to fromFloor.
    params: object({ reference, fromFloor: floor, toFloor: floor, car, confirmLoad: bool(), confirmUnload: bool() }, ['car', 'confirmLoad', 'confirmUnload']),
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
      cars: array(object({ car, floor, direction, door: doorState, loadKg: int(0, 10_000), faults: array(oneOfStrings(ELEVATOR_FAULTS), 4) }), 16),
    }),
    idempotent: true,
    timeoutMs: 2_000,
    doc: 'Where every car is.',
  },
  'elevator.confirm-load': {
    kind: 'command',
    to: E,
    params: object({ reference }),
    result: object({ reference, accepted: bool() }),
    idempotent: true,
    timeoutMs: 2_000,
    doc: 'The goods are in the car (the courier said so): close the door and go (calls made with confirmLoad).',
  },
  'elevator.confirm-unload': {
    kind: 'command',
    to: E,
    params: object({ reference }),
    result: object({ reference, accepted: bool() }),
    idempotent: true,
    timeoutMs: 2_000,
    doc: 'The orderer took the goods out (said so on the phone): close the door (calls made with confirmUnload).',
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
  'elevator.loading': {
    kind: 'event',
    from: E,
    payload: object({ reference, car, floor }),
    doc: 'The car of a confirmLoad call stands at its fromFloor with the door open, waiting for the goods.',
  },
  'elevator.unloaded': {
    kind: 'event',
    from: E,
    payload: object({ reference, car, floor, taken: bool() }),
    doc: 'A confirmUnload call ended at its toFloor: the goods were taken out (taken) or not before the unload timeout.',
  },
  'elevator.returned': {
    kind: 'event',
    from: E,
    payload: object({ reference, car, floor, loadKg: int(0, 10_000) }),
    doc: 'The goods of a call came back to its fromFloor (not taken out, or a fault after loading); the door is open.',
  },
  'elevator.aborted': {
    kind: 'event',
    from: E,
    payload: object({ reference, car, floor, loaded: bool(), fault: oneOfStrings(ELEVATOR_FAULTS) }),
    doc: 'A fault ended a call: before loading (loaded false, nothing moved) or after (the goods come back, then elevator.returned).',
  },
} as const satisfies Record<string, EventSpec>;
