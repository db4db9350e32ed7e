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

/** `when` says in which situation the code is raised; docs/errors.md is generated from it (npm run errors:doc). */
type ErrorSpec = { readonly httpStatus: number; readonly message: string; readonly when: string };

export const errorRegistry = {
  // Money: amounts are integer minor units of a known ISO 4217 currency.
  MONEY_CURRENCY_MISMATCH: { httpStatus: 400, message: 'Cannot combine amounts in {left} and {right}.', when: 'Adding, subtracting or comparing two amounts of different currencies.' },
  MONEY_OVERFLOW: { httpStatus: 400, message: 'The amount is too large to be represented exactly.', when: 'An amount or a sum goes beyond Number.MAX_SAFE_INTEGER minor units.' },
  MONEY_TOO_LARGE: {
    httpStatus: 400,
    message: 'The amount is above the largest amount taken in {currency} ({max} minor units).',
    when: 'An amount above the written upper bound of its currency (core/currencies.ts: maxAmount), such as 2^53-1 KRW.',
  },
  MONEY_INVALID_AMOUNT: { httpStatus: 400, message: 'An amount must be a whole number of minor units (got {amount}).', when: 'An amount is not an integer (a float, NaN, a string).' },
  MONEY_NEGATIVE: { httpStatus: 400, message: 'The amount must not be negative here.', when: 'A negative amount where only zero or more is allowed (prices, payments).' },
  MONEY_INVALID_QUANTITY: { httpStatus: 400, message: 'A quantity must be a non-negative whole number (got {quantity}).', when: 'Multiplying an amount by a fractional or negative quantity.' },
  MONEY_INVALID_RATIOS: {
    httpStatus: 400,
    message: 'Allocation ratios must be non-negative whole numbers with a positive sum.',
    when: 'Allocating an amount by ratios that are negative, fractional or all zero.',
  },
  MONEY_UNKNOWN_CURRENCY: { httpStatus: 400, message: 'Unknown or unsupported currency "{currency}".', when: 'A currency code that is not in the ISO 4217 table core knows.' },
  // The raw text is deliberately not echoed: someone may type a card number into an amount field.
  MONEY_PARSE: { httpStatus: 400, message: 'Cannot read the text as an amount in {currency}: {reason}.', when: 'Reading typed text as an amount fails (letters, too many decimals).' },
  MONEY_INVALID_LOCALE: { httpStatus: 400, message: 'Cannot format money for locale "{locale}".', when: "Formatting money for a locale the runtime's Intl does not accept." },

  // Ids: client-made UUIDv7s are also idempotency keys.
  ID_INVALID: { httpStatus: 400, message: 'Not a valid UUIDv7: "{id}".', when: 'An id that must be a UUIDv7 (payment ids, idempotency keys) is not one.' },
  ID_RANDOM_UNAVAILABLE: {
    httpStatus: 500,
    message: 'No cryptographic random source (globalThis.crypto.getRandomValues) is available.',
    when: 'Making an id in a runtime without crypto.getRandomValues.',
  },
  ID_CLOCK_INVALID: { httpStatus: 500, message: 'The clock returned an unusable time ({ms}).', when: 'Making an id while the clock returns a time outside what a UUIDv7 holds.' },

  // Documents and requests.
  SCHEMA_VALIDATION: { httpStatus: 400, message: 'The document does not match the {collection} schema.', when: "A document written or pushed does not match its collection's JSON schema." },
  DOCUMENT_TEXT_INVALID: {
    httpStatus: 400,
    message: 'The text at {path} of a {collection} document is not accepted: {reason}.',
    when: 'A document written or pushed holds text the store refuses: a NUL, a lone UTF-16 surrogate, a control character, an over-long string or key, or too deep nesting (core/collections/document-text.ts).',
  },
  SCHEMA_VERSION_OUTDATED: {
    httpStatus: 426,
    message: 'Schema version {version} of {collection} is no longer accepted; update the client.',
    when: 'A gateway replicates with a schema version older than the server accepts.',
  },
  NOT_FOUND: { httpStatus: 404, message: 'Not found.', when: 'An HTTP request to a path the server does not serve.' },

  // HTTP requests (server and gateway APIs): malformed input is always a 4xx.
  REQUEST_INVALID: { httpStatus: 400, message: 'The request is not valid: {reason}', when: 'An HTTP request fails its schema (missing or wrong field, header or query).' },
  REQUEST_BAD_JSON: { httpStatus: 400, message: 'The request body is not valid JSON.', when: 'An HTTP request body is empty or not parseable JSON.' },
  REQUEST_TOO_LARGE: { httpStatus: 413, message: 'The request body is larger than the {limit} bytes allowed.', when: "An HTTP request body is over the route's body limit." },
  REQUEST_INVALID_TEXT: {
    httpStatus: 400,
    message: 'The request holds text that cannot be stored: {reason}.',
    when: 'A request body that is not valid UTF-8, or a string or key with a NUL character or a lone UTF-16 surrogate, or a number out of range (1e400).',
  },
  REQUEST_TOO_DEEP: {
    httpStatus: 400,
    message: 'The request body is nested deeper than {limit} levels.',
    when: 'A JSON request body nested deeper than the server or gateway takes (arrays and objects inside each other).',
  },
  REQUEST_UNSUPPORTED_MEDIA_TYPE: { httpStatus: 415, message: 'Send the request body as application/json.', when: 'An HTTP request body is sent with a content type other than JSON.' },
  UNKNOWN_COLLECTION: { httpStatus: 404, message: 'There is no replicated collection "{collection}".', when: 'Replicating or writing a collection the server or gateway does not have.' },
  COLLECTION_ALREADY_REGISTERED: {
    httpStatus: 500,
    message: 'The collection "{collection}" is declared twice; each collection has one declaration.',
    when: 'Two declarations of one collection name are added to a collection registry (a programming error, found at start).',
  },
  SCHEMA_VERSION_UNKNOWN: {
    httpStatus: 404,
    message: 'Schema version {version} of {collection} does not exist on this server.',
    when: 'A gateway replicates with a schema version newer than the server knows.',
  },

  // Authentication of gateways, devices and users.
  AUTH_REQUIRED: { httpStatus: 401, message: 'Missing, unknown or revoked credential.', when: 'A server request without a valid gateway credential or admin token (missing, wrong, revoked).' },
  AUTH_FORBIDDEN: { httpStatus: 403, message: 'This credential may not do that.', when: 'A valid credential asks for something it is not allowed to do.' },

  // Local and central storage.
  STORAGE_CLOSED: { httpStatus: 503, message: 'The store is closed ({collectionName}: {operation}).', when: "Using a store after it was closed, or the server's database does not answer (/healthz)." },
  STORAGE_REMOVED: { httpStatus: 503, message: 'The collection {collectionName} was removed ({operation}).', when: 'Using a collection after it was removed.' },
  STORAGE_CORRUPT: { httpStatus: 500, message: 'The store file {filePath} is corrupt or not a database: {reason}.', when: 'Opening a SQLite file that is not a database or is damaged.' },
  STORAGE_OPEN_FAILED: { httpStatus: 503, message: 'The store file {filePath} could not be opened: {reason}.', when: 'A SQLite file cannot be opened (permissions, missing directory, locked).' },
  STORAGE_INVALID_NAME: { httpStatus: 400, message: 'Not a usable database name: "{databaseName}".', when: 'Creating a store with a database name that is not a safe file name.' },
  STORAGE_SCHEMA_MISMATCH: {
    httpStatus: 500,
    message: 'The table {tableName} was created with a different schema layout than the one given.',
    when: 'Opening a table whose stored layout differs from the schema given.',
  },
  STORAGE_INDEX_MISSING: { httpStatus: 400, message: 'The query uses an index the schema does not declare: {index}.', when: "A query asks for an index its collection's schema does not declare." },
  STORAGE_WRITE_FAILED: { httpStatus: 500, message: 'The write was rolled back, nothing of it was stored: {reason}.', when: 'A bulk write to the local store fails and is rolled back.' },
  STORAGE_ATTACHMENT_MISSING: {
    httpStatus: 404,
    message: 'Attachment {attachmentId} of document {documentId} with digest {digest} does not exist.',
    when: 'Reading an attachment that is not stored.',
  },
  STORAGE_CONFLICT: { httpStatus: 409, message: 'The document was changed by someone else.', when: 'Writing a document from a revision that is no longer the latest.' },
  SYNC_CONTENDED: {
    httpStatus: 503,
    message: 'The pushed documents kept changing while the push was written ({attempts} attempts); nothing of it was stored, push again.',
    when: 'A push keeps losing to concurrent writes of the same documents on the server.',
  },
  LEDGER_OPEN_FAILED: { httpStatus: 503, message: 'The payment ledger {name} in {directory} could not be opened: {reason}', when: "The gateway's payment ledger cannot be opened at start." },
  LEDGER_MIGRATION_FAILED: {
    httpStatus: 500,
    message: 'The payment ledger {name} in {directory} could not be migrated; its data is untouched: {reason}',
    when: "Migrating the gateway's ledger to the current schema versions fails.",
  },

  // Who writes what (DESIGN.md section 3): refusals of a gateway's push.
  PAYMENT_FIELD_NOT_WRITABLE: {
    httpStatus: 403,
    message: 'A gateway may not write the payment field "{field}".',
    when: 'A gateway pushes a payment field only the server may write (status, approval code, ...).',
  },
  PAYMENT_IMMUTABLE_FIELD: {
    httpStatus: 403,
    message: 'The payment field "{field}" cannot change after the payment was created.',
    when: 'A gateway changes a payment field that is fixed at creation (amount, token, ...).',
  },
  PAYMENT_INITIAL_STATE_INVALID: {
    httpStatus: 403,
    message: 'A new payment must start as "created" or "stored" with one matching history entry (field "{field}").',
    when: 'A gateway creates a payment with another status or history than created or stored.',
  },
  PAYMENT_DELETE_FORBIDDEN: { httpStatus: 403, message: 'Payments are never deleted.', when: 'A gateway pushes the deletion of a payment.' },
  PAYMENT_AMOUNT_MISMATCH: {
    httpStatus: 400,
    message: 'A payment amount must be positive, and lines must add up to it (field "{field}").',
    when: "A payment's amount is not positive or its lines do not add up to it.",
  },
  PAYMENT_FOREIGN_WRITER: {
    httpStatus: 403,
    message: 'A gateway may only write payments of its own site and as itself (field "{field}").',
    when: "A gateway writes a payment of another site or in another gateway's name.",
  },
  COLLECTION_READ_ONLY: { httpStatus: 403, message: 'Gateways may not write the {collection} collection (field "{field}").', when: 'A gateway pushes to a server-owned collection (sites, products).' },

  // The payment state machine (core/payments).
  PAYMENT_ILLEGAL_TRANSITION: {
    httpStatus: 409,
    message: 'A payment in status "{from}" cannot take "{event}".',
    when: 'A payment event its current status does not allow (voiding a captured payment, ...).',
  },
  PAYMENT_REFUND_INVALID: {
    httpStatus: 400,
    message: 'A refund must be more than nothing and at most what is left ({left}); got {amount}.',
    when: 'A refund of nothing, or of more than is left to refund.',
  },
  PAYMENT_NOT_FOUND: { httpStatus: 404, message: 'There is no payment {paymentId}.', when: "Refunding, voiding or reading a payment that does not exist (or is another site's)." },
  PAYMENT_NOT_COMPLETED: {
    httpStatus: 409,
    message: 'The payment was not completed ({status}).',
    when: 'The server answers an online kiosk payment with a status other than authorised, captured or declined.',
  },

  // Payment methods (server/payments/methods): the server decides only methods it has a declaration for.
  PAYMENT_METHOD_UNSUPPORTED: {
    httpStatus: 400,
    message: 'The server takes no payments of method "{method}".',
    when: 'A payment names a method the server has no declaration for (an offline one is declined with method-unsupported instead).',
  },
  // A decide-now call arrived before the replication push that carries the payment; nothing was decided, call again.
  PAYMENT_NOT_RECEIVED: {
    httpStatus: 503,
    message: 'Payment {paymentId} has not arrived by replication yet; nothing was decided, try again.',
    when: 'POST /payments/{id}/authorise names a payment whose replication push has not arrived within 10 s.',
  },
  // The server's double-entry money ledger (server/ledger/). Not the gateway's
  // payment ledger of LEDGER_OPEN_FAILED above: these are about accounts and transfers.
  LEDGER_TRANSFER_INVALID: {
    httpStatus: 400,
    message: 'The ledger transfer is not valid (field "{field}").',
    when: 'A transfer given to the server ledger is malformed: a missing or wrong-typed field, an amount not a positive integer, equal debit and credit accounts.',
  },
  LEDGER_ACCOUNT_INVALID: {
    httpStatus: 400,
    message: 'The ledger account is not valid (field "{field}").',
    when: 'An account opened in the server ledger is malformed (kind, currency, balance rule or limit).',
  },
  LEDGER_ACCOUNT_NOT_FOUND: { httpStatus: 404, message: 'There is no ledger account {accountId}.', when: 'A transfer or balance query names a ledger account that was never opened.' },
  LEDGER_ACCOUNT_EXISTS_DIFFERENT: {
    httpStatus: 409,
    message: 'The ledger account {accountId} already exists with other settings.',
    when: 'Opening a ledger account again with the same id but another kind, currency or rule.',
  },
  LEDGER_CURRENCY_MISMATCH: {
    httpStatus: 400,
    message: "The transfer's currency is not the currency of the ledger account {accountId}.",
    when: "A transfer's currency differs from the currency of its debit or credit account.",
  },
  LEDGER_BALANCE_RULE: {
    httpStatus: 409,
    message: 'The transfer would break the balance rule of the ledger account {accountId}.',
    when: 'A transfer would take an account past its balance rule (below zero, or over its limit); the database refuses it.',
  },
  LEDGER_TRANSFER_EXISTS_DIFFERENT: {
    httpStatus: 409,
    message: 'The transfer id {transferId} was already used for a different transfer.',
    when: 'A transfer id is sent again with another body (accounts, amount, currency, flags or reference).',
  },
  LEDGER_PENDING_NOT_FOUND: { httpStatus: 404, message: 'There is no pending transfer {pendingId}.', when: 'Posting or voiding a pending transfer id that does not exist or is not pending.' },
  LEDGER_PENDING_ALREADY_RESOLVED: {
    httpStatus: 409,
    message: 'The pending transfer {pendingId} was already posted or voided.',
    when: 'Posting or voiding a pending transfer that was already posted or voided.',
  },
  LEDGER_PENDING_EXPIRED: {
    httpStatus: 409,
    message: 'The pending transfer {pendingId} timed out and can no longer be posted.',
    when: 'Posting a pending transfer after its timeout (the sweeper voids it).',
  },
  LEDGER_PENDING_MISMATCH: {
    httpStatus: 400,
    message: 'The accounts, currency or amount given do not match the pending transfer {pendingId}.',
    when: "A post or void names accounts, a currency or an amount other than its pending transfer's.",
  },
  LEDGER_EXCEEDS_PENDING_AMOUNT: { httpStatus: 400, message: 'Cannot post more than the pending transfer {pendingId} reserved.', when: 'Posting more than the pending transfer reserved.' },
  LEDGER_LINKED_EVENT_FAILED: {
    httpStatus: 409,
    message: 'Not done: the linked transfer {failedId} failed, so its whole chain failed.',
    when: 'Another transfer of the same linked chain failed, so this one was not made either.',
  },
  LEDGER_LINKED_CHAIN_OPEN: {
    httpStatus: 400,
    message: 'The last transfer of the batch is flagged linked, so its chain never ends.',
    when: 'The last transfer of a batch carries the linked flag, so its chain has no end.',
  },
  LEDGER_INVARIANT_VIOLATED: {
    httpStatus: 500,
    message: 'The ledger check failed: {violations}',
    when: "The ledger's invariant check (npm run ledger:check, or a test) found an imbalance, a total that differs from its transfers, or an overdue pending transfer.",
  },

  // The kiosk checkout (core/checkout, edge-services/checkout).
  CHECKOUT_PRODUCT_UNKNOWN: { httpStatus: 404, message: 'No product with barcode {barcode} in this store.', when: "The kiosk scans a barcode that is not in the site's catalogue." },
  CHECKOUT_PRODUCT_UNAVAILABLE: { httpStatus: 409, message: 'Product {productId} is not on sale.', when: 'The kiosk adds a product that is in the catalogue but not on sale.' },
  CHECKOUT_LINE_NOT_FOUND: { httpStatus: 404, message: 'Product {productId} is not in the basket.', when: 'Changing or removing a basket line that is not in the basket.' },
  CHECKOUT_EMPTY: { httpStatus: 400, message: 'The basket is empty.', when: 'Paying with an empty basket.' },
  CHECKOUT_BUSY: { httpStatus: 409, message: 'A payment is already in progress at this kiosk.', when: 'Paying while a payment of the same kiosk is still in progress.' },
  CHECKOUT_NO_SITE: {
    httpStatus: 503,
    message: 'The site settings have not arrived from the server yet; offline payments are refused.',
    when: 'Paying offline before the site settings (and so its offline limits) have arrived.',
  },
  CHECKOUT_CARD_CANCELLED: { httpStatus: 409, message: 'No card payment: cancelled.', when: 'The customer cancels the card payment at the terminal.' },
  CHECKOUT_CARD_TIMEOUT: { httpStatus: 504, message: 'No card payment: timeout.', when: "The card terminal gives up waiting for the customer's card." },
  CHECKOUT_SERVER_UNREACHABLE: {
    httpStatus: 503,
    message: 'The server did not answer; the card was not charged. Try again.',
    when: 'An online kiosk payment cannot reach the server; the card is not charged.',
  },
  TERMINAL_UNAVAILABLE: { httpStatus: 503, message: 'The card terminal does not answer: {reason}', when: 'The card terminal does not answer or answers something unexpected.' },

  // Card data (DESIGN.md section 4). The value is never echoed.
  CARD_DATA_REFUSED: {
    httpStatus: 400,
    message: 'A card number was found at {path}; card numbers are never stored. Send the terminal token instead.',
    when: 'A request or document holds something that looks like a card number.',
  },

  // Offline store-and-forward limits set by the site.
  OFFLINE_LIMIT_EXCEEDED: {
    httpStatus: 422,
    message: 'This payment is beyond the offline limits of the site ({limit}).',
    when: "An offline payment would go beyond the site's offline limits (per payment, total, age).",
  },

  // Idempotency (DESIGN.md section 4).
  IDEMPOTENCY_KEY_REUSED: {
    httpStatus: 409,
    message: 'This idempotency key was already used with a different request.',
    when: 'An Idempotency-Key (or payment id) is used again with a different request.',
  },
  IDEMPOTENCY_IN_PROGRESS: {
    httpStatus: 409,
    message: 'A request with this idempotency key is still being processed.',
    when: 'A duplicate request arrives while the first one with its key still runs.',
  },

  // The device bus, drivers and devices (edge-services/bus, drivers, devices, simulators).
  BUS_ZAP_HANDLER_MISSING: {
    httpStatus: 500,
    message: 'Refusing to open the {socket} socket on {endpoint}: no ZAP handler is running on its ZeroMQ context (fail closed).',
    when: 'Opening a CURVE socket of the device bus without its ZAP authenticator.',
  },
  BUS_CLOSED: { httpStatus: 503, message: 'The device bus is closed.', when: 'Using the device bus after it was closed.' },
  BUS_DEVICE_KEY_INVALID: { httpStatus: 400, message: 'Not a CURVE public key (40 Z85 characters) for device {deviceId}.', when: 'Enrolling a device (or loading a key) that is not a CURVE key.' },
  BUS_DEVICE_UNKNOWN: { httpStatus: 404, message: 'No enrolled device {deviceId}.', when: 'Sending a command to a device that is not enrolled.' },
  BUS_DEVICE_NOT_CONNECTED: { httpStatus: 503, message: 'Device {deviceId} is not connected to the bus.', when: 'Sending a command to an enrolled device that is not connected.' },
  BUS_MESSAGE_INVALID: { httpStatus: 400, message: 'The bus message {type} is not valid: {detail}', when: "A bus message that does not match its type's shape." },
  BUS_COMMAND_TIMEOUT: {
    httpStatus: 504,
    message: 'Device {deviceId} did not answer {type} within {timeoutMs} ms (attempts: {attempts}).',
    when: 'A device does not answer a command within its timeout, retries included.',
  },
  BUS_COMMAND_FAILED: { httpStatus: 502, message: 'Device {deviceId} refused {type}: {deviceCode} {deviceMessage}', when: 'A device answers a command with an error of its own.' },
  BUS_COMMAND_UNKNOWN: { httpStatus: 400, message: 'This device does not handle {type}.', when: 'A device receives a command type it has no handler for.' },
  DRIVER_FAILED: { httpStatus: 503, message: 'The driver {name} crashed {crashes} times in a row and was stopped.', when: 'A device driver keeps crashing and its supervisor stops restarting it.' },
  HID_REPORT_INVALID: { httpStatus: 400, message: 'Not a valid {kind} report: {reason}.', when: 'A USB HID report (keyboard-wedge or HID-POS scanner) of the wrong shape.' },
  HID_UNAVAILABLE: { httpStatus: 503, message: 'The HID library could not be loaded: {reason}.', when: 'The native HID library cannot be loaded on this machine.' },

  // Product recognition and enrolment (edge-services/recognition, core/recognition).
  RECOGNITION_UNAVAILABLE: { httpStatus: 503, message: 'Product recognition is not available: {reason}', when: 'Product recognition is off, its model is missing or its worker died.' },
  RECOGNITION_BUSY: {
    httpStatus: 503,
    message: 'Recognition is busy ({pending} frames waiting); the frame was dropped.',
    when: 'Camera frames arrive faster than recognition keeps up; the frame is dropped.',
  },
  RECOGNITION_TIMEOUT: { httpStatus: 504, message: 'Recognition did not answer within {timeoutMs} ms.', when: 'Recognition does not answer one frame in time.' },
  RECOGNITION_FRAME_INVALID: { httpStatus: 400, message: 'Not a usable camera frame: {reason}.', when: 'A camera frame that is not a decodable JPEG or PNG of a usable size.' },
  ENROLMENT_TOO_FEW_VIEWS: { httpStatus: 422, message: 'Enrolment needs {min} to {max} views showing the product; got {got}.', when: 'Enrolling a product with too few (or too many) usable views.' },
  ENROLMENT_INVALID: { httpStatus: 400, message: 'The enrolment is not valid (field "{field}").', when: 'An enrolment document that is malformed.' },
  ENROLMENT_FOREIGN_WRITER: {
    httpStatus: 403,
    message: 'A gateway may only enrol products for its own site and as itself (field "{field}").',
    when: "A gateway pushes an enrolment of another site or in another gateway's name.",
  },
  ENROLMENT_IMMUTABLE: {
    httpStatus: 403,
    message: 'An enrolment cannot change after it was created (field "{field}"); enrol again instead.',
    when: 'A gateway changes an enrolment after it was created.',
  },

  // The gateway's local API for the kiosk and console (edge-services/api, core/gateway-api).
  GATEWAY_API_ORIGIN_FORBIDDEN: {
    httpStatus: 403,
    message: 'The kiosk API answers only the kiosk itself (origin {origin}).',
    when: "A request to the gateway API from another origin or host than the kiosk's.",
  },
  GATEWAY_API_SIGN_IN_FAILED: { httpStatus: 401, message: 'Wrong operator PIN.', when: 'An operator signs in with a wrong PIN.' },
  GATEWAY_API_SIGN_IN_LOCKED: {
    httpStatus: 429,
    message: 'Too many wrong PINs; try again in {seconds} seconds.',
    when: 'Signing in from a client (address and origin, or known device) that sent too many wrong PINs, before its growing delay ends; other clients are not held up. The PIN is not compared while it waits.',
  },
  GATEWAY_API_SESSION_REQUIRED: { httpStatus: 401, message: 'Sign in as an operator first (or the session expired).', when: 'A console request without a valid operator session.' },
  GATEWAY_API_UNAVAILABLE: { httpStatus: 503, message: 'The gateway does not answer: {reason}', when: 'The UI cannot reach the gateway (process stopped, no answer, no network control).' },
  GATEWAY_API_NOT_FOUND: { httpStatus: 404, message: 'No such gateway API route: {method} {path}.', when: 'A request to a gateway API path that does not exist.' },

  // Requests to pay (core/payment-requests, server/payment-requests).
  PAYMENT_REQUEST_NOT_FOUND: {
    httpStatus: 404,
    message: 'There is no request to pay {requestId} for you.',
    when: 'Reading, answering or cancelling a request to pay that does not exist, or that the caller is not a recipient or requester of (the same answer, so nobody learns whom a request went to).',
  },
  PAYMENT_REQUEST_ALREADY_ANSWERED: {
    httpStatus: 409,
    message: 'This request to pay was already answered ({state}); nothing was changed.',
    when: 'A second answer to a request to pay: the first answer won, across server processes.',
  },
  PAYMENT_REQUEST_EXPIRED: { httpStatus: 409, message: 'This request to pay expired before it was answered; nothing was changed.', when: 'Answering a request to pay after its deadline.' },
  PAYMENT_REQUEST_CANCELLED: { httpStatus: 409, message: 'The requester cancelled this request to pay; nothing was changed.', when: 'Answering a request to pay that its requester cancelled.' },
  PAYMENT_REQUEST_ILLEGAL_TRANSITION: {
    httpStatus: 409,
    message: 'A request to pay in state "{state}" cannot take "{event}".',
    when: 'A request to pay event its state does not allow (cancelling an approved request, ...).',
  },
  PAYMENT_REQUEST_NO_RECIPIENT: { httpStatus: 422, message: 'Nobody is registered to receive this request to pay.', when: 'Creating a request to pay for a user or unit with nobody registered.' },
  PAYMENT_REQUEST_PAYEE_FORBIDDEN: {
    httpStatus: 403,
    message: 'A merchant may only ask to be paid itself (payee {payeeId}).',
    when: 'A merchant creates a request to pay with another merchant as the payee.',
  },

  // The wallet: users, passkeys, sessions, payment methods, approvals (server/wallet, core/wallet-api).
  WALLET_PAGE_NOT_BUILT: { httpStatus: 503, message: 'The wallet page is not built: run npm run build:ui.', when: '/wallet is asked for before the UI bundles were built (npm run build:ui).' },
  WALLET_PHONE_INVALID: {
    httpStatus: 400,
    message: 'Not a usable phone number; write it with its country code (+82 ...) or as a Korean number (010-...).',
    when: 'Registering or signing in with a phone number that cannot be normalised.',
  },
  WALLET_PHONE_TAKEN: { httpStatus: 409, message: 'This phone number is already registered; sign in instead.', when: 'Registering a phone number that already has a wallet.' },
  WALLET_SESSION_REQUIRED: {
    httpStatus: 401,
    message: 'Sign in to the wallet first (or the session expired or was signed out).',
    when: 'A wallet route without a valid session cookie (none, expired, signed out or revoked).',
  },
  CSRF_REJECTED: {
    httpStatus: 403,
    message: "The request did not carry this session's CSRF token or came from another origin.",
    when: "A state-changing wallet request without the session's x-csrf-token header, or from another Origin.",
  },
  WALLET_SIGN_IN_RATE_LIMITED: {
    httpStatus: 429,
    message: 'Too many sign-in attempts; try again in {retryAfterSeconds} seconds.',
    when: 'Too many sign-in or registration attempts from one address or for one phone, counted in the database across server processes.',
  },
  WALLET_PASSKEY_INVALID: {
    httpStatus: 401,
    message: 'The passkey could not be verified ({reason}).',
    when: 'A passkey registration or sign-in response that does not verify (wrong challenge, origin, signature, or no user verification).',
  },
  WALLET_UNIT_UNKNOWN: { httpStatus: 404, message: 'There is no unit {unit} in building {buildingId}.', when: 'Joining a unit or asking a unit for approval when the building has no such unit.' },
  WALLET_CARD_INVALID: {
    httpStatus: 400,
    message: 'The card details are not valid ({field}).',
    when: 'Tokenising card details that fail their checks (Luhn, expiry, CVC format); the details are never echoed.',
  },
  WALLET_TOKEN_UNKNOWN: { httpStatus: 404, message: 'The acquirer does not know this card token.', when: 'Adding a payment method with a token the sandbox acquirer did not issue.' },
  WALLET_PAYMENT_METHOD_UNKNOWN: { httpStatus: 404, message: 'No such payment method in this wallet.', when: 'Choosing or removing a payment method that is not in this wallet.' },
  PAYMENT_PASSWORD_FORMAT: { httpStatus: 400, message: 'A payment password is exactly 6 digits.', when: 'Setting or using a payment password that is not exactly 6 digits.' },
  PAYMENT_PASSWORD_NOT_SET: { httpStatus: 409, message: 'No payment password is set for this wallet.', when: 'Approving with a payment password before one was set.' },
  PAYMENT_PASSWORD_INVALID: { httpStatus: 403, message: 'Wrong payment password ({attemptsLeft} attempts left before it locks).', when: 'A wrong payment password (counted; 5 in a row lock it).' },
  PAYMENT_PASSWORD_LOCKED: {
    httpStatus: 423,
    message: 'The payment password is locked after too many wrong tries; try again in {retryAfterSeconds} seconds.',
    when: 'Using the payment password while it is locked after 5 wrong tries.',
  },
  APPROVAL_PROOF_INVALID: {
    httpStatus: 403,
    message: 'The approval is not valid for this request ({reason}).',
    when: "An approval whose passkey assertion or password does not match this user and this request's id, amount, currency and payee.",
  },
  APPROVAL_PROOF_REPLAYED: {
    httpStatus: 409,
    message: 'This approval challenge was already used or has expired; ask for a new one.',
    when: 'An approval over a challenge that was already used or has expired.',
  },
  APPROVAL_PASSKEY_REQUIRED: { httpStatus: 403, message: 'This payment must be approved with a passkey.', when: 'Approving with the payment password where the site requires a passkey.' },

  INTERNAL: { httpStatus: 500, message: 'Internal error.', when: 'Anything unexpected; the details stay in the log.' },
  // The five flows: each adds its codes under its own line below (prefix: the flow).
  // flow errors: elevator
  ELEVATOR_NOT_CONFIGURED: {
    httpStatus: 409,
    message: 'This site has no lobby delivery set up.',
    when: 'A gateway asks for an elevator delivery at a site without an elevator configuration (PUT /admin/elevator/sites/{siteId}).',
  },
  ELEVATOR_COURIER_UNKNOWN: { httpStatus: 403, message: 'This courier code is not known.', when: 'A delivery names a courier code that no delivery company was given.' },
  ELEVATOR_TOO_MANY_TRIES: {
    httpStatus: 429,
    message: 'Too many units tried from this terminal; wait {retryAfterSeconds} seconds.',
    when: 'A lobby terminal asked for units that reached nobody too often in the last ten minutes (guessing who lives where).',
  },
  ELEVATOR_DELIVERY_NOT_FOUND: {
    httpStatus: 404,
    message: 'There is no delivery {deliveryId} for this site.',
    when: 'Reading or acting on a delivery that does not exist or belongs to another site.',
  },
  ELEVATOR_DELIVERY_STATE: {
    httpStatus: 409,
    message: 'The delivery is {state}; this step does not apply.',
    when: 'Capturing, refunding or finishing a delivery whose state does not allow it (e.g. a capture before the card was charged).',
  },
  ELEVATOR_UNAVAILABLE: { httpStatus: 503, message: 'This gateway runs no lobby terminal.', when: 'A lobby method is called on a gateway started without the elevator flow.' },
  ELEVATOR_LOBBY_BUSY: { httpStatus: 409, message: 'A delivery is in progress at this lobby terminal.', when: 'A courier starts a delivery while the previous one is still running.' },
  ELEVATOR_ENTRY_INVALID: {
    httpStatus: 400,
    message: 'Check the courier code, the unit and the amount.',
    when: 'The lobby terminal gets an empty courier code, a unit that is not a unit number, or an amount that is not a positive whole amount.',
  },
  ELEVATOR_NOT_AT_FLOOR: {
    httpStatus: 409,
    message: 'The goods are not at your floor now ({stage}).',
    when: 'The orderer confirms "goods taken out" while the car is not standing at their floor (before it arrived, or after the delivery ended).',
  },
  ELEVATOR_PROGRESS_STATE: {
    httpStatus: 409,
    message: 'The delivery is {state}; progress {stage} does not apply.',
    when: 'A gateway reports a progress stage for a delivery not in a state that has it (charging needs card-ready, the car stages need charged), or after the orderer confirmed the unload.',
  },
  ISSUER_TERMINAL_UNKNOWN: {
    httpStatus: 401,
    message: 'This terminal is not enrolled with the issuer.',
    when: 'An authorisation from a terminal id whose key the issuer does not hold (PUT /admin/issuer/terminals/{terminalId}).',
  },
  ISSUER_AUTHORISATION_INVALID: {
    httpStatus: 400,
    message: 'The authorisation could not be opened.',
    when: "A sealed authorisation that does not decrypt under the terminal's key (forged, damaged or for another issuer).",
  },
  ISSUER_AUTHORISATION_REUSED: {
    httpStatus: 409,
    message: 'This authorisation id was already used for another request.',
    when: 'A card network retry whose content differs from the first request with the same authorisation id.',
  },

  // flow errors: cart
  CART_SESSION_NOT_FOUND: { httpStatus: 404, message: 'No such cart session.', when: 'A phone or a gateway names a cart session the server does not hold (or that belongs to another site).' },
  CART_SESSION_NOT_RECEIVED: {
    httpStatus: 503,
    message: 'The cart session has not reached the server yet; try again.',
    when: 'A checkout names a cart session whose push did not arrive within the wait (10 s).',
  },
  CART_PAIRING_CODE_INVALID: {
    httpStatus: 403,
    message: 'This pairing code is not the one the cart shows.',
    when: "A phone pairs with a cart session using a code whose hash does not match the session's.",
  },
  CART_ALREADY_PAIRED: { httpStatus: 409, message: 'This cart is already paired with another phone.', when: 'A second user pairs with a cart session that a phone already paired with.' },
  CART_NOT_PAIRED: { httpStatus: 409, message: 'No phone is paired with this cart.', when: 'Checkout of a cart session that no phone paired with.' },
  CART_NOT_AT_CHECKOUT: {
    httpStatus: 409,
    message: 'The cart is not at checkout.',
    when: 'A checkout call for a session whose pushed state is not checkout, or names another checkout than the pushed one.',
  },
  CART_TOTAL_MISMATCH: { httpStatus: 409, message: "The total does not match the cart's basket.", when: "A checkout call whose total or currency differs from the pushed basket's." },
  CART_NO_PAYMENT_METHOD: { httpStatus: 422, message: 'The paired wallet has no payment method.', when: 'Checkout for a shopper whose wallet holds no card token.' },
  CART_UNKNOWN: { httpStatus: 404, message: 'No such cart at this store.', when: 'The gateway is asked about a cart device it has no session for.' },
  CART_NOT_READY: {
    httpStatus: 409,
    message: 'The cart needs a scan or staff before checkout ({reason}).',
    when: 'Checkout while the cart waits for a scan, a staff call is open, or the basket is empty.',
  },
  CART_SERVER_UNREACHABLE: {
    httpStatus: 503,
    message: 'The payment server cannot be reached; pay at a kiosk.',
    when: 'Checkout of a cart while the gateway cannot reach the server (the cart tells the shopper to pay at a kiosk).',
  },
  CART_STAFF_CALL_UNKNOWN: { httpStatus: 404, message: 'No such open staff call at this cart.', when: 'Staff resolve a call that is not open.' },

  // flow errors: two-channel
  TWO_CHANNEL_CODE_UNKNOWN: {
    httpStatus: 404,
    message: 'No paired dongle broadcasts this code now.',
    when: 'A payment device starts a two-channel payment for a code the server cannot resolve to a paired dongle in the current time window (or the one just before or after).',
  },
  TWO_CHANNEL_CODE_OUTSIDE_WINDOW: {
    httpStatus: 409,
    message: 'This code belongs to another time window; nothing was started.',
    when: 'A code resolved to a dongle, but for a window that ended or has not begun (a recording replayed, or a relayed broadcast): refused and flagged to the operator.',
  },
  TWO_CHANNEL_CODE_ELSEWHERE: {
    httpStatus: 409,
    message: 'This dongle was heard at another site moments ago; nothing was started.',
    when: 'The same dongle heard at two sites within a minute (a relay): refused and flagged to the operator.',
  },
  TWO_CHANNEL_NO_DONGLE: { httpStatus: 409, message: 'No dongle is close enough to this device.', when: 'A payment is started at a device that hears no fresh dongle above its signal threshold.' },
  TWO_CHANNEL_NEEDS_SERVER: {
    httpStatus: 503,
    message: 'Paying with a dongle needs the server, which cannot be reached; nothing was charged.',
    when: 'A payment device starts a two-channel payment while its gateway is offline: it says so at once.',
  },
  TWO_CHANNEL_PRESENCE_MISMATCH: {
    httpStatus: 403,
    message: 'The number does not match the one on the device ({attemptsLeft} attempts left).',
    when: 'The phone confirms a two-channel payment with another number than the device shows (counted as a failed code).',
  },
  TWO_CHANNEL_SESSION_NOT_FOUND: {
    httpStatus: 404,
    message: 'There is no such dongle payment for you.',
    when: "Reading or confirming a two-channel session that does not exist or is not the caller's.",
  },
  TWO_CHANNEL_DONGLE_UNKNOWN: {
    httpStatus: 404,
    message: 'No dongle with this serial is waiting to be paired.',
    when: 'Pairing a serial the server does not know or that is already paired (one answer for both).',
  },
  TWO_CHANNEL_DONGLE_EXISTS: { httpStatus: 409, message: 'A dongle with this serial is already registered.', when: 'Provisioning a dongle serial twice.' },
  TWO_CHANNEL_DONGLE_UNPAIRED: {
    httpStatus: 409,
    message: 'This dongle was unpaired; nothing was charged.',
    when: 'Confirming (or charging) a two-channel payment whose dongle its owner unpaired meanwhile: the session is cancelled, its secrets destroyed.',
  },
  TWO_CHANNEL_NO_CARD: { httpStatus: 409, message: 'Add a card to the wallet before paying with the dongle.', when: 'Confirming a two-channel payment for a user without a default card.' },
  // One-time codes (server/otp), the shared context this flow uses first.
  OTP_INVALID: {
    httpStatus: 403,
    message: 'Wrong code ({attemptsLeft} attempts left before it locks).',
    when: 'A one-time code that matches no step in the window (counted; at most 10 in a row lock the credential).',
  },
  OTP_REPLAYED: {
    httpStatus: 409,
    message: 'This code was already used; wait for the next one.',
    when: 'A one-time code of a step at or before the last accepted one (each code is taken once, across server processes).',
  },
  OTP_THROTTLED: {
    httpStatus: 429,
    message: 'Too many wrong codes; try again in {retryAfterSeconds} seconds.',
    when: 'A code sent before the growing wait after repeated wrong codes ends (not compared).',
  },
  OTP_LOCKED: { httpStatus: 423, message: 'Locked after too many wrong codes; try again in {retryAfterSeconds} seconds.', when: 'A code sent while the credential is locked out.' },
  OTP_RESYNC_NEEDED: {
    httpStatus: 409,
    message: "The device's clock has drifted; enter the next code it shows.",
    when: 'A code that matches a step outside the window but within the resynchronisation range: the next code confirms the drift (RFC 4226 section 7.4).',
  },
  OTP_REVOKED: { httpStatus: 409, message: "This device's one-time codes were revoked.", when: 'A code checked against a credential revoked for good (its secret destroyed: a dongle unpaired).' },
  OTP_KEYS_MISSING: {
    httpStatus: 503,
    message: 'The server has no key to protect one-time code secrets (EDGEPAY_OTP_KEYS).',
    when: 'A route that stores or reads OTP secrets on a server started without EDGEPAY_OTP_KEYS.',
  },
  OTP_KEY_UNKNOWN: {
    httpStatus: 500,
    message: 'A secret is sealed with a key this server does not have.',
    when: 'A stored secret names a key id missing from EDGEPAY_OTP_KEYS (a key removed before rotation finished).',
  },

  // flow errors: relay
  RELAY_TERMINAL_UNKNOWN: {
    httpStatus: 404,
    message: 'There is no relay terminal with this id for you.',
    when: 'A scan or a tap naming a relay terminal that is not registered, or (for a gateway) not one of its own.',
  },
  RELAY_APP_UNKNOWN: { httpStatus: 404, message: 'No app of the registry takes this code.', when: 'A code whose app id, or whose format and issuer, no registered app matches.' },
  RELAY_CODE_INVALID: {
    httpStatus: 422,
    message: 'The code is not valid ({reason}).',
    when: 'A code that fails its checks before anything is relayed: unknown format, bad check digit, a QR without CPV01 or its cryptogram, a QR carrying an account number; the code is never echoed.',
  },
  RELAY_CODE_REUSED: {
    httpStatus: 409,
    message: 'This code was already relayed; it is never relayed twice.',
    when: 'A one-time payment code that the server has relayed before (from any terminal, scanned or tapped).',
  },
  RELAY_OPERATION_INVALID: {
    httpStatus: 422,
    message: 'The app does not take this operation ({operation}).',
    when: 'Paying with a membership app, accruing with a payment app, or redeeming without a positive number of points.',
  },
  RELAY_ID_REUSED: { httpStatus: 409, message: 'This relay id was already used for another code.', when: 'A terminal sends a scan with the id of an earlier scan but a different body.' },
  RELAY_NOT_FOUND: { httpStatus: 404, message: 'There is no such relay or command for you.', when: "Reading a relay, or answering a command, that does not exist or is not the caller's." },
  RELAY_GRANT_INVALID: { httpStatus: 403, message: 'This submission was not ordered by the relay.', when: 'A submission to a sandbox destination without the grant of an open relay for that code.' },
  RELAY_DEVICE_UNKNOWN: {
    httpStatus: 401,
    message: 'Unknown or revoked relay device credential.',
    when: 'A POS agent (or terminal) opening its command stream or answering a command without a valid credential.',
  },
  DATABASE_BUSY: {
    httpStatus: 503,
    message: 'The database takes no more connections just now; try again ({reason}).',
    when: 'PostgreSQL kept refusing a new connection (too many clients, starting up) for longer than the server waits (EDGEPAY_PG_CONNECT_RETRY_MS); nothing was done, so the same request may be sent again.',
  },

  // flow errors: credit
  CREDIT_LOAN_NOT_FOUND: { httpStatus: 404, message: 'There is no such pay-later loan.', when: 'A merchant or a buyer names a loan that does not exist or is not theirs.' },
  CREDIT_LOAN_STATE: {
    httpStatus: 409,
    message: 'The loan is {state}; {action} is not possible now.',
    when: 'A merchant or buyer action on a loan in a state that does not allow it (capture after a void, cancel after shipment, delivery before shipment, ...).',
  },
  CREDIT_MESSAGE_INVALID: {
    httpStatus: 401,
    message: 'The signed message was refused: {reason}.',
    when: "A merchant's or the institution's JWS does not verify (altered, forged, wrong key), is of another kind or step, names another merchant or loan, or is too old.",
  },
  CREDIT_MERCHANT_KEY_MISSING: {
    httpStatus: 409,
    message: 'The merchant has no signing key registered.',
    when: 'A merchant sends a signed message before registering its public key (PUT /v1/credit/merchant-key).',
  },
  CREDIT_MERCHANT_KEY_INVALID: {
    httpStatus: 400,
    message: 'The key is not an EC P-256 public key: {reason}.',
    when: 'A merchant registers a key that is not a P-256 public JWK, or one holding a private part.',
  },
  CREDIT_PLAN_UNSUPPORTED: {
    httpStatus: 422,
    message: 'There is no interest-free plan of {instalments} instalments.',
    when: 'An order asks for a number of instalments the institution does not offer (1, 3, 4 or 6).',
  },
  CREDIT_REFUND_TOO_LARGE: {
    httpStatus: 409,
    message: 'The refund is more than what is left to refund on the loan.',
    when: "A merchant refunds more than the loan's amount less what was already refunded.",
  },
  CREDIT_LINE_EXISTS_DIFFERENT: {
    httpStatus: 409,
    message: 'The buyer already has a credit line in {currency} with another limit.',
    when: "An operator sets a buyer's credit line again with another limit (the ledger account's limit is fixed).",
  },
  CREDIT_BUYER_UNKNOWN: { httpStatus: 422, message: 'No wallet has that phone number.', when: "A kiosk's pay-later order names a buyer by a phone number no wallet user has." },
  CREDIT_KIOSK_UNAVAILABLE: {
    httpStatus: 503,
    message: 'Pay later is not set up at this kiosk.',
    when: 'The kiosk asks for pay later on a gateway started without a pay-later merchant (credential and key).',
  },
  CREDIT_SERVER_UNREACHABLE: {
    httpStatus: 503,
    message: 'Pay later needs the server, which did not answer. Try again or pay by card.',
    when: 'The kiosk asks for pay later while its gateway cannot reach the server (pay later is online only).',
  },
  CREDIT_INSTALMENT_NOT_DUE: { httpStatus: 409, message: 'That instalment is not open for payment.', when: 'A buyer pays an instalment that is paid, cancelled, or of a loan not yet delivered.' },

  // hardening and shop-ready
  RECEIPT_NOT_FOUND: {
    httpStatus: 404,
    message: 'No receipt at this address.',
    when: 'Opening an e-receipt (GET /receipts/{id}) of a payment that does not exist or was not taken (declined, expired, still being decided).',
  },
  PRINTER_UNAVAILABLE: { httpStatus: 503, message: 'The receipt printer cannot print now ({reason}).', when: 'Printing a receipt while the printer is absent, out of paper, or refused the job.' },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof errorRegistry;

/** Every code, in the registry's order. */
export const errorCodes = Object.keys(errorRegistry) as ErrorCode[];

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
  return template.replace(/\{([A-Za-z0-9_]+)\}/g, (whole, name: string) => (Object.hasOwn(details, name) ? String(details[name]) : whole));
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
    return this.details === undefined ? { code: this.code, message: this.message } : { code: this.code, message: this.message, details: this.details };
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
  } else if (typeof error === 'object' && error !== null && (error as { name?: unknown }).name === 'EdgePayError' && isErrorCode((error as { code?: unknown }).code)) {
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

/**
 * The JSON schema of every error answer `{code, message, details?}`, for the
 * servers' route schemas (Fastify response schemas and the OpenAPI page).
 * `code` is one of the registry's codes; `details` is free-form.
 */
export const errorResponseSchema = {
  type: 'object',
  required: ['code', 'message'],
  properties: {
    code: { type: 'string', enum: errorCodes },
    message: { type: 'string' },
    details: { type: 'object', additionalProperties: true },
  },
} as const;

/** Route schema `response` entries: the error schema under each given HTTP status. */
export function errorResponses<S extends number>(...statuses: S[]): Record<S, typeof errorResponseSchema> {
  return Object.fromEntries(statuses.map((s) => [s, errorResponseSchema])) as Record<S, typeof errorResponseSchema>;
}

/**
 * What an HTTP framework throws at us, read structurally (core imports no
 * framework): Fastify's errors carry a `code` of their own (FST_ERR_...),
 * a `statusCode`, and for a failed schema check `validation` and its context.
 */
type FrameworkError = {
  code?: unknown;
  statusCode?: unknown;
  message?: unknown;
  validation?: readonly { message?: string; instancePath?: string }[];
  validationContext?: string;
};

/**
 * Maps anything thrown inside an HTTP handler (server and gateway API alike)
 * to a registry error: EdgePay errors pass through, malformed requests become
 * a 4xx code, anything else is INTERNAL (whose cause the caller logs).
 */
export function toEdgePayError(err: unknown, options: { bodyLimit?: number } = {}): EdgePayError {
  if (isEdgePayError(err)) return err as EdgePayError;
  const f = (typeof err === 'object' && err !== null ? err : {}) as FrameworkError;
  const message = typeof f.message === 'string' ? f.message : '';
  switch (f.code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new EdgePayError('REQUEST_UNSUPPORTED_MEDIA_TYPE');
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new EdgePayError('REQUEST_TOO_LARGE', options.bodyLimit === undefined ? undefined : { limit: options.bodyLimit });
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new EdgePayError('REQUEST_BAD_JSON');
  }
  if (f.validation) {
    const first = f.validation[0];
    const where = `${f.validationContext ?? 'request'}${first?.instancePath ?? ''}`;
    return new EdgePayError('REQUEST_INVALID', { reason: `${where} ${first?.message ?? 'is invalid'}` });
  }
  // Body parser errors (bad JSON) come as SyntaxError, or with a 400 status.
  const status = typeof f.statusCode === 'number' ? f.statusCode : undefined;
  if (err instanceof SyntaxError || (status === 400 && /JSON/i.test(message))) return new EdgePayError('REQUEST_BAD_JSON');
  if (status !== undefined && status >= 400 && status < 500) return new EdgePayError('REQUEST_INVALID', { reason: message.slice(0, 200) });
  return new EdgePayError('INTERNAL');
}
