/**
 * The printed receipt as ESC/POS bytes (Epson's command set, which nearly
 * every thermal receipt printer speaks): 80 mm paper, Font A, 42 columns;
 * Korean in the printer's double-byte mode (FS &, EUC-KR); the e-receipt's
 * address as a QR code (GS ( k, model 2); a partial cut at the end.
 * The simulator (edge-services/simulators/printer) decodes exactly these
 * commands, and tests decode a receipt back to its items and total.
 */
import { RECEIPT_WORDS, receiptAmount, type Receipt } from '../../core/index.ts';
import { encodeEucKr, printWidth } from './euc-kr.ts';

export const RECEIPT_COLUMNS = 42;

export const ESC = 0x1b;
export const GS = 0x1d;
export const FS = 0x1c;
export const LF = 0x0a;

/** The commands this encoder writes (and the simulator understands). */
export const CMD = {
  init: [ESC, 0x40],
  alignLeft: [ESC, 0x61, 0],
  alignCentre: [ESC, 0x61, 1],
  boldOn: [ESC, 0x45, 1],
  boldOff: [ESC, 0x45, 0],
  sizeNormal: [GS, 0x21, 0x00],
  sizeDouble: [GS, 0x21, 0x11],
  kanjiOn: [FS, 0x26],
  kanjiOff: [FS, 0x2e],
  /** Feed 4 lines and cut, leaving one corner (GS V 66 n). */
  feedCut: [GS, 0x56, 0x42, 4],
} as const;

/** GS ( k: store and print a QR code (model 2, module size 6, error correction M). */
export function qrCommands(text: string): number[] {
  const data = [...new TextEncoder().encode(text)];
  const stored = data.length + 3;
  return [
    GS,
    0x28,
    0x6b,
    4,
    0,
    0x31,
    0x41,
    0x32,
    0x00, // model 2
    GS,
    0x28,
    0x6b,
    3,
    0,
    0x31,
    0x43,
    6, // module size
    GS,
    0x28,
    0x6b,
    3,
    0,
    0x31,
    0x45,
    0x31, // error correction M
    GS,
    0x28,
    0x6b,
    stored & 0xff,
    stored >> 8,
    0x31,
    0x50,
    0x30,
    ...data, // store
    GS,
    0x28,
    0x6b,
    3,
    0,
    0x31,
    0x51,
    0x30, // print
  ];
}

/** Left text and right text on one line, padded between (the left is cut short if both do not fit). */
export function twoColumns(left: string, right: string, columns = RECEIPT_COLUMNS): string {
  let l = left;
  while (printWidth(l) + 1 + printWidth(right) > columns && l.length > 0) l = [...l].slice(0, -1).join('');
  return l + ' '.repeat(columns - printWidth(l) - printWidth(right)) + right;
}

export function receiptEscPos(receipt: Receipt): Uint8Array {
  const w = RECEIPT_WORDS[receipt.lang];
  const out: number[] = [];
  const cmd = (c: readonly number[]) => out.push(...c);
  const line = (text = '') => out.push(...encodeEucKr(text), LF);
  const amount = (n: number) => receiptAmount(n, receipt.currency);

  cmd(CMD.init);
  if (receipt.lang === 'ko') cmd(CMD.kanjiOn);
  cmd(CMD.alignCentre);
  cmd(CMD.sizeDouble);
  cmd(CMD.boldOn);
  line(receipt.merchant);
  cmd(CMD.boldOff);
  cmd(CMD.sizeNormal);
  line(`${w.receipt} ${receipt.paymentId.slice(-12)}`);
  line(`${receipt.localTime} (${receipt.timezone})`);
  cmd(CMD.alignLeft);
  line('-'.repeat(RECEIPT_COLUMNS));
  for (const l of receipt.lines) {
    line(l.name);
    line(twoColumns(`  ${l.quantity} x ${amount(l.unitAmount)}`, amount(l.lineAmount)));
  }
  line('-'.repeat(RECEIPT_COLUMNS));
  cmd(CMD.boldOn);
  line(twoColumns(`${w.total} (${receipt.currency})`, amount(receipt.total)));
  cmd(CMD.boldOff);
  if (receipt.cardLast4) line(twoColumns(w.card, `****${receipt.cardLast4}`));
  if (receipt.approvalCode) line(twoColumns(w.approval, receipt.approvalCode));
  if (receipt.offline) line(w.offline);
  if (receipt.url) {
    cmd(CMD.alignCentre);
    line();
    cmd(qrCommands(receipt.url));
    line(w.scan);
  }
  cmd(CMD.alignCentre);
  line(w.thanks);
  if (receipt.lang === 'ko') cmd(CMD.kanjiOff);
  cmd(CMD.feedCut);
  return Uint8Array.from(out);
}
