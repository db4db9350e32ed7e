/**
 * EUC-KR (KS X 1001) for Korean receipt printers, whose double-byte mode
 * (FS &) takes this code page. Node's TextDecoder reads EUC-KR but nothing
 * in the platform writes it, so the table is the decoder's, read back once:
 * every lead/trail pair 0xA1..0xFE decoded to its character.
 */
let table: Map<string, number> | undefined;

function encodeTable(): Map<string, number> {
  if (table) return table;
  table = new Map();
  const decoder = new TextDecoder('euc-kr', { fatal: true });
  const pair = new Uint8Array(2);
  for (let lead = 0xa1; lead <= 0xfe; lead++) {
    for (let trail = 0xa1; trail <= 0xfe; trail++) {
      pair[0] = lead;
      pair[1] = trail;
      let ch: string;
      try {
        ch = decoder.decode(pair);
      } catch {
        continue; // an unassigned pair
      }
      if (ch.length === 1 && !table.has(ch)) table.set(ch, (lead << 8) | trail);
    }
  }
  return table;
}

/** Text as EUC-KR bytes; a character the code page lacks becomes '?'. */
export function encodeEucKr(text: string): number[] {
  const out: number[] = [];
  const t = encodeTable();
  for (const ch of text) {
    const c = ch.codePointAt(0)!;
    if (c < 0x80) out.push(c);
    else {
      const code = t.get(ch);
      if (code === undefined) out.push(0x3f);
      else out.push(code >> 8, code & 0xff);
    }
  }
  return out;
}

/** Columns a character takes on the printer: double-byte characters are full width. */
export function printWidth(text: string): number {
  let w = 0;
  for (const ch of text) w += ch.codePointAt(0)! < 0x80 ? 1 : 2;
  return w;
}
