/**
 * The cart flow on the wire: what the store gateway asks the server (pairing
 * status, checkout), what the phone reads (its cart) and the exit pass the
 * gate checks. Plain JSON; amounts in minor units with their currency.
 */
import type { CartLine, CartPrompt, CartSessionState } from './collection.ts';

/** What the server hands the store once the payment is done: the gate lets this cart out once, before `expiresAt`. */
export type ExitPass = { id: string; siteId: string; cartId: string; sessionId: string; amount: number; currency: string; expiresAt: string };

export type CartCheckoutState = 'pending' | 'paid' | 'declined' | 'expired' | 'failed';

/** GET /flows/cart/sessions/:id (gateway): whether a phone paired, and how checkout stands. */
export type CartSessionStatus = {
  sessionId: string;
  paired: boolean;
  checkout: null | {
    state: CartCheckoutState;
    requestId: string;
    amount: number;
    currency: string;
    paymentId?: string;
    exitPass?: ExitPass;
    /** declined: the phone or the card's reason; failed: what went wrong, as a code. */
    reason?: string;
  };
  /** Grows with every change of the above: `?after=` waits for a newer one. */
  version: number;
};

/** POST /flows/cart/sessions/:id/checkout body: which checkout (the pushed session's checkoutId) and the amount the gateway expects (both checked against the pushed session). */
export type CartCheckoutBody = { checkoutId: string; total: number; currency: string; ttlSeconds?: number };

/** What the phone sees of its cart (GET /wallet/api/cart). */
export type PhoneCartView = {
  sessionId: string;
  cartId: string;
  state: CartSessionState;
  prompt: CartPrompt;
  items: CartLine[];
  total: number;
  currency: string;
  staffCallsOpen: number;
  /** The session document's version: `?after=` waits for a newer one. */
  version: number;
};

/** POST /wallet/api/cart/pair body: from the QR code on the cart's screen. */
export type CartPairBody = { sessionId: string; code: string };

export const CART_PATHS = {
  status: (id: string) => `/flows/cart/sessions/${encodeURIComponent(id)}`,
  checkout: (id: string) => `/flows/cart/sessions/${encodeURIComponent(id)}/checkout`,
  phoneCart: '/wallet/api/cart',
  phonePair: '/wallet/api/cart/pair',
} as const;

/** The wallet address the cart's QR code holds: opening it in the wallet pairs the phone with the cart. */
export function cartPairingUrl(walletOrigin: string, sessionId: string, code: string): string {
  return `${walletOrigin}/wallet/#/cart/pair?s=${encodeURIComponent(sessionId)}&c=${encodeURIComponent(code)}`;
}

export type ExitPassRefusal = 'no-pass' | 'other-store' | 'other-cart' | 'expired' | 'used';

/** The gate's check of an exit pass: this store, this cart, in time, never used before. */
export function checkExitPass(pass: ExitPass | undefined, at: { siteId: string; cartId: string; now: number; used: ReadonlySet<string> }): ExitPassRefusal | null {
  if (!pass) return 'no-pass';
  if (pass.siteId !== at.siteId) return 'other-store';
  if (pass.cartId !== at.cartId) return 'other-cart';
  if (Date.parse(pass.expiresAt) <= at.now) return 'expired';
  if (at.used.has(pass.id)) return 'used';
  return null;
}

/** What the cart's own screen shows (gateway API `cartState`), and the console's list of carts. */
export type CartView = {
  cartId: string;
  sessionId: string;
  state: CartSessionState;
  prompt: CartPrompt;
  items: CartLine[];
  total: number;
  currency: string;
  paired: boolean;
  /** The wallet address of the QR code (pairs the phone); only while no phone is paired. */
  pairingUrl?: string;
  staffCalls: { id: string; reason: string; productId?: string; at: string }[];
  /** The open mismatch the cart asks the shopper to scan for. */
  mismatch?: { kind: string; deltaGrams: number };
  heldReason?: string;
  paidTotal?: number;
  /** Whether the gateway reaches the server now (else: pay at a kiosk). */
  online: boolean;
  version: number;
};

/** Staff at a cart (console): close a call, with who and why, and what they changed. */
export type CartStaffDecision = { callId: string; by: string; why: string; action: 'add' | 'remove' | 'dismiss'; productId?: string };
