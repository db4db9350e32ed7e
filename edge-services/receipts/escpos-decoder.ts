/**
 * Reads ESC/POS bytes back as a printer would: the text of each printed line
 * (EUC-KR in double-byte mode), its style, the QR codes and the cut. The
 * printer simulator prints through this, so a byte the encoder gets wrong is
 * a command the "printer" refuses, as a real one would print garbage.
 */
import { ESC, FS, GS, LF } from './escpos.ts';

export type PrintedLine = { text: string; bold: boolean; double: boolean; align: 'left' | 'centre' | 'right' };
export type PrintedReceipt = { lines: PrintedLine[]; qrCodes: string[]; cut: boolean };

export class EscPosError extends Error {
  constructor(
    readonly offset: number,
    reason: string,
  ) {
    super(`ESC/POS: ${reason} at byte ${offset}`);
  }
}

export function decodeEscPos(bytes: Uint8Array): PrintedReceipt {
  const lines: PrintedLine[] = [];
  const qrCodes: string[] = [];
  let cut = false;
  let bold = false;
  let double = false;
  let align: PrintedLine['align'] = 'left';
  let kanji = false;
  let text: number[] = [];
  let qrStored: string | undefined;
  const euckr = new TextDecoder('euc-kr', { fatal: true });
  const latin = new TextDecoder('latin1');
  const flush = (offset: number) => {
    let s: string;
    try {
      s = kanji ? euckr.decode(Uint8Array.from(text)) : latin.decode(Uint8Array.from(text));
    } catch {
      throw new EscPosError(offset, 'text that is not EUC-KR');
    }
    lines.push({ text: s, bold, double, align });
    text = [];
  };
  let i = 0;
  const need = (n: number) => {
    if (i + n > bytes.length) throw new EscPosError(i, 'command cut short');
  };
  while (i < bytes.length) {
    const b = bytes[i]!;
    if (cut) throw new EscPosError(i, 'bytes after the cut');
    if (b === LF) {
      flush(i);
      i++;
    } else if (b === ESC) {
      need(2);
      const c = bytes[i + 1]!;
      if (c === 0x40) {
        bold = false;
        double = false;
        align = 'left';
        kanji = false;
        i += 2;
      } else if (c === 0x61) {
        need(3);
        const n = bytes[i + 2]! % 48; // '0'..'2' and 0..2 both allowed
        if (n > 2) throw new EscPosError(i, 'bad alignment');
        align = (['left', 'centre', 'right'] as const)[n]!;
        i += 3;
      } else if (c === 0x45) {
        need(3);
        bold = (bytes[i + 2]! & 1) === 1;
        i += 3;
      } else throw new EscPosError(i, `unknown command ESC 0x${c.toString(16)}`);
    } else if (b === GS) {
      need(2);
      const c = bytes[i + 1]!;
      if (c === 0x21) {
        need(3);
        double = bytes[i + 2]! !== 0;
        i += 3;
      } else if (c === 0x56) {
        need(3);
        const m = bytes[i + 2]!;
        if (m === 0x41 || m === 0x42) {
          need(4);
          i += 4;
        } else if (m === 0 || m === 1 || m === 0x30 || m === 0x31) i += 3;
        else throw new EscPosError(i, 'bad cut mode');
        if (text.length) flush(i);
        cut = true;
      } else if (c === 0x28 && bytes[i + 2] === 0x6b) {
        need(7);
        const len = bytes[i + 3]! | (bytes[i + 4]! << 8);
        need(5 + len);
        const cn = bytes[i + 5]!;
        const fn = bytes[i + 6]!;
        if (cn !== 0x31) throw new EscPosError(i, 'only QR symbols (cn 49)');
        if (fn === 0x50) qrStored = new TextDecoder().decode(bytes.subarray(i + 8, i + 5 + len));
        else if (fn === 0x51) {
          if (qrStored === undefined) throw new EscPosError(i, 'QR print with nothing stored');
          qrCodes.push(qrStored);
        } else if (fn !== 0x41 && fn !== 0x43 && fn !== 0x45) throw new EscPosError(i, `unknown QR function ${fn}`);
        i += 5 + len;
      } else throw new EscPosError(i, `unknown command GS 0x${c.toString(16)}`);
    } else if (b === FS) {
      need(2);
      const c = bytes[i + 1]!;
      if (c === 0x26) kanji = true;
      else if (c === 0x2e) kanji = false;
      else throw new EscPosError(i, `unknown command FS 0x${c.toString(16)}`);
      i += 2;
    } else if (b < 0x20) {
      throw new EscPosError(i, `unexpected control byte 0x${b.toString(16)}`);
    } else if (b >= 0x80) {
      if (!kanji) throw new EscPosError(i, 'a double-byte character outside double-byte mode');
      need(2);
      text.push(b, bytes[i + 1]!);
      i += 2;
    } else {
      text.push(b);
      i++;
    }
  }
  if (text.length) flush(i);
  return { lines, qrCodes, cut };
}
