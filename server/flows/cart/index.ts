/** server/flows/cart: the smart cart flow's plugin (pairing, the phone's live basket, checkout, charge and exit pass). */
export { cartFlowPlugin, type CartFlowOptions } from './plugin.ts';
export { EXIT_PASS_TTL_MS } from './settle.ts';
export { cartPaymentMethod } from './payment-method.ts';
