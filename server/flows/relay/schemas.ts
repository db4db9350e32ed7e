/** JSON schemas of the relay's routes (closed objects: unknown fields are refused). */
const text = (max: number, pattern?: string) => ({ type: 'string', minLength: 1, maxLength: max, ...(pattern ? { pattern } : {}) }) as const;
export const appId = text(64, '^[a-z0-9][a-z0-9._-]{0,63}$');
export const terminalId = text(64, '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$');
/** A code as a scanner or a phone gives it: printable ASCII (a CPM QR is base64, up to 512). */
export const code = text(512, '^[\\x21-\\x7E]+$');
const operation = { type: 'string', enum: ['pay', 'accrue', 'redeem'] } as const;
const points = { type: 'integer', minimum: 1, maximum: 10_000_000 } as const;
const uuid = text(36, '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$');
const money = {
  type: 'object',
  additionalProperties: false,
  required: ['amount', 'currency'],
  properties: { amount: { type: 'integer', minimum: 0, maximum: 1_000_000_000 }, currency: text(3, '^[A-Z]{3}$') },
} as const;

export const scanBody = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'terminalId', 'code'],
  properties: { id: uuid, terminalId, code, appId, operation, points },
} as const;
export const tapBody = {
  type: 'object',
  additionalProperties: false,
  required: ['terminalId', 'code', 'appId'],
  properties: { terminalId, code, appId, operation, points },
} as const;
const answer = {
  type: 'object',
  additionalProperties: false,
  required: ['reference', 'status'],
  properties: {
    reference: text(64),
    status: { type: 'string', enum: ['approved', 'declined', 'reversed', 'unknown'] },
    reason: text(64),
    amount: money,
    points: { type: 'integer' },
    balance: { type: 'integer' },
  },
} as const;
export const resultBody = {
  type: 'object',
  additionalProperties: false,
  required: ['outcome'],
  properties: { outcome: { type: 'string', enum: ['answered', 'no-answer', 'refused'] }, answer, reason: text(64) },
} as const;
export const submitBody = {
  type: 'object',
  additionalProperties: false,
  required: ['reference', 'code', 'operation'],
  properties: { reference: uuid, code, operation, amount: money, points },
} as const;
export const appBody = {
  type: 'object',
  additionalProperties: false,
  required: ['label', 'destination', 'takes', 'matchKeys'],
  properties: {
    label: text(100),
    destination: text(64, '^[a-z0-9-]+$'),
    takes: { type: 'string', enum: ['payment-code', 'membership'] },
    matchKeys: { type: 'array', maxItems: 32, items: text(64, '^(barcode|cpm|member):[0-9A-F]+$') },
  },
} as const;
export const terminalBody = {
  type: 'object',
  additionalProperties: false,
  required: ['siteId', 'gatewayId', 'label'],
  properties: { siteId: text(128), gatewayId: text(64), label: text(100), posAgentId: { type: ['string', 'null'], maxLength: 64 } },
} as const;
