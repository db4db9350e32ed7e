/**
 * The card terminal simulator (protocol: PROTOCOL.md next to this file).
 * The amount's last two minor-unit digits pick the simulated card's fate, as a
 * sandbox acquirer's test amounts do. The simulator holds no card numbers at
 * all: its test cards are only a BIN, last 4 digits and an entry mode.
 */
import { randomBytes, randomInt } from 'node:crypto';
import type { BusCommandResult } from '../../../core/index.ts';
import { VirtualCardModule } from './virtual-card-module.ts';
import { DeviceCommandError, type DeviceBusClient } from '../../bus/index.ts';
import { sleep, type Simulator } from '../simulator-types.ts';

type ChargeResult = BusCommandResult<'terminal.charge'>;
type Fate = { outcome: 'approved' } | { outcome: 'declined'; declineReason: NonNullable<ChargeResult['declineReason']> } | { outcome: 'timeout' };

/** Test amounts (minor units modulo 100) and what they do; everything else is approved. */
export const TEST_AMOUNT_FATES: Readonly<Record<number, Fate>> = {
  51: { outcome: 'declined', declineReason: 'insufficient-funds' },
  54: { outcome: 'declined', declineReason: 'card-expired' },
  5: { outcome: 'declined', declineReason: 'do-not-honour' },
  55: { outcome: 'declined', declineReason: 'pin-incorrect' },
  62: { outcome: 'declined', declineReason: 'card-blocked' },
  99: { outcome: 'timeout' },
};
/** At or above this amount (minor units) the card is inserted and a PIN is asked for. */
export const PIN_THRESHOLD = 5_000;
const CARD = { bin: '476173', last4: '0010' };

export function startCardTerminalSimulator(client: DeviceBusClient, options: Record<string, unknown>): Simulator {
  const stepMs = Number(options['stepMs'] ?? 150);
  const cardTimeoutMs = Number(options['cardTimeoutMs'] ?? 2_000);
  const results = new Map<string, ChargeResult>();
  let current: { reference: string; promise: Promise<ChargeResult>; cancel(): void } | undefined;
  // The payment module for virtual cards (the elevator flow): only with the terminal's own key.
  const virtualCards = typeof options['cardKey'] === 'string' ? new VirtualCardModule(options, client.deviceId) : undefined;

  async function charge(reference: string, amount: number, cancelled: () => boolean, currency: string): Promise<ChargeResult> {
    if (virtualCards?.has(reference)) {
      await client.publish('terminal.card-presented', { reference, entry: 'contactless' });
      return virtualCards.charge(reference, { amount, currency } as Parameters<VirtualCardModule['charge']>[1]);
    }
    const fate = TEST_AMOUNT_FATES[amount % 100] ?? { outcome: 'approved' as const };
    if (fate.outcome === 'timeout') {
      // Nobody presents a card.
      for (let waited = 0; waited < cardTimeoutMs && !cancelled(); waited += stepMs) await sleep(stepMs);
      return { reference, outcome: cancelled() ? 'cancelled' : 'timeout' };
    }
    await sleep(stepMs);
    if (cancelled()) return { reference, outcome: 'cancelled' };
    const chip = amount >= PIN_THRESHOLD;
    await client.publish('terminal.card-presented', { reference, entry: chip ? 'chip' : 'contactless' });
    if (chip) {
      await client.publish('terminal.pin-requested', { reference });
      await sleep(stepMs);
      if (cancelled()) return { reference, outcome: 'cancelled' };
      await client.publish('terminal.pin-entered', { reference });
    }
    await sleep(stepMs);
    if (fate.outcome === 'declined') return { reference, outcome: 'declined', declineReason: fate.declineReason, ...CARD };
    return {
      reference,
      outcome: 'approved',
      token: `tok_${randomBytes(18).toString('base64url')}`,
      ...CARD,
      approvalCode: String(randomInt(100_000, 999_999)),
    };
  }

  client.handle('terminal.charge', async ({ reference, amount }) => {
    const done = results.get(reference);
    if (done) return done; // the same reference is the same charge
    if (current && current.reference === reference) return current.promise;
    if (current) throw new DeviceCommandError('TERMINAL_BUSY', `charge ${current.reference} is in progress`);
    let isCancelled = false;
    const promise = charge(reference, amount.amount, () => isCancelled, amount.currency).then((result) => {
      results.set(reference, result);
      current = undefined;
      return result;
    });
    current = { reference, promise, cancel: () => (isCancelled = true) };
    return promise;
  });
  client.handle('terminal.lookup', ({ reference }) => results.get(reference) ?? { reference, outcome: 'unknown' });
  client.handle('terminal.cancel', async ({ reference }) => {
    if (current?.reference !== reference) return { reference, cancelled: false };
    current.cancel();
    const result = await current.promise;
    return { reference, cancelled: result.outcome === 'cancelled' };
  });

  client.handle('terminal.load-card', ({ reference, merchantId, card }) => {
    if (!virtualCards) throw new DeviceCommandError('TERMINAL_NO_CARD_KEY', 'this terminal has no key for virtual cards');
    return virtualCards.load(reference, merchantId, card);
  });

  return {
    control: (message) => virtualCards?.control(message),
    close: async () => undefined,
  };
}
