/**
 * The store's exit gate (protocol: PROTOCOL.md next to this file). A cart
 * standing at it is reported (`gate.cart-arrived`, control `arrive`); the gate
 * opens only on `gate.open` with an exit pass that is for this store, still
 * valid and never used before, and only for the cart standing there. Once the
 * cart is through it reports `gate.passed` and closes. It keeps the passes it
 * honoured, so a pass copied to a second cart (or shown twice) is refused.
 */
import type { DeviceBusClient } from '../../bus/index.ts';
import { sleep, type Simulator } from '../simulator-types.ts';

export function startGateSimulator(client: DeviceBusClient, options: Record<string, unknown>): Simulator {
  const siteId = String(options['siteId'] ?? 'demo-store');
  const passMs = Number(options['passMs'] ?? 50);
  const used = new Set<string>();
  const waiting = new Set<string>();
  let chain: Promise<void> = Promise.resolve();

  client.handle('gate.open', ({ cartId, passId, siteId: passSite, expiresAt }) => {
    if (passSite !== siteId) return { opened: 'other-store' as const };
    if (Date.parse(expiresAt) <= Date.now()) return { opened: 'expired' as const };
    if (used.has(passId)) return { opened: 'used' as const };
    if (!waiting.has(cartId)) return { opened: 'other-cart' as const };
    used.add(passId);
    waiting.delete(cartId);
    chain = chain.then(async () => {
      await sleep(passMs);
      await client.publish('gate.passed', { cartId, passId });
    });
    return { opened: 'yes' as const };
  });
  client.handle('gate.hold', () => ({ held: 1 }));

  return {
    control(message) {
      if (message['action'] === 'arrive' && typeof message['cartId'] === 'string') {
        const cartId = message['cartId'];
        waiting.add(cartId);
        chain = chain.then(() => client.publish('gate.cart-arrived', { cartId }));
      }
    },
    async close() {
      await chain.catch(() => undefined);
    },
  };
}
