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
  /** The last courier code read by the lobby's scanner from a company app's QR code (`n` counts reads, so the screen fills the field once per read). */
  scan: { courierCode: string; n: number } | null;
  /** A refund or void the server could not take yet: kept in the gateway's ledger and sent when it is back. */
  settlementQueued: boolean;
  /** Incremented on every change (the screen polls and redraws on a new one). */
  version: number;
};

/**
 * The QR code a delivery company's app shows its courier: `EDGEPAY-COURIER:<code>`
 * (the courier code the company was given, 4 to 64 letters, digits or dashes).
 * Anything else the scanner reads (a product's barcode) is not a courier.
 */
export const COURIER_QR_PREFIX = 'EDGEPAY-COURIER:';
export function courierCodeOfQr(text: string): string | undefined {
  const t = text.trim();
  if (t.slice(0, COURIER_QR_PREFIX.length).toUpperCase() !== COURIER_QR_PREFIX) return undefined;
  const code = t.slice(COURIER_QR_PREFIX.length);
  return /^[A-Za-z0-9-]{4,64}$/.test(code) ? code : undefined;
}
