/**
 * The flows `npm run demo` starts, in the order they are printed. A flow adds
 * its part as `demo/<flow>.ts` and one line here.
 */
import type { DemoFlow } from './context.ts';
// flow imports: elevator

// flow imports: cart

// flow imports: two-channel
import { twoChannelDemo } from './two-channel.ts';

// flow imports: relay

// flow imports: credit

export const DEMO_FLOWS: readonly DemoFlow[] = [
  // elevator

  // cart

  // two-channel
  twoChannelDemo,

  // relay

  // credit
];
