/** The relay flow's code formats, their checks and its messages (pure TypeScript). */
export * from './check-digit.ts';
export * from './payment-barcode.ts';
export * from './membership-id.ts';
export * from './cpm-qr.ts';
export { toBase64, fromBase64, toHex, fromHex } from './base64.ts';
export { parseTlv, encodeTlv, type Tlv } from './ber-tlv.ts';
export * from './codes.ts';
export * from './types.ts';
