export { KioskCheckout, type KioskCheckoutOptions } from './kiosk-checkout.ts';
export { busCardTerminal, type CardTerminal, type CardResult } from './card-terminal-client.ts';
