/**
 * Turns key presses into lines ended by a terminator key, and tells a machine
 * (scanner, card reader) from a person by the time between presses.
 *
 * A scanner in keyboard-wedge mode "types" a whole code in a few milliseconds
 * per character; a person needs 80 ms or more. Two rules, both on the
 * transport's timestamps (never on when our code happened to run):
 *  - a pause longer than `maxGapMs` starts a new line: what came before was
 *    typed (so slow typing just before a scan cannot spoil the scan);
 *  - at the terminator, the line is a machine's only if the median gap is at
 *    most `maxMedianGapMs` and it has at least `minLength` characters.
 */
import type { KeyPress } from './boot-keyboard-report.ts';
import { USAGE_ENTER, USAGE_KEYPAD_ENTER, USAGE_TAB, usageToChar, usageToControlChar } from './keyboard-usages.ts';

export type KeystrokeTiming = { maxMedianGapMs: number; maxGapMs: number; minLength: number };

/** Defaults that hold for scanners at their factory inter-character delay. */
export const MACHINE_TIMING: KeystrokeTiming = { maxMedianGapMs: 30, maxGapMs: 120, minLength: 3 };

export type KeystrokeLine = {
  text: string;
  /** True when the line ended with the terminator; false when flushed early (device unplugged). */
  complete: boolean;
  /** The timing says a machine typed it. */
  machine: boolean;
  /** A key that is no character (arrow, F-key, Alt+key) was in it: the text is not what was sent. */
  unreadable: boolean;
};

export type KeystrokeLineOptions = { timing?: Partial<KeystrokeTiming>; terminator?: 'enter' | 'tab' };

export class KeystrokeLines {
  readonly timing: KeystrokeTiming;
  readonly #terminators: ReadonlySet<number>;
  #chars: string[] = [];
  #times: number[] = [];
  #unreadable = false;
  /** Lines dropped because a pause showed they were typed by a person. */
  typedDiscarded = 0;

  constructor(options: KeystrokeLineOptions = {}) {
    this.timing = { ...MACHINE_TIMING, ...options.timing };
    this.#terminators = new Set(options.terminator === 'tab' ? [USAGE_TAB] : [USAGE_ENTER, USAGE_KEYPAD_ENTER]);
  }

  /** Feeds one key press; returns a line when it was the terminator. */
  push(press: KeyPress): KeystrokeLine | undefined {
    const last = this.#times[this.#times.length - 1];
    if (last !== undefined && press.at - last > this.timing.maxGapMs) this.#restart(true);
    if (this.#terminators.has(press.usage)) {
      if (this.#chars.length === 0) return undefined;
      this.#times.push(press.at);
      return this.#finish(true);
    }
    const char = press.alt ? undefined : press.ctrl ? usageToControlChar(press.usage) : usageToChar(press.usage, press.shift);
    if (char === undefined) this.#unreadable = true;
    else this.#chars.push(char);
    this.#times.push(press.at);
    return undefined;
  }

  /** The unterminated rest, e.g. when the device is unplugged mid-scan; undefined if nothing is pending. */
  flush(): KeystrokeLine | undefined {
    if (this.#chars.length === 0) {
      this.#restart(false);
      return undefined;
    }
    return this.#finish(false);
  }

  #finish(complete: boolean): KeystrokeLine {
    const gaps: number[] = [];
    for (let i = 1; i < this.#times.length; i++) gaps.push(this.#times[i]! - this.#times[i - 1]!);
    const text = this.#chars.join('');
    const machine = text.length >= this.timing.minLength && (gaps.length === 0 || median(gaps) <= this.timing.maxMedianGapMs);
    const line = { text, complete, machine, unreadable: this.#unreadable };
    this.#restart(false);
    if (!machine) this.typedDiscarded++;
    return line;
  }

  #restart(typed: boolean): void {
    if (typed && this.#chars.length > 0) this.typedDiscarded++;
    this.#chars = [];
    this.#times = [];
    this.#unreadable = false;
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
