/** Field schemas shared by several device protocols. */
import { int, object, str } from '../schema.ts';

/** Device ids are also ZeroMQ routing ids and log keys: short, lowercase, no spaces. */
export const DEVICE_ID_PATTERN = '^[a-z0-9][a-z0-9-]{0,62}$';
export const deviceId = str(63, { pattern: DEVICE_ID_PATTERN });

/** A client-made reference that is also the idempotency key of the operation it names. */
export const reference = str(64, { pattern: '^[A-Za-z0-9_-]{8,64}$' });

/** Money as core's Money: integer minor units and an ISO 4217 code (checked against the registry by the gateway). */
export const money = object({ amount: int(1, Number.MAX_SAFE_INTEGER), currency: str(3, { pattern: '^[A-Z]{3}$' }) });

/**
 * A payment token: what a card terminal gives instead of card data. The
 * pattern admits letters after the prefix so that a bare card number can never
 * pass as a token.
 */
export const paymentToken = str(68, { pattern: '^tok_[A-Za-z0-9_-]{16,64}$' });
export const bin = str(6, { pattern: '^[0-9]{6}$' });
export const last4 = str(4, { pattern: '^[0-9]{4}$' });

export const empty = object({});
