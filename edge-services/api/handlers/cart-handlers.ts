/** The smart cart's methods: the cart's screen (kiosk access: the screen is a kiosk of its own) and the console's staff. */
import { EdgePayError, type GatewayHandlers } from '../../../core/index.ts';
import type { CartPart, GatewayServiceParts } from './parts.ts';

type CartHandlers = Pick<GatewayHandlers, 'cartState' | 'cartCheckout' | 'cartPayAtKiosk' | 'carts' | 'cartStaffResolve' | 'cartRelease'>;

export function cartHandlers(parts: GatewayServiceParts): CartHandlers {
  const cart = (): CartPart => {
    if (!parts.cart) throw new EdgePayError('CART_UNKNOWN');
    return parts.cart;
  };
  return {
    cartState: async (cartId) => cart().view(cartId),
    cartCheckout: (cartId) => cart().checkout(cartId),
    cartPayAtKiosk: (cartId) => cart().payAtKiosk(cartId),
    carts: async () => parts.cart?.views() ?? [],
    cartStaffResolve: (cartId, decision) => cart().staffResolve(cartId, decision),
    cartRelease: (cartId, by, why) => cart().staffRelease(cartId, by, why),
  };
}
