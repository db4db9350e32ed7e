/**
 * The processor (acquirer) adapter: what the payment authority needs from
 * whoever moves the money. The sandbox acquirer implements it; a real
 * acquirer's adapter plugs into the same interface.
 *
 * Every call carries an idempotency key. An acquirer must answer a repeated
 * key with the first answer, never move money twice: that is what makes
 * "forwarded exactly once" hold when a forwarder crashes between the call and
 * recording its answer, and retries.
 */
export type AuthoriseRequest = {
  idempotencyKey: string;
  /** A processor token for the card (from the terminal); never card data. */
  token: string;
  amount: number;
  currency: string;
  merchantId: string;
};

export type AuthoriseResult = { outcome: 'approved'; approvalCode: string; reference: string } | { outcome: 'declined'; reason: DeclineReason };

export type FollowUpRequest = { idempotencyKey: string; reference: string; amount: number; currency: string };
export type FollowUpResult = { outcome: 'done'; reference: string } | { outcome: 'refused'; reason: string };

/** Stable decline reasons the kiosk can explain to a person. */
export const DECLINE_REASONS = ['do-not-honor', 'insufficient-funds', 'expired-card', 'lost-or-stolen', 'invalid-token', 'limit-exceeded'] as const;
export type DeclineReason = (typeof DECLINE_REASONS)[number];

/** The acquirer did not answer in time or could not be reached: the outcome is unknown, retry with the same key. */
export class AcquirerUnavailable extends Error {
  override readonly name = 'AcquirerUnavailable';
  constructor(
    readonly kind: 'timeout' | 'network',
    message: string,
  ) {
    super(message);
  }
}

export interface ProcessorAdapter {
  readonly name: string;
  authorise(req: AuthoriseRequest): Promise<AuthoriseResult>;
  capture(req: FollowUpRequest): Promise<FollowUpResult>;
  void(req: FollowUpRequest): Promise<FollowUpResult>;
  refund(req: FollowUpRequest): Promise<FollowUpResult>;
}
