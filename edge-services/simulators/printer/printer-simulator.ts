/**
 * The receipt printer simulator (protocol: PROTOCOL.md next to this file): an
 * ESC/POS thermal printer that "prints" by decoding the job's bytes as the
 * printer would (edge-services/receipts/escpos-decoder.ts). A byte sequence a
 * printer would not understand is refused (`bad-command`), not printed.
 * With `outDir` each printed job is kept as `<reference>.bin` (the bytes) and
 * `<reference>.txt` (the lines as printed), for the demo and the tests.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DeviceBusClient } from '../../bus/index.ts';
import { decodeEscPos, EscPosError } from '../../receipts/index.ts';
import type { Simulator } from '../simulator-types.ts';

export function startPrinterSimulator(client: DeviceBusClient, options: Record<string, unknown>): Simulator {
  const outDir = typeof options['outDir'] === 'string' ? options['outDir'] : undefined;
  // Owner only: receipts are a shop's business (the demo's data folder is owner only too).
  if (outDir) mkdirSync(outDir, { recursive: true, mode: 0o700 });
  let paper: 'ok' | 'low' | 'out' = 'ok';
  const printed = new Map<string, number>();

  client.handle('printer.print', async ({ reference, data }) => {
    const done = printed.get(reference);
    if (done !== undefined) return { reference, printed: true, bytes: done }; // the same job once
    if (paper === 'out') return { reference, printed: false, bytes: 0, error: 'paper-out' as const };
    const bytes = new Uint8Array(Buffer.from(data, 'base64'));
    let text: string;
    try {
      const receipt = decodeEscPos(bytes);
      if (!receipt.cut) throw new EscPosError(bytes.length, 'job ends without a cut');
      text = receipt.lines.map((l) => l.text).join('\n') + (receipt.qrCodes.length ? `\n[QR ${receipt.qrCodes.join(' ')}]` : '') + '\n';
    } catch (err) {
      if (err instanceof EscPosError) return { reference, printed: false, bytes: 0, error: 'bad-command' as const };
      throw err;
    }
    printed.set(reference, bytes.length);
    if (outDir) {
      writeFileSync(join(outDir, `${reference}.bin`), bytes, { mode: 0o600 });
      writeFileSync(join(outDir, `${reference}.txt`), text, { mode: 0o600 });
    }
    return { reference, printed: true, bytes: bytes.length };
  });

  return {
    control(message) {
      const state = message['paper'];
      if (state === 'ok' || state === 'low' || state === 'out') {
        paper = state;
        void client.publish('printer.paper', { state }).catch(() => undefined);
      }
    },
    close: async () => undefined,
  };
}
