/**
 * Every error EdgePay shows to anyone (HTTP clients, the kiosk, the operator
 * console, logs) has a stable code from this one registry.
 *
 * Why one registry: codes are a contract. The server answers `{code, message}`,
 * the renderer branches on `code`, tests assert on `code`. Keeping the code, its
 * HTTP status and its English message in one place means a message is written
 * once and a code cannot drift between the gateway and the server.
 *
 * Messages may contain `{name}` placeholders filled from the error's details.
 * Details end up in logs and HTTP bodies, so they must never hold card data
 * (PAN, CVV, track, PIN) — at most BIN + last 4 (DESIGN.md section 4).
 */

type ErrorSpec = { readonly httpStatus: number; readonly message: string };

export const errorRegistry = {
  // Money: amounts are integer minor units of a known ISO 4217 currency.
  MONEY_CURRENCY_MISMATCH: { httpStatus: 400, message: 'Cannot combine amounts in {left} and {right}.' },
  MONEY_OVERFLOW: { httpStatus: 400, message: 'The amount is too large to be represented exactly.' },
  MONEY_INVALID_AMOUNT: { httpStatus: 400, message: 'An amount must be a whole number of minor units (got {amount}).' },
  MONEY_NEGATIVE: { httpStatus: 400, message: 'The amount must not be negative here.' },
  MONEY_INVALID_QUANTITY: { httpStatus: 400, message: 'A quantity must be a non-negative whole number (got {quantity}).' },
  MONEY_INVALID_RATIOS: { httpStatus: 400, message: 'Allocation ratios must be non-negative whole numbers with a positive sum.' },
  MONEY_UNKNOWN_CURRENCY: { httpStatus: 400, message: 'Unknown or unsupported currency "{currency}".' },
  // The raw text is deliberately not echoed: someone may type a card number into an amount field.
  MONEY_PARSE: { httpStatus: 400, message: 'Cannot read the text as an amount in {currency}: {reason}.' },
  MONEY_INVALID_LOCALE: { httpStatus: 400, message: 'Cannot format money for locale "{locale}".' },

  // Ids: client-made UUIDv7s are also idempotency keys.
  ID_INVALID: { httpStatus: 400, message: 'Not a valid UUIDv7: "{id}".' },
  ID_RANDOM_UNAVAILABLE: { httpStatus: 500, message: 'No cryptographic random source (globalThis.crypto.getRandomValues) is available.' },
  ID_CLOCK_INVALID: { httpStatus: 500, message: 'The clock returned an unusable time ({ms}).' },

  // Documents and requests.
  SCHEMA_VALIDATION: { httpStatus: 400, message: 'The document does not match the {collection} schema.' },
  SCHEMA_VERSION_OUTDATED: { httpStatus: 426, message: 'Schema version {version} of {collection} is no longer accepted; update the client.' },
  NOT_FOUND: { httpStatus: 404, message: 'Not found.' },

  // HTTP requests (server and gateway APIs): malformed input is always a 4xx.
  REQUEST_INVALID: { httpStatus: 400, message: 'The request is not valid: {reason}' },
  REQUEST_BAD_JSON: { httpStatus: 400, message: 'The request body is not valid JSON.' },
  REQUEST_TOO_LARGE: { httpStatus: 413, message: 'The request body is larger than the {limit} bytes allowed.' },
  REQUEST_UNSUPPORTED_MEDIA_TYPE: { httpStatus: 415, message: 'Send the request body as application/json.' },
  UNKNOWN_COLLECTION: { httpStatus: 404, message: 'There is no replicated collection "{collection}".' },
  SCHEMA_VERSION_UNKNOWN: { httpStatus: 404, message: 'Schema version {version} of {collection} does not exist on this server.' },

  // Authentication of gateways, devices and users.
  AUTH_REQUIRED: { httpStatus: 401, message: 'Missing, unknown or revoked credential.' },
  AUTH_FORBIDDEN: { httpStatus: 403, message: 'This credential may not do that.' },

  // Local and central storage.
  STORAGE_CLOSED: { httpStatus: 503, message: 'The store is closed ({collectionName}: {operation}).' },
  STORAGE_REMOVED: { httpStatus: 503, message: 'The collection {collectionName} was removed ({operation}).' },
  STORAGE_CORRUPT: { httpStatus: 500, message: 'The store file {filePath} is corrupt or not a database: {reason}.' },
  STORAGE_OPEN_FAILED: { httpStatus: 503, message: 'The store file {filePath} could not be opened: {reason}.' },
  STORAGE_INVALID_NAME: { httpStatus: 400, message: 'Not a usable database name: "{databaseName}".' },
  STORAGE_SCHEMA_MISMATCH: { httpStatus: 500, message: 'The table {tableName} was created with a different schema layout than the one given.' },
  STORAGE_INDEX_MISSING: { httpStatus: 400, message: 'The query uses an index the schema does not declare: {index}.' },
  STORAGE_WRITE_FAILED: { httpStatus: 500, message: 'The write was rolled back, nothing of it was stored: {reason}.' },
  STORAGE_ATTACHMENT_MISSING: { httpStatus: 404, message: 'Attachment {attachmentId} of document {documentId} with digest {digest} does not exist.' },
  STORAGE_CONFLICT: { httpStatus: 409, message: 'The document was changed by someone else.' },
  SYNC_CONTENDED: { httpStatus: 503, message: 'The pushed documents kept changing while the push was written ({attempts} attempts); nothing of it was stored, push again.' },
  LEDGER_OPEN_FAILED: { httpStatus: 503, message: 'The payment ledger {name} in {directory} could not be opened: {reason}' },
  LEDGER_MIGRATION_FAILED: { httpStatus: 500, message: 'The payment ledger {name} in {directory} could not be migrated; its data is untouched: {reason}' },

  // Who writes what (DESIGN.md section 3): refusals of a gateway's push.
  PAYMENT_FIELD_NOT_WRITABLE: { httpStatus: 403, message: 'A gateway may not write the payment field "{field}".' },
  PAYMENT_IMMUTABLE_FIELD: { httpStatus: 403, message: 'The payment field "{field}" cannot change after the payment was created.' },
  PAYMENT_INITIAL_STATE_INVALID: { httpStatus: 403, message: 'A new payment must start as "created" or "stored" with one matching history entry (field "{field}").' },
  PAYMENT_DELETE_FORBIDDEN: { httpStatus: 403, message: 'Payments are never deleted.' },
  PAYMENT_AMOUNT_MISMATCH: { httpStatus: 400, message: 'A payment amount must be positive, and lines must add up to it (field "{field}").' },
  PAYMENT_FOREIGN_WRITER: { httpStatus: 403, message: 'A gateway may only write payments of its own site and as itself (field "{field}").' },
  COLLECTION_READ_ONLY: { httpStatus: 403, message: 'Gateways may not write the {collection} collection (field "{field}").' },

  // The payment state machine (core/payments).
  PAYMENT_ILLEGAL_TRANSITION: { httpStatus: 409, message: 'A payment in status "{from}" cannot take "{event}".' },
  PAYMENT_REFUND_INVALID: { httpStatus: 400, message: 'A refund must be more than nothing and at most what is left ({left}); got {amount}.' },
  PAYMENT_NOT_FOUND: { httpStatus: 404, message: 'There is no payment {paymentId}.' },

  // The kiosk checkout (core/checkout, edge-services/checkout).
  CHECKOUT_PRODUCT_UNKNOWN: { httpStatus: 404, message: 'No product with barcode {barcode} in this store.' },
  CHECKOUT_PRODUCT_UNAVAILABLE: { httpStatus: 409, message: 'Product {productId} is not on sale.' },
  CHECKOUT_LINE_NOT_FOUND: { httpStatus: 404, message: 'Product {productId} is not in the basket.' },
  CHECKOUT_EMPTY: { httpStatus: 400, message: 'The basket is empty.' },
  CHECKOUT_BUSY: { httpStatus: 409, message: 'A payment is already in progress at this kiosk.' },
  CHECKOUT_NO_SITE: { httpStatus: 503, message: 'The site settings have not arrived from the server yet; offline payments are refused.' },
  TERMINAL_UNAVAILABLE: { httpStatus: 503, message: 'The card terminal does not answer: {reason}' },

  // Card data (DESIGN.md section 4). The value is never echoed.
  CARD_DATA_REFUSED: { httpStatus: 400, message: 'A card number was found at {path}; card numbers are never stored. Send the terminal token instead.' },

  // Offline store-and-forward limits set by the site.
  OFFLINE_LIMIT_EXCEEDED: { httpStatus: 422, message: 'This payment is beyond the offline limits of the site ({limit}).' },

  // Idempotency (DESIGN.md section 4).
  IDEMPOTENCY_KEY_REUSED: { httpStatus: 409, message: 'This idempotency key was already used with a different request.' },
  IDEMPOTENCY_IN_PROGRESS: { httpStatus: 409, message: 'A request with this idempotency key is still being processed.' },

  // The device bus, drivers and devices (edge-services/bus, drivers, devices, simulators).
  BUS_ZAP_HANDLER_MISSING: { httpStatus: 500, message: 'Refusing to open the {socket} socket on {endpoint}: no ZAP handler is running on its ZeroMQ context (fail closed).' },
  BUS_CLOSED: { httpStatus: 503, message: 'The device bus is closed.' },
  BUS_DEVICE_KEY_INVALID: { httpStatus: 400, message: 'Not a CURVE public key (40 Z85 characters) for device {deviceId}.' },
  BUS_DEVICE_UNKNOWN: { httpStatus: 404, message: 'No enrolled device {deviceId}.' },
  BUS_DEVICE_NOT_CONNECTED: { httpStatus: 503, message: 'Device {deviceId} is not connected to the bus.' },
  BUS_MESSAGE_INVALID: { httpStatus: 400, message: 'The bus message {type} is not valid: {detail}' },
  BUS_COMMAND_TIMEOUT: { httpStatus: 504, message: 'Device {deviceId} did not answer {type} within {timeoutMs} ms (attempts: {attempts}).' },
  BUS_COMMAND_FAILED: { httpStatus: 502, message: 'Device {deviceId} refused {type}: {deviceCode} {deviceMessage}' },
  BUS_COMMAND_UNKNOWN: { httpStatus: 400, message: 'This device does not handle {type}.' },
  DRIVER_FAILED: { httpStatus: 503, message: 'The driver {name} crashed {crashes} times in a row and was stopped.' },
  HID_REPORT_INVALID: { httpStatus: 400, message: 'Not a valid {kind} report: {reason}.' },
  HID_UNAVAILABLE: { httpStatus: 503, message: 'The HID library could not be loaded: {reason}.' },

  // Product recognition and enrolment (edge-services/recognition, core/recognition).
  RECOGNITION_UNAVAILABLE: { httpStatus: 503, message: 'Product recognition is not available: {reason}' },
  RECOGNITION_BUSY: { httpStatus: 503, message: 'Recognition is busy ({pending} frames waiting); the frame was dropped.' },
  RECOGNITION_TIMEOUT: { httpStatus: 504, message: 'Recognition did not answer within {timeoutMs} ms.' },
  RECOGNITION_FRAME_INVALID: { httpStatus: 400, message: 'Not a usable camera frame: {reason}.' },
  ENROLMENT_TOO_FEW_VIEWS: { httpStatus: 422, message: 'Enrolment needs {min} to {max} views showing the product; got {got}.' },
  ENROLMENT_INVALID: { httpStatus: 400, message: 'The enrolment is not valid (field "{field}").' },
  ENROLMENT_FOREIGN_WRITER: { httpStatus: 403, message: 'A gateway may only enrol products for its own site and as itself (field "{field}").' },
  ENROLMENT_IMMUTABLE: { httpStatus: 403, message: 'An enrolment cannot change after it was created (field "{field}"); enrol again instead.' },

  // The gateway's local API for the kiosk and console (edge-services/api, core/gateway-api).
  GATEWAY_API_ORIGIN_FORBIDDEN: { httpStatus: 403, message: 'The kiosk API answers only the kiosk itself (origin {origin}).' },
  GATEWAY_API_SIGN_IN_FAILED: { httpStatus: 401, message: 'Wrong operator PIN.' },
  GATEWAY_API_SIGN_IN_LOCKED: { httpStatus: 429, message: 'Too many wrong PINs; try again in {seconds} seconds.' },
  GATEWAY_API_SESSION_REQUIRED: { httpStatus: 401, message: 'Sign in as an operator first (or the session expired).' },
  GATEWAY_API_UNAVAILABLE: { httpStatus: 503, message: 'The gateway does not answer: {reason}' },
  GATEWAY_API_NOT_FOUND: { httpStatus: 404, message: 'No such gateway API route: {method} {path}.' },

  // The wallet: users, passkeys, sessions, payment methods, approvals (server/wallet, core/wallet-api).
  WALLET_PAGE_NOT_BUILT: { httpStatus: 503, message: 'The wallet page is not built: run npm run build:ui.' },
  WALLET_PHONE_INVALID: { httpStatus: 400, message: 'Not a usable phone number; write it with its country code (+82 ...) or as a Korean number (010-...).' },
  WALLET_PHONE_TAKEN: { httpStatus: 409, message: 'This phone number is already registered; sign in instead.' },
  WALLET_SESSION_REQUIRED: { httpStatus: 401, message: 'Sign in to the wallet first (or the session expired or was signed out).' },
  CSRF_REJECTED: { httpStatus: 403, message: 'The request did not carry this session\'s CSRF token or came from another origin.' },
  WALLET_SIGN_IN_RATE_LIMITED: { httpStatus: 429, message: 'Too many sign-in attempts; try again in {retryAfterSeconds} seconds.' },
  WALLET_PASSKEY_INVALID: { httpStatus: 401, message: 'The passkey could not be verified ({reason}).' },
  WALLET_UNIT_UNKNOWN: { httpStatus: 404, message: 'There is no unit {unit} in building {buildingId}.' },
  WALLET_CARD_INVALID: { httpStatus: 400, message: 'The card details are not valid ({field}).' },
  WALLET_TOKEN_UNKNOWN: { httpStatus: 404, message: 'The acquirer does not know this card token.' },
  WALLET_PAYMENT_METHOD_UNKNOWN: { httpStatus: 404, message: 'No such payment method in this wallet.' },
  PAYMENT_PASSWORD_FORMAT: { httpStatus: 400, message: 'A payment password is exactly 6 digits.' },
  PAYMENT_PASSWORD_NOT_SET: { httpStatus: 409, message: 'No payment password is set for this wallet.' },
  PAYMENT_PASSWORD_INVALID: { httpStatus: 403, message: 'Wrong payment password ({attemptsLeft} attempts left before it locks).' },
  PAYMENT_PASSWORD_LOCKED: { httpStatus: 423, message: 'The payment password is locked after too many wrong tries; try again in {retryAfterSeconds} seconds.' },
  APPROVAL_PROOF_INVALID: { httpStatus: 403, message: 'The approval is not valid for this request ({reason}).' },
  APPROVAL_PROOF_REPLAYED: { httpStatus: 409, message: 'This approval challenge was already used or has expired; ask for a new one.' },
  APPROVAL_PASSKEY_REQUIRED: { httpStatus: 403, message: 'This payment must be approved with a passkey.' },

  INTERNAL: { httpStatus: 500, message: 'Internal error.' },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof errorRegistry;

/** JSON-friendly extra facts about an error; rendered into the message and sent to clients. */
export type ErrorDetails = Readonly<Record<string, unknown>>;

export type EdgePayErrorJSON = { code: ErrorCode; message: string; details?: ErrorDetails };

export function isErrorCode(value: unknown): value is ErrorCode {
  // Object.hasOwn, not `in`: 'toString' must not count as a code.
  return typeof value === 'string' && Object.hasOwn(errorRegistry, value);
}

/** Fills `{name}` placeholders from details; unknown placeholders stay visible so a missing detail is noticed. */
export function renderErrorMessage(code: ErrorCode, details?: ErrorDetails): string {
  const template = errorRegistry[code].message;
  if (!details) return template;
  return template.replace(/\{([A-Za-z0-9_]+)\}/g, (whole, name: string) =>
    Object.hasOwn(details, name) ? String(details[name]) : whole,
  );
}

export class EdgePayError extends Error {
  override readonly name = 'EdgePayError';
  readonly code: ErrorCode;
  readonly httpStatus: number;
  readonly details: ErrorDetails | undefined;

  constructor(code: ErrorCode, details?: ErrorDetails, options?: { cause?: unknown }) {
    super(renderErrorMessage(code, details), options);
    this.code = code;
    this.httpStatus = errorRegistry[code].httpStatus;
    this.details = details;
  }

  /** The wire shape of every error answer: `{code, message, details?}`. */
  toJSON(): EdgePayErrorJSON {
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details };
  }
}

/**
 * True for EdgePay errors, optionally of one code.
 * Besides `instanceof`, it accepts look-alikes because two copies of core can be
 * loaded at once (e.g. a bundled renderer and tsx in tests), and then
 * `instanceof` fails for an error made by the other copy.
 */
export function isEdgePayError<C extends ErrorCode>(error: unknown, code?: C): error is EdgePayError & { code: C } {
  let actual: unknown;
  if (error instanceof EdgePayError) {
    actual = error.code;
  } else if (
    typeof error === 'object' && error !== null &&
    (error as { name?: unknown }).name === 'EdgePayError' &&
    isErrorCode((error as { code?: unknown }).code)
  ) {
    actual = (error as { code: ErrorCode }).code;
  } else {
    return false;
  }
  return code === undefined || actual === code;
}

/**
 * Rebuilds an error from an HTTP/IPC answer body `{code, message, details?}`,
 * so clients branch on the same codes the server threw. An unknown code
 * (a newer server) becomes INTERNAL with the original kept in details.
 */
export function edgePayErrorFromJSON(body: unknown): EdgePayError {
  if (typeof body === 'object' && body !== null) {
    const { code, details } = body as { code?: unknown; details?: unknown };
    const detailsObject = typeof details === 'object' && details !== null ? (details as ErrorDetails) : undefined;
    if (isErrorCode(code)) return new EdgePayError(code, detailsObject);
    if (typeof code === 'string') return new EdgePayError('INTERNAL', { ...detailsObject, originalCode: code });
  }
  return new EdgePayError('INTERNAL');
}
