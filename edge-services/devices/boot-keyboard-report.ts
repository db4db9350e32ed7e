/**
 * The boot keyboard input report (HID 1.11, Appendix B.1): 8 bytes
 *   [0] modifier bits, [1] reserved, [2..7] up to six usage ids of keys held down.
 * A key press is a usage that appears in a report and was not in the previous
 * one; releases are reports without it. Some devices put a report id before
 * the 8 bytes (`reportIdPrefix`).
 */
import { EdgePayError } from '../../core/index.ts';
import { MODIFIER, USAGE_ERROR_ROLL_OVER } from './keyboard-usages.ts';

export const BOOT_KEYBOARD_REPORT_BYTES = 8;

export type KeyPress = {
  usage: number;
  shift: boolean;
  ctrl: boolean;
  alt: boolean;
  /** When the report that carried the press arrived (ms, transport clock). */
  at: number;
};

export type BootKeyboardOptions = { reportIdPrefix?: number };

export class BootKeyboardDecoder {
  #held = new Set<number>();
  constructor(private readonly options: BootKeyboardOptions = {}) {}

  /** New key presses in this report; throws HID_REPORT_INVALID for a report of the wrong shape. */
  decode(report: Uint8Array, at: number): KeyPress[] {
    let bytes = report;
    if (this.options.reportIdPrefix !== undefined) {
      if (bytes[0] !== this.options.reportIdPrefix) {
        throw new EdgePayError('HID_REPORT_INVALID', { kind: 'boot keyboard', reason: `report id ${bytes[0]} instead of ${this.options.reportIdPrefix}` });
      }
      bytes = bytes.subarray(1);
    }
    if (bytes.length !== BOOT_KEYBOARD_REPORT_BYTES) {
      throw new EdgePayError('HID_REPORT_INVALID', { kind: 'boot keyboard', reason: `${bytes.length} bytes instead of 8` });
    }
    const modifiers = bytes[0]!;
    const keys = [...bytes.subarray(2)].filter((u) => u !== 0);
    // Phantom state: the keyboard cannot tell which keys are down. Keep the previous state.
    if (keys.length > 0 && keys.every((u) => u === USAGE_ERROR_ROLL_OVER)) return [];
    const shift = (modifiers & (MODIFIER.leftShift | MODIFIER.rightShift)) !== 0;
    const ctrl = (modifiers & (MODIFIER.leftCtrl | MODIFIER.rightCtrl)) !== 0;
    const alt = (modifiers & (MODIFIER.leftAlt | MODIFIER.rightAlt)) !== 0;
    const pressed = keys.filter((u) => !this.#held.has(u)).map((usage) => ({ usage, shift, ctrl, alt, at }));
    this.#held = new Set(keys);
    return pressed;
  }

  reset(): void {
    this.#held.clear();
  }
}
