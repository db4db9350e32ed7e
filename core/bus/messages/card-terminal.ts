/** The card terminal: charges a card and gives back a token, never card data. */
import { bool, object, oneOfStrings, str } from '../schema.ts';
import { bin, last4, money, paymentToken, reference } from './fields.ts';
import type { CommandSpec, EventSpec } from './types.ts';

const T = ['card-terminal'] as const;
export const DECLINE_REASONS = ['insufficient-funds', 'card-expired', 'do-not-honour', 'pin-incorrect', 'card-blocked'] as const;

/** The result of a charge; also what `terminal.lookup` answers for an earlier reference. */
const chargeResult = object(
  {
    reference,
    outcome: oneOfStrings(['approved', 'declined', 'cancelled', 'timeout', 'unknown']),
    token: paymentToken,
    bin,
    last4,
    approvalCode: str(6, { pattern: '^[A-Z0-9]{6}$' }),
    declineReason: oneOfStrings(DECLINE_REASONS),
  },
  ['token', 'bin', 'last4', 'approvalCode', 'declineReason'],
);

/** A virtual card sealed to the terminal's own key (core/flows/elevator SealedBox): the gateway passes it on unopened. */
const b64 = (max: number) => str(max, { pattern: '^[A-Za-z0-9+/]+={0,2}$' });
const sealedCard = object({
  cardId: str(64, { pattern: '^[A-Za-z0-9_-]{1,64}$' }),
  last4,
  expiresAt: str(32, { pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z$' }),
  box: object({ epk: b64(200), iv: b64(64), ct: b64(4096), tag: b64(64) }, ['epk']),
});

export const cardTerminalCommands = {
  'terminal.load-card': {
    kind: 'command',
    to: T,
    params: object({ reference, merchantId: str(64, { pattern: '^[A-Za-z0-9_-]{1,64}$' }), card: sealedCard }),
    result: object({ reference, loaded: bool(), last4 }),
    // Loading the same card again for the same reference changes nothing.
    idempotent: true,
    timeoutMs: 3_000,
    doc: 'Give the terminal a virtual card (sealed to its key) to charge for this reference, on behalf of this merchant.',
  },
  'terminal.charge': {
    kind: 'command',
    to: T,
    params: object({ reference, amount: money }),
    result: chargeResult,
    // Moves money: never blindly retried. After a timeout, ask with terminal.lookup.
    idempotent: false,
    timeoutMs: 120_000,
    doc: 'Ask the customer to present a card and charge it. Answers when the charge is decided.',
  },
  'terminal.lookup': {
    kind: 'command',
    to: T,
    params: object({ reference }),
    result: chargeResult,
    idempotent: true,
    timeoutMs: 3_000,
    doc: 'The outcome of an earlier charge (`unknown` if the terminal never saw the reference).',
  },
  'terminal.cancel': {
    kind: 'command',
    to: T,
    params: object({ reference }),
    result: object({ reference, cancelled: bool() }),
    idempotent: true,
    timeoutMs: 3_000,
    doc: 'Cancel a charge that is still waiting for the card or PIN.',
  },
} as const satisfies Record<string, CommandSpec>;

export const cardTerminalEvents = {
  'terminal.card-presented': {
    kind: 'event',
    from: T,
    payload: object({ reference, entry: oneOfStrings(['chip', 'contactless', 'swipe']) }),
    doc: 'A card was presented for the charge in progress.',
  },
  'terminal.pin-requested': {
    kind: 'event',
    from: T,
    payload: object({ reference }),
    doc: 'The terminal asks the cardholder for the PIN (the PIN itself never leaves the terminal).',
  },
  'terminal.pin-entered': {
    kind: 'event',
    from: T,
    payload: object({ reference }),
    doc: 'The PIN was entered.',
  },
} as const satisfies Record<string, EventSpec>;
