/**
 * The receipt printer: an ESC/POS thermal printer (80 mm, 42 columns of Font A)
 * that takes the receipt as the bytes it prints, so the gateway's encoder and
 * the device agree byte for byte (protocol: edge-services/simulators/printer/PROTOCOL.md).
 */
import { bool, int, object, oneOfStrings, str } from '../schema.ts';
import { reference } from './fields.ts';
import type { CommandSpec, EventSpec } from './types.ts';

const P = ['printer'] as const;

/** Most bytes one print job may carry (base64 of 48 KB): a long receipt with a QR code is under 4 KB. */
export const PRINT_JOB_MAX_BASE64 = 65_536;

export const printerCommands = {
  'printer.print': {
    kind: 'command',
    to: P,
    params: object({ reference, data: str(PRINT_JOB_MAX_BASE64, { pattern: '^[A-Za-z0-9+/]+={0,2}$' }) }),
    result: object({ reference, printed: bool(), bytes: int(0), error: oneOfStrings(['paper-out', 'bad-command', 'cover-open']) }, ['error']),
    // Printing twice gives the customer two receipts, not two charges; the printer also remembers references.
    idempotent: true,
    timeoutMs: 10_000,
    doc: 'Print one job of ESC/POS bytes (base64). The printer answers once the job is printed and cut, or why not.',
  },
} as const satisfies Record<string, CommandSpec>;

export const printerEvents = {
  'printer.paper': {
    kind: 'event',
    from: P,
    payload: object({ state: oneOfStrings(['ok', 'low', 'out']) }),
    doc: 'The paper roll changed state (near end, out, replaced).',
  },
} as const satisfies Record<string, EventSpec>;
