/** edge-services/flows/cart: the store gateway's side of the smart cart flow. */
export { CartFlow, type CartFlowDeps, type CartFlowEvent, type CartCatalogueEntry } from './cart-flow.ts';
export { sessionStatus, startCheckout } from './server-calls.ts';
