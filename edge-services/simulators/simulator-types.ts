/** What every simulator is: bus logic on a DeviceBusClient, plus a control channel for tests and the demo. */
import type { DeviceBusClient } from '../bus/index.ts';

export type Simulator = {
  /** Simulation input that is not on the bus (a card being tapped, goods put in a cart, a fault). */
  control(message: Record<string, unknown>): void;
  close(): Promise<void>;
};

export type SimulatorFactory = (client: DeviceBusClient, options: Record<string, unknown>) => Simulator;

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A small deterministic generator, so simulated noise (signal strength, timings) repeats from run to run. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 0x100000000;
  };
}
