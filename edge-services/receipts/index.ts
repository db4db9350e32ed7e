/** Receipts on paper: the ESC/POS encoder, its decoder (the printer simulator's and the tests'), EUC-KR. */
export { receiptEscPos, qrCommands, twoColumns, RECEIPT_COLUMNS, CMD } from './escpos.ts';
export { decodeEscPos, EscPosError, type PrintedLine, type PrintedReceipt } from './escpos-decoder.ts';
export { encodeEucKr, printWidth } from './euc-kr.ts';
