/**
 * The flows `npm run demo` starts, in the order they are printed. A flow adds
 * its part as `demo/<flow>.ts` and one line here.
 */
import type { DemoFlow } from './context.ts';
// flow imports: elevator
import { elevatorDemo } from './elevator.ts';

// flow imports: cart
import { cartDemo } from './cart.ts';

// flow imports: two-channel
import { twoChannelDemo } from './two-channel.ts';

// flow imports: relay
import { relayDemo } from './relay.ts';

// flow imports: credit
import { creditDemo } from './credit.ts';

export const DEMO_FLOWS: readonly DemoFlow[] = [
  // elevator
  elevatorDemo,

  // cart
  cartDemo,

  // two-channel
  twoChannelDemo,

  // relay
  relayDemo,

  // credit
  creditDemo,
];
