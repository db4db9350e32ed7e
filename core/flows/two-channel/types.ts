/**
 * The two-channel flow's contract between the payment device's gateway, the
 * server and the phone (DESIGN.md section 1, `two-channel`):
 *
 * 1. the gateway hears a dongle's rotating code and asks the server to start a
 *    payment for it (`POST /v1/two-channel/sessions`, its credential, an
 *    Idempotency-Key it made); the server resolves the code to the dongle and
 *    its owner, sends the owner a request to pay and answers with a short
 *    presence number the device shows;
 * 2. the phone confirms with the dongle's one-time code and the number it
 *    reads on the device (`POST /wallet/api/two-channel/requests/:id/confirm`);
 * 3. the server checks both, approves the request, charges the owner's card
 *    through the acquirer and the ledger; the gateway learns the outcome
 *    (`GET /v1/two-channel/sessions/:id?waitMs=`) and releases the pump.
 */

/** Where the payment device stands: shown to the phone as the request's place. */
export const TWO_CHANNEL_PLACE_KINDS = ['fuel-pump', 'parking-gate', 'kiosk'] as const;
export type TwoChannelPlaceKind = (typeof TWO_CHANNEL_PLACE_KINDS)[number];

export type StartTwoChannelBody = {
  /** The ephemeral id heard, upper-case hex (16 characters). */
  code: string;
  amount: number;
  currency: string;
  /** The merchant's name as the phone shows it. */
  merchantName: string;
  place: { kind: TwoChannelPlaceKind; label: string };
  /** The signal strength it was heard at (dBm), kept for the record. */
  rssi: number;
};

/**
 * A session's states: waiting for the phone, then approved (the payment was
 * authorised and captured), declined (by the phone, the card or the
 * acquirer), expired (nobody confirmed in time) or cancelled (the device gave up).
 */
export const TWO_CHANNEL_SESSION_STATES = ['waiting', 'approved', 'declined', 'expired', 'cancelled'] as const;
export type TwoChannelSessionState = (typeof TWO_CHANNEL_SESSION_STATES)[number];

export type TwoChannelSessionView = {
  id: string;
  state: TwoChannelSessionState;
  /** The number the device shows; the phone's confirmation must carry it (number matching). */
  presence: string;
  requestId: string;
  amount: number;
  currency: string;
  expiresAt: string;
  /** The server's payment once charged (its id), and why not when declined. */
  paymentId: string | null;
  declineReason: string | null;
};

export type TwoChannelSessionResponse = { session: TwoChannelSessionView };

/** The phone's confirmation: the dongle's 6-digit code and the number on the device. */
export type ConfirmTwoChannelBody = { code: string; presence: string };

export type PairDongleBody = { serial: string; code: string };
export type DongleView = { id: string; serial: string; pairedAt: string };

/** A code the operator console is warned of: heard at two sites at once, or resolved outside its window. */
export type TwoChannelFlagView = { id: string; kind: 'two-sites' | 'outside-window'; siteId: string; otherSiteId: string | null; at: string };

export const TWO_CHANNEL_PATHS = {
  sessions: '/v1/two-channel/sessions',
  session: (id: string) => `/v1/two-channel/sessions/${encodeURIComponent(id)}`,
  cancel: (id: string) => `/v1/two-channel/sessions/${encodeURIComponent(id)}/cancel`,
  dongles: '/wallet/api/two-channel/dongles',
  unpair: (dongleId: string) => `/wallet/api/two-channel/dongles/${encodeURIComponent(dongleId)}/unpair`,
  pending: '/wallet/api/two-channel/pending',
  confirm: (requestId: string) => `/wallet/api/two-channel/requests/${encodeURIComponent(requestId)}/confirm`,
  adminDongles: '/admin/two-channel/dongles',
  adminFlags: '/admin/two-channel/flags',
} as const;

/** A dongle's serial as printed on it: 4 groups of 4 upper-case letters or digits. */
export const DONGLE_SERIAL_PATTERN = '^[A-Z0-9]{4}(-[A-Z0-9]{4}){3}$';
/** The code as the phone sends it: exactly 6 digits (RFC 4226's usual length). */
export const OTP_CODE_PATTERN = '^[0-9]{6}$';
export const EPHEMERAL_ID_PATTERN = '^[0-9A-F]{16}$';
export const PRESENCE_PATTERN = '^[0-9]{2}$';
