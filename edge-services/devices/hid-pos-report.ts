/**
 * HID-POS barcode scanners (HID Point of Sale Usage Tables 1.02, usage page
 * 0x8C "Bar Code Scanner"): the decoded data arrives in 64-byte input reports
 * with report id 0x02. Vendors lay the 64 bytes out in one of two ways, both
 * accepted here (pick with `layout`):
 *
 *  `aim-prefix` (Honeywell, Access-IS and others)
 *    [0] 0x02  [1] data length in this report (0..56)
 *    [2..4] AIM symbology identifier, e.g. `]E0` (EAN-13), `]Q1` (QR)
 *    [5..60] data (56 bytes)  [61] vendor symbology id  [62] reserved
 *    [63] bit 0: more data follows in the next report
 *  `data-first` (Newland, ID Tech and others)
 *    [0] 0x02  [1] data length (0..56)  [2..57] data (56 bytes)
 *    [58..61] reserved  [62] vendor symbology id  [63] bit 0: more data follows
 *
 * Codes longer than 56 bytes span several reports; the symbology identifier
 * is taken from the first. Data bytes are decoded as Latin-1 (one byte, one
 * character), which keeps GS (0x1D) separators of GS1 codes intact.
 */
import { EdgePayError } from '../../core/index.ts';

export const HID_POS_REPORT_ID = 0x02;
export const HID_POS_REPORT_BYTES = 64;
export const HID_POS_DATA_BYTES = 56;
export type HidPosLayout = 'aim-prefix' | 'data-first';

export type HidPosScan = { code: string; symbology?: string; complete: boolean };

/** Codes are bounded: a scanner stuck on "more data follows" must not grow memory forever. */
const MAX_CODE_BYTES = 4096;

export class HidPosAssembler {
  #parts: Buffer[] = [];
  #symbology: string | undefined;
  #length = 0;

  constructor(private readonly layout: HidPosLayout = 'aim-prefix') {}

  /** Feeds one input report; returns a scan when the last report of a code arrived. */
  push(report: Uint8Array): HidPosScan | undefined {
    const invalid = (reason: string) => new EdgePayError('HID_REPORT_INVALID', { kind: 'HID-POS', reason });
    if (report.length !== HID_POS_REPORT_BYTES) throw invalid(`${report.length} bytes instead of ${HID_POS_REPORT_BYTES}`);
    if (report[0] !== HID_POS_REPORT_ID) throw invalid(`report id ${report[0]} instead of 2`);
    const length = report[1]!;
    if (length > HID_POS_DATA_BYTES) throw invalid(`data length ${length} > ${HID_POS_DATA_BYTES}`);
    const dataStart = this.layout === 'aim-prefix' ? 5 : 2;
    const data = Buffer.from(report.subarray(dataStart, dataStart + length));
    if (this.#parts.length === 0 && this.layout === 'aim-prefix' && report[2] === 0x5d /* ']' */) {
      this.#symbology = Buffer.from(report.subarray(2, 5)).toString('latin1');
    }
    this.#length += data.length;
    if (this.#length > MAX_CODE_BYTES) {
      this.#reset();
      throw invalid(`code longer than ${MAX_CODE_BYTES} bytes`);
    }
    this.#parts.push(data);
    const more = (report[63]! & 0x01) === 1;
    return more ? undefined : this.#finish(true);
  }

  /** What arrived of a multi-report code before the scanner went away. */
  flush(): HidPosScan | undefined {
    return this.#length > 0 ? this.#finish(false) : (this.#reset(), undefined);
  }

  #finish(complete: boolean): HidPosScan | undefined {
    const code = Buffer.concat(this.#parts).toString('latin1');
    const symbology = this.#symbology;
    this.#reset();
    if (code.length === 0) return undefined;
    return symbology === undefined ? { code, complete } : { code, symbology, complete };
  }

  #reset(): void {
    this.#parts = [];
    this.#symbology = undefined;
    this.#length = 0;
  }
}

/** Builds the reports a scanner would send for `code` (simulators and tests). */
export function hidPosReportsFor(code: string, symbology: string | undefined, layout: HidPosLayout = 'aim-prefix'): Buffer[] {
  const bytes = Buffer.from(code, 'latin1');
  const reports: Buffer[] = [];
  for (let offset = 0; offset < bytes.length || reports.length === 0; offset += HID_POS_DATA_BYTES) {
    const chunk = bytes.subarray(offset, offset + HID_POS_DATA_BYTES);
    const report = Buffer.alloc(HID_POS_REPORT_BYTES);
    report[0] = HID_POS_REPORT_ID;
    report[1] = chunk.length;
    if (layout === 'aim-prefix') {
      if (symbology) report.write(symbology, 2, 3, 'latin1');
      chunk.copy(report, 5);
    } else chunk.copy(report, 2);
    report[63] = offset + HID_POS_DATA_BYTES < bytes.length ? 1 : 0;
    reports.push(report);
  }
  return reports;
}
