/**
 * The relay flow's messages between the parts (DESIGN.md section 1, `relay`):
 * what a terminal or a phone sends the server, what the server commands a
 * terminal or a POS agent to do, what a destination answers, and what the
 * phone and the terminal's screen show.
 */
import type { Money } from '../../money.ts';

/** What a code is relayed for: a payment code pays; a membership id accrues or redeems points. */
export type RelayOperation = 'pay' | 'accrue' | 'redeem';
/** How the code reached the server: scanned by the terminal, or sent by the phone after reading the terminal's NFC tag. */
export type RelayVia = 'scan' | 'tap';
export type RelayPath = 'direct' | 'pos';
/** `relaying` until the destination's answer is known; every other status is final. */
export type RelayStatus = 'relaying' | 'paid' | 'accrued' | 'redeemed' | 'cancelled' | 'reversed';
export const FINAL_RELAY_STATUSES: readonly RelayStatus[] = ['paid', 'accrued', 'redeemed', 'cancelled', 'reversed'];

/** POST /relay/v1/relays (a terminal's scan; the id is the terminal's, the idempotency key). */
export type RelayScanBody = { id: string; terminalId: string; code: string; appId?: string; operation?: RelayOperation; points?: number };
/** POST /wallet/api/relay/taps (the phone read `terminalId` from the terminal's tag). */
export type RelayTapBody = { terminalId: string; code: string; appId: string; operation?: RelayOperation; points?: number };

export type RelayView = {
  id: string;
  terminalId: string;
  appId: string;
  operation: RelayOperation;
  via: RelayVia;
  path: RelayPath;
  status: RelayStatus;
  /** Why it was cancelled or reversed (a destination's reason, `timeout`, ...). */
  reason?: string;
  amount?: Money;
  points?: number;
  /** Points left after a membership operation. */
  balance?: number;
  createdAt: string;
  updatedAt: string;
};

/** A command to a terminal (`forward`) or a POS agent (`enter-code`), sent on its stream until acknowledged by a result. */
export type RelayCommand = {
  id: string;
  relayId: string;
  kind: 'forward' | 'enter-code';
  terminalId: string;
  appId: string;
  code: string;
  operation: RelayOperation;
  points?: number;
  /** Where the destination answers (path on the server, e.g. /relay/destinations/payment-code/submit). */
  destinationPath: string;
  /** The one submission this relay allows at the destination (Bearer). */
  grant: string;
};

export type DestinationSubmit = { reference: string; code: string; operation: RelayOperation; amount?: Money; points?: number };
export type DestinationAnswer = {
  reference: string;
  status: 'approved' | 'declined' | 'reversed' | 'unknown';
  /** Declined: `expired`, `consumed`, `unknown-code`, `insufficient-points`, `bad-cryptogram`, ... */
  reason?: string;
  amount?: Money;
  points?: number;
  balance?: number;
};

/** POST /relay/v1/commands/:id/result: what the terminal or the POS program got from the destination. */
export type RelayCommandResult =
  | { outcome: 'answered'; answer: DestinationAnswer }
  /** No answer in time: the server asks the destination and reverses what is still open. */
  | { outcome: 'no-answer' }
  /** The POS program or terminal refused before submitting (no field for the app, busy, no sale open). */
  | { outcome: 'refused'; reason: string };

/** Stream events to a terminal or POS agent (SSE `event:` names). */
export type RelayStreamEvent = { event: 'command'; data: RelayCommand } | { event: 'outcome'; data: RelayView };

/** The wallet's codes: a payment code in both forms, renewed before it expires, and its membership cards. */
export type WalletRelayCodes = {
  paymentCode: { appId: string; barcode: string; qr: string; qrAppId: string; expiresAt: string };
  memberships: { appId: string; programName: string; memberId: string; points: number }[];
};

/** The app registry's entry: which destination honours an app and what it takes. */
export type RelayApp = { appId: string; label: string; destination: string; takes: 'payment-code' | 'membership'; matchKeys: string[] };
export type RelayTerminalView = { terminalId: string; siteId: string; gatewayId: string; label: string; posAgentId: string | null };

export type RelayPosAgentView = { agentId: string; siteId: string; lastSeenAt: string | null; revoked: boolean };
/** What the operator console shows of the relay's registries for its site (read-only). */
export type RelayRegistryView = { apps: RelayApp[]; terminals: RelayTerminalView[]; posAgents: RelayPosAgentView[] };
