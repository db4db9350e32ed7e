/**
 * BER-TLV (ISO/IEC 8825-1 as EMV uses it): tags of one or more bytes (low five
 * bits all set: more bytes follow while bit 8 is set), lengths in short form
 * or 0x81/0x82 long form, constructed tags (bit 6 of the first byte) holding
 * TLVs. Strict: any byte left over, a length past the end or nesting deeper
 * than 4 makes the whole thing invalid.
 */
export type Tlv = { tag: string; value: Uint8Array; children?: Tlv[] };

export function parseTlv(bytes: Uint8Array, depth = 0): Tlv[] | undefined {
  if (depth > 4) return undefined;
  const out: Tlv[] = [];
  let i = 0;
  while (i < bytes.length) {
    const first = bytes[i++]!;
    let tag = first.toString(16).padStart(2, '0');
    if ((first & 0x1f) === 0x1f) {
      let b: number;
      do {
        if (i >= bytes.length || tag.length >= 8) return undefined;
        b = bytes[i++]!;
        tag += b.toString(16).padStart(2, '0');
      } while (b & 0x80);
    }
    if (i >= bytes.length) return undefined;
    let length = bytes[i++]!;
    if (length === 0x81 || length === 0x82) {
      const n = length - 0x80;
      if (i + n > bytes.length) return undefined;
      length = 0;
      for (let k = 0; k < n; k++) length = (length << 8) | bytes[i++]!;
    } else if (length > 0x7f) return undefined;
    if (i + length > bytes.length) return undefined;
    const value = bytes.subarray(i, i + length);
    i += length;
    const item: Tlv = { tag: tag.toUpperCase(), value };
    if (first & 0x20) {
      const children = parseTlv(value, depth + 1);
      if (!children) return undefined;
      item.children = children;
    }
    out.push(item);
  }
  return out;
}

export function encodeTlv(items: readonly Tlv[]): Uint8Array {
  const parts: number[] = [];
  for (const item of items) {
    const value = item.children ? encodeTlv(item.children) : item.value;
    for (let k = 0; k < item.tag.length; k += 2) parts.push(parseInt(item.tag.slice(k, k + 2), 16));
    if (value.length < 0x80) parts.push(value.length);
    else if (value.length < 0x100) parts.push(0x81, value.length);
    else parts.push(0x82, value.length >> 8, value.length & 255);
    parts.push(...value);
  }
  return Uint8Array.from(parts);
}
