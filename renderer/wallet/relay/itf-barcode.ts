/**
 * Interleaved 2 of 5 (ITF) bars for an even number of digits, as SVG rect
 * positions: pairs of digits, the first in the bars and the second in the
 * spaces, each digit 5 elements of which 2 wide; start `nnnn`, stop `Wnn`.
 * Scanners read it everywhere, it packs digits densely, and it needs no table
 * beyond the ten patterns below (the payment barcode is 20 digits).
 */
const PATTERNS = ['nnwwn', 'wnnnw', 'nwnnw', 'wwnnn', 'nnwnw', 'wnwnn', 'nwwnn', 'nnnww', 'wnnwn', 'nwnwn'];
const NARROW = 2;
const WIDE = 5;

export function itfBars(digits: string): { bars: { x: number; w: number }[]; width: number } {
  if (!/^([0-9]{2})+$/.test(digits)) throw new RangeError('ITF takes an even number of digits');
  const widths: number[] = [NARROW, NARROW, NARROW, NARROW];
  for (let i = 0; i < digits.length; i += 2) {
    const a = PATTERNS[Number(digits[i])]!;
    const b = PATTERNS[Number(digits[i + 1])]!;
    for (let k = 0; k < 5; k++) widths.push(a[k] === 'w' ? WIDE : NARROW, b[k] === 'w' ? WIDE : NARROW);
  }
  widths.push(WIDE, NARROW, NARROW);
  const bars: { x: number; w: number }[] = [];
  let x = 10 * NARROW; // quiet zone
  widths.forEach((w, i) => {
    if (i % 2 === 0) bars.push({ x, w });
    x += w;
  });
  return { bars, width: x + 10 * NARROW };
}
