/**
 * HID Usage Tables, Keyboard/Keypad page (0x07): usage id -> character on a
 * US layout, unshifted and shifted. Keyboard-wedge scanners and readers are
 * normally set to "USB keyboard, US layout"; other layouts would need their
 * own table (a scanner configured for a German layout sends Z where it means Y).
 */

export const USAGE_ENTER = 0x28;
export const USAGE_TAB = 0x2b;
export const USAGE_KEYPAD_ENTER = 0x58;
/** Sent in all six slots when too many keys are down at once (phantom state). */
export const USAGE_ERROR_ROLL_OVER = 0x01;

/** Modifier byte bits (byte 0 of a boot keyboard report). */
export const MODIFIER = {
  leftCtrl: 0x01,
  leftShift: 0x02,
  leftAlt: 0x04,
  leftGui: 0x08,
  rightCtrl: 0x10,
  rightShift: 0x20,
  rightAlt: 0x40,
  rightGui: 0x80,
} as const;

const table = new Map<number, readonly [string, string]>();
// 0x04..0x1D: a..z
for (let i = 0; i < 26; i++) table.set(0x04 + i, [String.fromCharCode(0x61 + i), String.fromCharCode(0x41 + i)]);
// 0x1E..0x27: 1..9, 0 and their shifted symbols
const digits = '1234567890';
const shiftedDigits = '!@#$%^&*()';
for (let i = 0; i < 10; i++) table.set(0x1e + i, [digits[i]!, shiftedDigits[i]!]);
const punctuation: [number, string, string][] = [
  [0x2c, ' ', ' '],
  [0x2d, '-', '_'],
  [0x2e, '=', '+'],
  [0x2f, '[', '{'],
  [0x30, ']', '}'],
  [0x31, '\\', '|'],
  [0x33, ';', ':'],
  [0x34, "'", '"'],
  [0x35, '`', '~'],
  [0x36, ',', '<'],
  [0x37, '.', '>'],
  [0x38, '/', '?'],
  // Keypad (scanners in "keypad digits" mode send these).
  [0x54, '/', '/'],
  [0x55, '*', '*'],
  [0x56, '-', '-'],
  [0x57, '+', '+'],
  [0x62, '0', '0'],
  [0x63, '.', '.'],
];
for (const [usage, plain, shifted] of punctuation) table.set(usage, [plain, shifted]);
for (let i = 0; i < 9; i++) table.set(0x59 + i, [String(i + 1), String(i + 1)]);

/** The character a key gives, or undefined for keys that are not characters (arrows, F-keys, Enter...). */
export function usageToChar(usage: number, shift: boolean): string | undefined {
  const entry = table.get(usage);
  return entry ? entry[shift ? 1 : 0] : undefined;
}

/** Ctrl + key as ASCII control characters, as scanners send GS1 separators (Ctrl+] = GS, 0x1D). */
export function usageToControlChar(usage: number): string | undefined {
  if (usage >= 0x04 && usage <= 0x1d) return String.fromCharCode(usage - 0x04 + 1); // Ctrl+A = 0x01 ...
  if (usage === 0x2f) return '\u001b'; // Ctrl+[ = ESC
  if (usage === 0x31) return '\u001c'; // Ctrl+\ = FS
  if (usage === 0x30) return '\u001d'; // Ctrl+] = GS
  return undefined;
}

/** The usage id and shift state that type `char` (for simulators and tests that make reports). */
export function charToUsage(char: string): { usage: number; shift: boolean } | undefined {
  for (const [usage, [plain, shifted]] of table) {
    // Prefer the main block over the keypad, as a scanner in default mode does.
    if (usage >= 0x54) continue;
    if (plain === char) return { usage, shift: false };
    if (shifted === char) return { usage, shift: true };
  }
  return undefined;
}
