/**
 * Schema pieces shared by the collections, so that "a timestamp", "an amount"
 * or "a currency" means the same thing in every collection.
 *
 * Functions, not shared objects: RxDB keeps (and in dev mode deep-freezes) the
 * schemas it is given, so every schema gets its own copies.
 */
import type { JsonSchema } from 'rxdb';

/**
 * `Date.prototype.toISOString()` output: UTC, milliseconds, 'Z'. One fixed
 * format with fixed width, so that timestamps compare correctly as strings
 * inside indexes ("newest first", checkpoints).
 */
export const ISO_UTC_PATTERN = '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z$';

export function isoTimestampSchema(): JsonSchema {
  return { type: 'string', minLength: 24, maxLength: 24, pattern: ISO_UTC_PATTERN };
}

/** Canonical lowercase UUIDv7 (see core/ids.ts). */
export function uuidV7Schema(): JsonSchema {
  return {
    type: 'string',
    minLength: 36,
    maxLength: 36,
    pattern: '^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$',
  };
}

/**
 * Ids made elsewhere (sites, gateways, products): printable ASCII without
 * spaces, so they are safe in URLs, logs and index strings.
 */
export function referenceIdSchema(): JsonSchema {
  return { type: 'string', minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9][A-Za-z0-9._:-]*$' };
}

/** Three capital letters. Whether the currency is supported is checked in code (core/currencies.ts), not here: adding a currency must not change the schema's hash. */
export function currencySchema(): JsonSchema {
  return { type: 'string', minLength: 3, maxLength: 3, pattern: '^[A-Z]{3}$' };
}

/** Integer minor units within the exactly representable range. */
export function minorUnitsSchema(minimum: number): JsonSchema {
  return { type: 'integer', minimum, maximum: Number.MAX_SAFE_INTEGER };
}

/** `{amount, currency}` as stored: the same shape as core's `Money`. */
export function moneySchema(minimum: number): JsonSchema {
  return {
    type: 'object',
    additionalProperties: false,
    required: ['amount', 'currency'],
    properties: { amount: minorUnitsSchema(minimum), currency: currencySchema() },
  };
}
