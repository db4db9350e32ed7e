/**
 * The goods elevator controller simulator (protocol: PROTOCOL.md next to this
 * file): one or more cars serving calls in order, floor by floor, with doors,
 * load and faults. Faults are injected through the control channel.
 */
import type { BusCommandResult } from '../../../core/index.ts';
import type { DeviceBusClient } from '../../bus/index.ts';
import { sleep, type Simulator } from '../simulator-types.ts';

type Fault = 'door-obstructed' | 'overload' | 'out-of-service' | 'comm-lost';
type Car = { car: number; floor: number; direction: 'up' | 'down' | 'idle'; door: 'opening' | 'open' | 'closing' | 'closed' | 'obstructed'; loadKg: number; faults: Set<Fault> };
type Call = { reference: string; fromFloor: number; toFloor: number };

export function startElevatorSimulator(client: DeviceBusClient, options: Record<string, unknown>): Simulator {
  const lowest = Number(options['lowestFloor'] ?? -1);
  const highest = Number(options['highestFloor'] ?? 20);
  const floorMs = Number(options['floorTravelMs'] ?? 150);
  const doorMs = Number(options['doorMs'] ?? 150);
  const goodsKg = Number(options['goodsKg'] ?? 25);
  const car: Car = { car: 1, floor: 0, direction: 'idle', door: 'closed', loadKg: 0, faults: new Set() };
  const answers = new Map<string, BusCommandResult<'elevator.call'>>();
  const queue: Call[] = [];
  let closed = false;
  let working = false;

  const setDoor = async (state: Car['door']) => {
    car.door = state;
    await client.publish('elevator.door', { car: car.car, floor: car.floor, state });
  };
  async function travelTo(floor: number) {
    while (car.floor !== floor && !closed) {
      car.direction = floor > car.floor ? 'up' : 'down';
      await sleep(floorMs);
      car.floor += car.direction === 'up' ? 1 : -1;
      await client.publish('elevator.position', { car: car.car, floor: car.floor, direction: car.floor === floor ? 'idle' : car.direction });
    }
    car.direction = 'idle';
  }
  async function cycleDoor(loadChangeKg: number) {
    await setDoor('opening');
    await sleep(doorMs);
    await setDoor('open');
    // The door stays open while obstructed; it closes once the fault clears.
    while (car.faults.has('door-obstructed') && !closed) await sleep(doorMs);
    car.loadKg = Math.max(0, car.loadKg + loadChangeKg);
    await client.publish('elevator.load', { car: car.car, kg: car.loadKg, overload: car.faults.has('overload') });
    await setDoor('closing');
    await sleep(doorMs);
    await setDoor('closed');
  }
  async function work() {
    if (working) return;
    working = true;
    try {
      while (queue.length > 0 && !closed) {
        const call = queue.shift()!;
        await travelTo(call.fromFloor);
        await cycleDoor(goodsKg);
        await travelTo(call.toFloor);
        await setDoor('opening');
        await sleep(doorMs);
        await setDoor('open');
        await client.publish('elevator.arrived', { reference: call.reference, car: car.car, floor: car.floor });
        car.loadKg = Math.max(0, car.loadKg - goodsKg);
        await client.publish('elevator.load', { car: car.car, kg: car.loadKg, overload: false });
        await setDoor('closing');
        await sleep(doorMs);
        await setDoor('closed');
      }
    } finally {
      working = false;
    }
  }

  client.handle('elevator.call', ({ reference, fromFloor, toFloor }) => {
    const earlier = answers.get(reference);
    if (earlier) return earlier; // the same reference is the same call
    const blocking = (['out-of-service', 'overload', 'comm-lost'] as const).find((f) => car.faults.has(f));
    if (blocking) return { reference, accepted: false, car: car.car, etaSeconds: 0, reason: blocking };
    if ([fromFloor, toFloor].some((f) => f < lowest || f > highest)) {
      return { reference, accepted: false, car: car.car, etaSeconds: 0, reason: 'out-of-service' };
    }
    const pendingFloors = queue.reduce((n, c) => n + Math.abs(c.toFloor - c.fromFloor), 0);
    const etaMs = (pendingFloors + Math.abs(car.floor - fromFloor) + Math.abs(toFloor - fromFloor)) * floorMs + 6 * doorMs;
    const answer = { reference, accepted: true, car: car.car, etaSeconds: Math.ceil(etaMs / 1000) };
    answers.set(reference, answer);
    queue.push({ reference, fromFloor, toFloor });
    void work();
    return answer;
  });
  client.handle('elevator.status', () => ({
    cars: [{ car: car.car, floor: car.floor, direction: car.direction, door: car.door, loadKg: car.loadKg, faults: [...car.faults] }],
  }));

  return {
    control(message) {
      if (message['action'] !== 'fault') return;
      const fault = message['fault'] as Fault;
      const active = message['active'] === true;
      if (active) car.faults.add(fault);
      else car.faults.delete(fault);
      void client.publish('elevator.fault', { car: car.car, fault, active });
    },
    async close() {
      closed = true;
    },
  };
}
