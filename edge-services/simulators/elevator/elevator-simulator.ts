/**
 * The goods elevator controller simulator (protocol: PROTOCOL.md next to this
 * file): one or more cars, each serving its calls in order, floor by floor,
 * with doors, load and faults. Faults are injected through the control
 * channel. A call made with confirmLoad waits at its fromFloor for the
 * courier's confirmation; one made with confirmUnload waits at its toFloor
 * for the orderer (or the load sensor) and brings goods nobody took back.
 * An out-of-service fault ends the call of its car: before loading nothing
 * moved; after loading the car brings the goods back to the fromFloor.
 */
import type { BusCommandParams, BusCommandResult } from '../../../core/index.ts';
import type { DeviceBusClient } from '../../bus/index.ts';
import { sleep, type Simulator } from '../simulator-types.ts';

type Fault = 'door-obstructed' | 'overload' | 'out-of-service' | 'comm-lost';
type Car = {
  car: number;
  floor: number;
  direction: 'up' | 'down' | 'idle';
  door: 'opening' | 'open' | 'closing' | 'closed' | 'obstructed';
  loadKg: number;
  faults: Set<Fault>;
  queue: Call[];
  working: boolean;
};
type Call = BusCommandParams<'elevator.call'> & { loadConfirmed: boolean; unloadConfirmed: boolean };
const BLOCKING = ['out-of-service', 'overload', 'comm-lost'] as const;

class Aborted extends Error {}

export function startElevatorSimulator(client: DeviceBusClient, options: Record<string, unknown>): Simulator {
  const lowest = Number(options['lowestFloor'] ?? -1);
  const highest = Number(options['highestFloor'] ?? 20);
  const floorMs = Number(options['floorTravelMs'] ?? 150);
  const doorMs = Number(options['doorMs'] ?? 150);
  const goodsKg = Number(options['goodsKg'] ?? 25);
  const loadTimeoutMs = Number(options['loadTimeoutMs'] ?? 120_000);
  const unloadTimeoutMs = Number(options['unloadTimeoutMs'] ?? 30_000);
  const cars: Car[] = Array.from({ length: Math.max(1, Number(options['cars'] ?? 1)) }, (_, i) => ({
    car: i + 1,
    floor: 0,
    direction: 'idle',
    door: 'closed',
    loadKg: 0,
    faults: new Set<Fault>(),
    queue: [],
    working: false,
  }));
  const answers = new Map<string, BusCommandResult<'elevator.call'>>();
  const calls = new Map<string, Call>();
  let closed = false;

  const setDoor = async (car: Car, state: Car['door']) => {
    car.door = state;
    await client.publish('elevator.door', { car: car.car, floor: car.floor, state });
  };
  const setLoad = async (car: Car, kg: number) => {
    car.loadKg = Math.max(0, kg);
    await client.publish('elevator.load', { car: car.car, kg: car.loadKg, overload: car.faults.has('overload') });
  };
  const check = (car: Car, abortable: boolean) => {
    if (closed) throw new Aborted();
    if (abortable && car.faults.has('out-of-service')) throw new Aborted();
  };
  async function travelTo(car: Car, floor: number, abortable = true) {
    while (car.floor !== floor) {
      check(car, abortable);
      car.direction = floor > car.floor ? 'up' : 'down';
      await sleep(floorMs);
      car.floor += car.direction === 'up' ? 1 : -1;
      await client.publish('elevator.position', { car: car.car, floor: car.floor, direction: car.floor === floor ? 'idle' : car.direction });
    }
    car.direction = 'idle';
  }
  async function openDoor(car: Car) {
    await setDoor(car, 'opening');
    await sleep(doorMs);
    await setDoor(car, 'open');
  }
  async function closeDoor(car: Car) {
    // The door stays open while obstructed; it closes once the fault clears.
    while (car.faults.has('door-obstructed') && !closed) await sleep(doorMs);
    await setDoor(car, 'closing');
    await sleep(doorMs);
    await setDoor(car, 'closed');
  }
  /** Waits until `done()` or the time is up (a fault ends the wait when abortable). */
  async function waitFor(car: Car, done: () => boolean, ms: number, abortable: boolean): Promise<boolean> {
    const end = Date.now() + ms;
    while (!done()) {
      check(car, abortable);
      if (Date.now() >= end) return false;
      await sleep(Math.min(doorMs, 50));
    }
    return true;
  }

  async function serve(car: Car, call: Call) {
    let loaded = false;
    try {
      await travelTo(car, call.fromFloor);
      await openDoor(car);
      if (call.confirmLoad) {
        await client.publish('elevator.loading', { reference: call.reference, car: car.car, floor: car.floor });
        if (!(await waitFor(car, () => call.loadConfirmed, loadTimeoutMs, true))) throw new Aborted();
      }
      check(car, true);
      loaded = true;
      await setLoad(car, car.loadKg + goodsKg);
      await closeDoor(car);
      await travelTo(car, call.toFloor);
      await openDoor(car);
      await client.publish('elevator.arrived', { reference: call.reference, car: car.car, floor: car.floor });
      if (!call.confirmUnload) {
        await setLoad(car, car.loadKg - goodsKg);
        await closeDoor(car);
        return;
      }
      const startKg = car.loadKg;
      const taken = await waitFor(car, () => call.unloadConfirmed || car.loadKg < startKg, unloadTimeoutMs, false);
      if (taken && car.loadKg >= startKg) await setLoad(car, car.loadKg - goodsKg);
      await client.publish('elevator.unloaded', { reference: call.reference, car: car.car, floor: car.floor, taken });
      await closeDoor(car);
      if (taken) return;
      await travelTo(car, call.fromFloor, false);
      await openDoor(car);
      await client.publish('elevator.returned', { reference: call.reference, car: car.car, floor: car.floor, loadKg: car.loadKg });
    } catch (err) {
      if (!(err instanceof Aborted) || closed) return;
      const fault = car.faults.has('out-of-service') ? 'out-of-service' : 'comm-lost';
      await client.publish('elevator.aborted', { reference: call.reference, car: car.car, floor: car.floor, loaded, fault });
      if (!loaded) {
        if (car.door === 'open') await closeDoor(car);
        return;
      }
      // Safe mode: the goods go back to where they were loaded.
      if (car.door === 'open') await closeDoor(car);
      await travelTo(car, call.fromFloor, false);
      await openDoor(car);
      await client.publish('elevator.returned', { reference: call.reference, car: car.car, floor: car.floor, loadKg: car.loadKg });
    }
  }

  async function work(car: Car) {
    if (car.working) return;
    car.working = true;
    try {
      while (car.queue.length > 0 && !closed) await serve(car, car.queue.shift()!);
    } finally {
      car.working = false;
    }
  }

  client.handle('elevator.call', (params) => {
    const { reference, fromFloor, toFloor } = params;
    const earlier = answers.get(reference);
    if (earlier) return earlier; // the same reference is the same call
    const car = params.car !== undefined ? cars.find((c) => c.car === params.car) : (cars.find((c) => !BLOCKING.some((f) => c.faults.has(f))) ?? cars[0]);
    if (!car) return { reference, accepted: false, car: params.car ?? 1, etaSeconds: 0, reason: 'out-of-service' };
    const blocking = BLOCKING.find((f) => car.faults.has(f));
    if (blocking) return { reference, accepted: false, car: car.car, etaSeconds: 0, reason: blocking };
    if ([fromFloor, toFloor].some((f) => f < lowest || f > highest)) {
      return { reference, accepted: false, car: car.car, etaSeconds: 0, reason: 'out-of-service' };
    }
    const pendingFloors = car.queue.reduce((n, c) => n + Math.abs(c.toFloor - c.fromFloor), 0);
    const etaMs = (pendingFloors + Math.abs(car.floor - fromFloor) + Math.abs(toFloor - fromFloor)) * floorMs + 6 * doorMs;
    const answer = { reference, accepted: true, car: car.car, etaSeconds: Math.ceil(etaMs / 1000) };
    answers.set(reference, answer);
    const call: Call = { ...params, loadConfirmed: false, unloadConfirmed: false };
    calls.set(reference, call);
    car.queue.push(call);
    void work(car);
    return answer;
  });
  client.handle('elevator.confirm-load', ({ reference }) => {
    const call = calls.get(reference);
    if (call?.confirmLoad) call.loadConfirmed = true;
    return { reference, accepted: call?.confirmLoad === true };
  });
  client.handle('elevator.confirm-unload', ({ reference }) => {
    const call = calls.get(reference);
    if (call?.confirmUnload) call.unloadConfirmed = true;
    return { reference, accepted: call?.confirmUnload === true };
  });
  client.handle('elevator.status', () => ({
    cars: cars.map((car) => ({ car: car.car, floor: car.floor, direction: car.direction, door: car.door, loadKg: car.loadKg, faults: [...car.faults] })),
  }));

  return {
    control(message) {
      const car = cars.find((c) => c.car === Number(message['car'] ?? 1));
      if (!car) return;
      if (message['action'] === 'take-goods') {
        // The load sensor: someone took the goods out of this car. A car that stood open
        // at rest with goods brought back (not taken, or a fault) closes its door once
        // they are out, and is in service again.
        void (async () => {
          await setLoad(car, car.loadKg - goodsKg);
          if (!car.working && car.door === 'open' && car.loadKg <= 0 && !closed) await closeDoor(car);
        })().catch(() => undefined);
        return;
      }
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
