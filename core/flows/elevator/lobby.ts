/** The lobby terminal's screen: what the courier sees, step by step. */

/**
 * Every step the courier sees. The last ones are outcomes: `delivered`, and
 * each failure with its own words (the lobby never shows who lives at the unit).
 */
export const LOBBY_STEPS = [
  'idle',
  'sending',
  'waiting-orderer',
  'approved',
  'card-ready',
  'charging',
  'elevator-coming',
  'load-goods',
  'on-the-way',
  'arrived',
  'delivered',
  // outcomes that end a delivery
  'declined',
  'no-answer',
  'unit-unavailable',
  'courier-unknown',
  'too-many-tries',
  'card-declined',
  'elevator-fault',
  'not-taken',
  'server-unreachable',
] as const;
export type LobbyStep = (typeof LOBBY_STEPS)[number];

/** Steps after which the courier starts again (the entry is kept where the server was unreachable). */
export const LOBBY_FINAL_STEPS: readonly LobbyStep[] = [
  'idle',
  'delivered',
  'declined',
  'no-answer',
  'unit-unavailable',
  'courier-unknown',
  'too-many-tries',
  'card-declined',
  'elevator-fault',
  'not-taken',
  'server-unreachable',
];

export type LobbyEntry = { courierCode: string; unit: string; amount: number };

export type LobbyState = {
  step: LobbyStep;
  /** What the courier typed (kept when the server could not be reached, so nothing is typed twice). */
  entry: LobbyEntry | null;
  currency: string;
  deliveryId: string | null;
  merchantName: string | null;
  /** The car carrying the goods and where it is. */
  car: { car: number; floor: number } | null;
  /** Whether the money went back (a refund after a fault or goods not taken). */
  refunded: boolean;
  /** A stable word for why, on failures (e.g. the issuer's decline reason). */
  reason: string | null;
  /** Incremented on every change (the screen polls and redraws on a new one). */
  version: number;
};
