/**
 * The flows `npm run demo` starts, in the order they are printed. A flow adds
 * its part as `demo/<flow>.ts` and one line here.
 */
import type { DemoFlow } from './context.ts';
// flow imports: elevator
import { elevatorDemo } from './elevator.ts';

// flow imports: cart

// flow imports: two-channel

// flow imports: relay

// flow imports: credit

export const DEMO_FLOWS: readonly DemoFlow[] = [
  // elevator
  elevatorDemo,

  // cart

  // two-channel

  // relay

  // credit
];
