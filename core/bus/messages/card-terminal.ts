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

export const cardTerminalCommands = {
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
