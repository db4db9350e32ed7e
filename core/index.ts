/**
 * The public surface of core, the domain shared by every part of EdgePay.
 * Import from here, never from a file inside core: what is not exported here
 * may change without notice.
 */
export * from './errors.ts';
export { renderErrorsDoc } from './errors-doc.ts';
export * from './currencies.ts';
export * from './money.ts';
export * from './money-text.ts';
export * from './ids.ts';
export * from './json-equal.ts';
export * from './collections/index.ts';
export * from './schemas/index.ts';
export * from './bus/index.ts';
export * from './payments/index.ts';
export * from './recognition/index.ts';
export * from './checkout/index.ts';
export * from './card-data.ts';
export { CARD_RANGES, fitsCardNetwork } from './card-networks.ts';
export * from './json-input.ts';
export * from './strict-json.ts';
export * from './gateway-api/index.ts';
export * from './payment-requests/index.ts';
export * from './sync-protocol/index.ts';
export * from './server-api/index.ts';
export * from './wallet-api/index.ts';
export * from './flows/credit/index.ts';
export * as relay from './flows/relay/index.ts';
export * as twoChannel from './flows/two-channel/index.ts';
export * from './receipts/index.ts';
// The flows' own parts, one namespace each (their names stay apart).
export * as cartFlow from './flows/cart/index.ts';
export * from './flows/elevator/index.ts';
export * from './reports/index.ts';
