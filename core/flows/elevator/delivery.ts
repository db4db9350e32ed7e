/** The server's delivery: its states, its HTTP contract with the building gateway. */
import type { SealedBox } from './sealed.ts';

/**
 * What the server knows of a delivery. `waiting` (the orderer is asked) then
 * `card-ready` (approved, the card issued to the lobby's terminal), `charged`
 * (the terminal's authorisation captured), `delivered` (the card closed for
 * good). Final failures: `declined` (by the orderer), `expired` (nobody
 * answered), `no-orderer` (the neutral answer for an unknown unit or a unit
 * with nobody registered), `card-failed` (the terminal's charge did not go
 * through; the card is closed and its hold released), `refunded` (the
 * elevator or the orderer did not take the goods: the charge went back).
 */
export const DELIVERY_STATES = ['waiting', 'card-ready', 'charged', 'delivered', 'declined', 'expired', 'no-orderer', 'card-failed', 'refunded'] as const;
export type DeliveryState = (typeof DELIVERY_STATES)[number];
export const FINAL_DELIVERY_STATES: readonly DeliveryState[] = ['delivered', 'declined', 'expired', 'no-orderer', 'card-failed', 'refunded'];

/** The virtual card as the lobby terminal receives it: sealed to the terminal's own key; the gateway only passes it on. */
export type SealedCard = { cardId: string; last4: string; expiresAt: string; box: SealedBox };

export type DeliveryView = {
  id: string;
  state: DeliveryState;
  amount: number;
  currency: string;
  /** The courier's merchant (from the courier code). */
  merchant: { id: string; name: string };
  /** The floor the goods go to: known once the orderer approved. */
  floor: number | null;
  /** Present while the card is ready to charge (state `card-ready`). */
  card: SealedCard | null;
  /** Why a charge failed or was refunded (stable words, never card data). */
  reason: string | null;
  createdAt: string;
  updatedAt: string;
};

/** POST /v1/elevator/deliveries (gateway credential): the courier's request. `id` is the gateway's own id, also the idempotency key. */
export type CreateDeliveryBody = { id: string; courierCode: string; unit: string; amount: number; currency: string };
export type DeliveryResponse = { delivery: DeliveryView };

/** Why the gateway gives a paid charge back (POST .../refund). */
export const REFUND_REASONS = ['elevator-fault', 'not-taken', 'no-elevator'] as const;
export type RefundReason = (typeof REFUND_REASONS)[number];

export const ELEVATOR_PATHS = {
  deliveries: '/v1/elevator/deliveries',
  /** GET ?after=<state>&waitMs=: answers at once unless the delivery is still in `after`, then waits up to waitMs for a change. */
  one: (id: string) => `/v1/elevator/deliveries/${encodeURIComponent(id)}`,
  /** The terminal reported the charge approved: capture it. */
  capture: (id: string) => `/v1/elevator/deliveries/${encodeURIComponent(id)}/capture`,
  /** The terminal's charge did not go through: close the card, release the hold, reverse any approval. */
  chargeFailed: (id: string) => `/v1/elevator/deliveries/${encodeURIComponent(id)}/charge-failed`,
  delivered: (id: string) => `/v1/elevator/deliveries/${encodeURIComponent(id)}/delivered`,
  refund: (id: string) => `/v1/elevator/deliveries/${encodeURIComponent(id)}/refund`,
  /** The card network's entrance of the sandbox issuer (the card terminal's payment module calls it). */
  issuerPublicKey: '/issuer/public-key',
  issuerAuthorisations: '/issuer/authorisations',
} as const;

/** A building's unit number gives its floor: 1203 is on 12, 801 on 8 (the convention of Korean apartment towers). */
export function floorOfUnit(unit: string): number | undefined {
  if (!/^[1-9][0-9]{2,3}$/.test(unit)) return undefined;
  return Math.floor(Number(unit) / 100);
}
