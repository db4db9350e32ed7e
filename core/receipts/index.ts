/** Receipts: one model for the printed slip, the e-receipt page and the kiosk. */
export * from './receipt.ts';
