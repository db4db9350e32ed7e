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
  /** Where the goods are, as the gateway last reported (and the orderer's unload confirmation). */
  progress: DeliveryProgress | null;
  createdAt: string;
  updatedAt: string;
};

/** POST /v1/elevator/deliveries (gateway credential): the courier's request. `id` is the gateway's own id, also the idempotency key. */
export type CreateDeliveryBody = { id: string; courierCode: string; unit: string; amount: number; currency: string };
export type DeliveryResponse = { delivery: DeliveryView };

/** Why the gateway gives a paid charge back (POST .../refund). */
export const REFUND_REASONS = ['elevator-fault', 'not-taken', 'no-elevator'] as const;
export type RefundReason = (typeof REFUND_REASONS)[number];

/**
 * The delivery's progress after the approval, reported by the gateway
 * (`charging` while the card is in the terminal, then the car's stages) and
 * one stage set by the orderer on the phone: `unload-confirmed` ("goods
 * taken out"), only while the car stands at their floor (`arrived`).
 */
export const DELIVERY_PROGRESS_STAGES = ['charging', 'elevator-coming', 'load-goods', 'on-the-way', 'arrived', 'unload-confirmed'] as const;
export type DeliveryProgressStage = (typeof DELIVERY_PROGRESS_STAGES)[number];
/** The stages the gateway reports (the last one is the orderer's). */
export const GATEWAY_PROGRESS_STAGES = ['charging', 'elevator-coming', 'load-goods', 'on-the-way', 'arrived'] as const satisfies readonly DeliveryProgressStage[];
export type GatewayProgressStage = (typeof GATEWAY_PROGRESS_STAGES)[number];
export type DeliveryProgress = { stage: DeliveryProgressStage; car: number | null; floor: number | null; at: string };
/** POST .../progress (gateway credential). */
export type DeliveryProgressBody = { stage: GatewayProgressStage; car?: number; floor?: number };

/**
 * What the orderer's wallet shows of a delivery they approved: one status
 * word for each step and outcome (never the courier's terminal or card).
 */
export const ORDERER_DELIVERY_STATUSES = ['approved', 'charging', 'elevator-coming', 'on-the-way', 'arrived', 'unload-confirmed', 'delivered', 'card-declined', 'elevator-fault', 'not-taken'] as const;
export type OrdererDeliveryStatus = (typeof ORDERER_DELIVERY_STATUSES)[number];
export type OrdererDeliveryView = {
  id: string;
  status: OrdererDeliveryStatus;
  amount: number;
  currency: string;
  merchantName: string;
  floor: number | null;
  car: number | null;
  /** The money: held (approved, not yet charged), charged, refunded (charged then given back) or voided (never charged). */
  money: 'held' | 'charged' | 'refunded' | 'voided';
  /** The "goods taken out" button applies (the car stands open at the orderer's floor). */
  canConfirmUnload: boolean;
  reason: string | null;
  updatedAt: string;
};
export type OrdererDeliveriesResponse = { deliveries: OrdererDeliveryView[] };
export type OrdererDeliveryResponse = { delivery: OrdererDeliveryView };

/** The orderer's view of a delivery row (server-side state + progress), kept here so the wallet and server agree. */
export function ordererStatusOf(v: Pick<DeliveryView, 'state' | 'progress' | 'reason'>): { status: OrdererDeliveryStatus; money: OrdererDeliveryView['money'] } | undefined {
  const stage = v.progress?.stage;
  switch (v.state) {
    case 'card-ready':
      return { status: stage === 'charging' ? 'charging' : 'approved', money: 'held' };
    case 'charged':
      if (stage === 'on-the-way' || stage === 'arrived' || stage === 'unload-confirmed') return { status: stage, money: 'charged' };
      return { status: 'elevator-coming', money: 'charged' };
    case 'delivered':
      return { status: 'delivered', money: 'charged' };
    case 'card-failed':
      return { status: 'card-declined', money: 'voided' };
    case 'refunded':
      return { status: v.reason === 'not-taken' ? 'not-taken' : 'elevator-fault', money: 'refunded' };
    default:
      return undefined; // waiting, declined, expired, no-orderer: the wallet's request list says these
  }
}

export const ELEVATOR_PATHS = {
  deliveries: '/v1/elevator/deliveries',
  /** GET ?after=<state>&progress=<stage>&waitMs=: answers at once unless the delivery is still in `after` (and at `progress`, when given), then waits up to waitMs for a change. */
  one: (id: string) => `/v1/elevator/deliveries/${encodeURIComponent(id)}`,
  /** The terminal reported the charge approved: capture it. */
  capture: (id: string) => `/v1/elevator/deliveries/${encodeURIComponent(id)}/capture`,
  /** The terminal's charge did not go through: close the card, release the hold, reverse any approval. */
  chargeFailed: (id: string) => `/v1/elevator/deliveries/${encodeURIComponent(id)}/charge-failed`,
  delivered: (id: string) => `/v1/elevator/deliveries/${encodeURIComponent(id)}/delivered`,
  /** The gateway reports where the goods are (DeliveryProgressBody). */
  progress: (id: string) => `/v1/elevator/deliveries/${encodeURIComponent(id)}/progress`,
  /** The orderer's wallet (session cookie): their recent deliveries, and "goods taken out". */
  walletDeliveries: '/wallet/api/elevator/deliveries',
  walletUnloaded: (id: string) => `/wallet/api/elevator/deliveries/${encodeURIComponent(id)}/unloaded`,
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
