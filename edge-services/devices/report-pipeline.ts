/**
 * One attached device's reports in, bus events out, according to its registry
 * entry: keyboard-wedge scanner, HID-POS scanner or keyboard-mode token reader.
 */
import type { BusEventPayload } from '../../core/index.ts';
import { BootKeyboardDecoder } from './boot-keyboard-report.ts';
import type { RegistryEntry } from './device-registry.ts';
import { HidPosAssembler } from './hid-pos-report.ts';
import { KeystrokeLines, type KeystrokeLine } from './keystroke-lines.ts';
import { tokenFromLine } from './token-reader.ts';

export type DeviceOutput =
  | { type: 'scanner.scan'; payload: BusEventPayload<'scanner.scan'> }
  | { type: 'reader.token'; payload: BusEventPayload<'reader.token'> }
  | { type: 'reader.refused'; payload: BusEventPayload<'reader.refused'> };

export type ReportPipeline = {
  /** Events produced by this report (usually none until a terminator or the last HID-POS report). */
  report(data: Uint8Array, at: number): DeviceOutput[];
  /** The device went away: whatever it had sent that forms a code comes out, marked incomplete. */
  detach(): DeviceOutput[];
  /** Counters for the device status. */
  stats(): { invalidReports: number; typedDiscarded: number };
};

export function createReportPipeline(entry: RegistryEntry, tokenKey: Buffer): ReportPipeline {
  let invalidReports = 0;
  if (entry.driver === 'hid-pos-scanner') {
    const assembler = new HidPosAssembler(entry.layout ?? 'aim-prefix');
    const toOutput = (scan: ReturnType<HidPosAssembler['push']>): DeviceOutput[] => (scan ? [{ type: 'scanner.scan', payload: { ...scan, source: 'hid-pos' } }] : []);
    return {
      report(data) {
        try {
          return toOutput(assembler.push(data));
        } catch {
          invalidReports++;
          return [];
        }
      },
      detach: () => toOutput(assembler.flush()),
      stats: () => ({ invalidReports, typedDiscarded: 0 }),
    };
  }

  const keyboard = new BootKeyboardDecoder(entry.reportIdPrefix === undefined ? {} : { reportIdPrefix: entry.reportIdPrefix });
  const lines = new KeystrokeLines({ ...(entry.timing ? { timing: entry.timing } : {}), ...(entry.terminator ? { terminator: entry.terminator } : {}) });
  const toOutput = (line: KeystrokeLine | undefined): DeviceOutput[] => {
    // A person typing on a device we listen to is not a scan: drop it (counted in typedDiscarded).
    if (!line || !line.machine) return [];
    if (entry.driver === 'keyboard-token-reader') {
      const medium = entry.medium ?? 'nfc';
      // An incomplete read is not a badge: a token of half a UID would match nobody, or the wrong person.
      if (!line.complete || line.unreadable) return [{ type: 'reader.refused', payload: { medium, reason: 'unreadable' } }];
      const read = tokenFromLine(line.text, medium, tokenKey);
      return read.kind === 'token' ? [{ type: 'reader.token', payload: { token: read.token, medium } }] : [{ type: 'reader.refused', payload: { medium, reason: read.reason } }];
    }
    if (line.unreadable || line.text.length > 4096) return [];
    return [{ type: 'scanner.scan', payload: { code: line.text, source: 'keyboard-wedge', complete: line.complete } }];
  };
  return {
    report(data, at) {
      let presses;
      try {
        presses = keyboard.decode(data, at);
      } catch {
        invalidReports++;
        return [];
      }
      return presses.flatMap((press) => toOutput(lines.push(press)));
    },
    detach() {
      keyboard.reset();
      return toOutput(lines.flush());
    },
    stats: () => ({ invalidReports, typedDiscarded: lines.typedDiscarded }),
  };
}
