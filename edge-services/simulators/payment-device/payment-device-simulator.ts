/**
 * The card-less payment device (protocol: PROTOCOL.md next to this file): a
 * fuel pump or a parking gate whose display the gateway drives. Control
 * `{action: 'pay', amount}` is the person at it (an amount chosen at the
 * pump, a car at the barrier): it publishes `paydev.pay-wanted`. Each
 * `paydev.show` changes the display and is echoed as `paydev.displayed` (what
 * a person would read); `paydev.release` releases once per payment.
 */
import type { DeviceBusClient } from '../../bus/index.ts';
import type { Simulator } from '../simulator-types.ts';

export function startPaymentDeviceSimulator(client: DeviceBusClient, _options: Record<string, unknown>): Simulator {
  const released = new Set<string>();
  let chain: Promise<void> = Promise.resolve();
  const later = (fn: () => Promise<void>) => (chain = chain.then(fn).catch(() => undefined));

  client.handle('paydev.show', (params) => {
    // The display changes at once; the echo follows the answer.
    later(() => client.publish('paydev.displayed', params));
    return { shown: params.screen };
  });
  client.handle('paydev.release', ({ paymentId, amount }) => {
    if (released.has(paymentId)) return { released: 'already' as const };
    released.add(paymentId);
    later(() => client.publish('paydev.released', { paymentId, amount }));
    return { released: 'yes' as const };
  });

  return {
    control(message) {
      const amount = message['amount'];
      if (message['action'] === 'pay' && typeof amount === 'number') later(() => client.publish('paydev.pay-wanted', { amount }));
    },
    async close() {
      await chain;
    },
  };
}
