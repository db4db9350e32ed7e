/**
 * The bus envelope (DESIGN.md section 5): every message, event, command or
 * reply, is one JSON object `{v, type, id, deviceId, ts, payload}`.
 *
 * - `v`        protocol version, 1.
 * - `type`     a type from the catalog, or `reply`.
 * - `id`       UUIDv7 made by the sender; a reply carries the id of its command.
 * - `deviceId` the device that sent it (events, replies) or must act (commands).
 * - `ts`       sender's clock, ms since the epoch: never trusted for ordering, but the gateway
 *              refuses a message whose ts lies outside its freshness window (replays).
 * - `payload`  an object matching the type's schema.
 *
 * Decoding goes in steps so the caller can count why a message was dropped.
 */
import { commandSpec, eventSpec } from './catalog.ts';
import { DEVICE_ID_PATTERN } from './messages/fields.ts';
import type { DeviceKind } from './messages/types.ts';
import { constant, int, object, oneOf, str, validateSchema, type BusSchema, type ObjectSchema } from './schema.ts';

export const BUS_PROTOCOL_VERSION = 1;
export const REPLY_TYPE = 'reply';

export type Envelope<P extends object = Record<string, unknown>> = {
  v: typeof BUS_PROTOCOL_VERSION;
  type: string;
  id: string;
  deviceId: string;
  ts: number;
  payload: P;
};

/** Why a message was dropped; bus metrics count per reason. */
export type BusDropReason =
  | 'oversized' // bigger than the bus allows (checked before parsing)
  | 'malformed' // not JSON, or wrong frame count
  | 'envelope' // JSON, but not an envelope
  | 'unknown-type' // no such type in the catalog, or a command where an event belongs
  | 'payload' // payload does not match the type's schema
  | 'wrong-device' // the type is not one this device kind may send
  | 'unauthenticated' // the message's MAC does not match the claimed device's key
  | 'unexpected-reply' // a reply with no command waiting for it
  | 'stale' // its ts is older than the freshness window, or too far in the future
  | 'replayed'; // its id was already taken from this device

export type DecodeResult = { ok: true; envelope: Envelope } | { ok: false; reason: BusDropReason; detail: string; deviceId?: string };

/** The envelope itself (payload aside: its schema depends on the type). */
export const envelopeShape = object({
  v: constant(BUS_PROTOCOL_VERSION),
  type: str(64, { pattern: '^[a-z][a-z0-9-]*(\\.[a-z][a-z0-9-]*)*$' }),
  id: str(36, { pattern: '^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$' }),
  deviceId: str(63, { pattern: DEVICE_ID_PATTERN }),
  ts: int(0, 8_640_000_000_000_000),
  // The payload's own schema is checked per type, after the envelope.
  payload: { type: 'object', properties: {}, required: [], additionalProperties: false } satisfies ObjectSchema,
});

/** A reply's payload: the command's result, or an error with a stable code. */
export const replyPayloadSchema: BusSchema = oneOf(
  // The result's own schema is the command's; checkReply applies it.
  object({ ok: constant(true), result: { type: 'object', properties: {}, required: [], additionalProperties: true } }),
  object({
    ok: constant(false),
    error: object({ code: str(64, { pattern: '^[A-Z][A-Z0-9_]*$' }), message: str(500) }),
  }),
);

function problemText(p: { path: string; problem: string }): string {
  return `${p.path || '/'} ${p.problem}`;
}

const ENVELOPE_FIELDS = 6;

// The envelope's three patterns as character loops: every bus message passes
// through here, and entering the regular-expression engine for three short
// strings cost more per message than the rest of the check (the tests hold
// each loop to its pattern in envelopeShape).
const isLower = (c: number) => c >= 0x61 && c <= 0x7a;
const isDigit = (c: number) => c >= 0x30 && c <= 0x39;
const isHex = (c: number) => isDigit(c) || (c >= 0x61 && c <= 0x66);
const DASH = 0x2d;
const DOT = 0x2e;

/** `^[a-z][a-z0-9-]*(\.[a-z][a-z0-9-]*)*$` */
export function isMessageTypeText(text: string): boolean {
  let segmentStart = true;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (segmentStart) {
      if (!isLower(c)) return false;
      segmentStart = false;
    } else if (c === DOT) segmentStart = true;
    else if (!isLower(c) && !isDigit(c) && c !== DASH) return false;
  }
  return text.length > 0 && !segmentStart;
}

/** `^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$` */
export function isUuidV7Text(text: string): boolean {
  if (text.length !== 36) return false;
  for (let i = 0; i < 36; i++) {
    const c = text.charCodeAt(i);
    if (i === 8 || i === 13 || i === 18 || i === 23) {
      if (c !== DASH) return false;
    } else if (i === 14) {
      if (c !== 0x37) return false;
    } else if (i === 19) {
      if (c !== 0x38 && c !== 0x39 && c !== 0x61 && c !== 0x62) return false;
    } else if (!isHex(c)) return false;
  }
  return true;
}

/** `^[a-z0-9][a-z0-9-]{0,62}$` (DEVICE_ID_PATTERN) */
export function isDeviceIdText(text: string): boolean {
  if (text.length === 0 || text.length > 63) return false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (!isLower(c) && !isDigit(c) && (c !== DASH || i === 0)) return false;
  }
  return true;
}

/**
 * Exactly `envelopeShape` with a plain-object payload, written out: true only
 * when validateSchema would find no problem (the tests hold the two together).
 */
function isWellFormedEnvelope(record: Record<string, unknown>): boolean {
  const { v, type, id, deviceId, ts, payload } = record;
  let fields = 0;
  for (const key in record) {
    if (!Object.hasOwn(record, key)) continue;
    if (key !== 'v' && key !== 'type' && key !== 'id' && key !== 'deviceId' && key !== 'ts' && key !== 'payload') return false;
    fields++;
  }
  return (
    fields === ENVELOPE_FIELDS &&
    v === BUS_PROTOCOL_VERSION &&
    typeof type === 'string' &&
    type.length <= 64 &&
    isMessageTypeText(type) &&
    typeof id === 'string' &&
    id.length <= 36 &&
    isUuidV7Text(id) &&
    typeof deviceId === 'string' &&
    deviceId.length <= 63 &&
    isDeviceIdText(deviceId) &&
    typeof ts === 'number' &&
    Number.isSafeInteger(ts) &&
    ts >= 0 &&
    ts <= 8_640_000_000_000_000 &&
    typeof payload === 'object' &&
    payload !== null &&
    !Array.isArray(payload)
  );
}

/**
 * Parses and checks the envelope (not yet the payload against its type).
 * Never throws: everything a device sends is untrusted.
 */
export function decodeEnvelope(text: string): DecodeResult {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'malformed', detail: 'not JSON' };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, reason: 'envelope', detail: 'not an object' };
  }
  const record = value as Record<string, unknown>;
  // Every message the bus carries passes through here: a well-formed envelope is
  // recognised without copying it; anything else gets the full check and its detail.
  if (isWellFormedEnvelope(record)) return { ok: true, envelope: value as Envelope };
  const claimed = typeof record['deviceId'] === 'string' ? (record['deviceId'] as string).slice(0, 63) : undefined;
  // The payload is checked separately (its schema depends on the type), so hide it from the envelope check.
  const payload = record['payload'];
  const head = { ...record, payload: {} };
  const problem = validateSchema(envelopeShape, head);
  if (problem || typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    return {
      ok: false,
      reason: 'envelope',
      detail: problem ? problemText(problem) : '/payload must be an object',
      ...(claimed === undefined ? {} : { deviceId: claimed }),
    };
  }
  return { ok: true, envelope: value as Envelope };
}

type Check = { ok: true } | { ok: false; reason: BusDropReason; detail: string };
const OK: Check = { ok: true };

/** An event from a device of kind `from` (undefined: kind not known, skip that check). */
export function checkEvent(envelope: Envelope, from?: DeviceKind): Check {
  const spec = eventSpec(envelope.type);
  if (!spec) return { ok: false, reason: 'unknown-type', detail: `no event type ${envelope.type}` };
  if (from !== undefined && !spec.from.includes(from)) {
    return { ok: false, reason: 'wrong-device', detail: `a ${from} may not send ${envelope.type}` };
  }
  const problem = validateSchema(spec.payload, envelope.payload);
  return problem ? { ok: false, reason: 'payload', detail: `${envelope.type}: ${problemText(problem)}` } : OK;
}

/** A command arriving at a device of kind `to`. */
export function checkCommand(envelope: Envelope, to?: DeviceKind): Check {
  const spec = commandSpec(envelope.type);
  if (!spec) return { ok: false, reason: 'unknown-type', detail: `no command type ${envelope.type}` };
  if (to !== undefined && !spec.to.includes(to)) {
    return { ok: false, reason: 'wrong-device', detail: `a ${to} does not take ${envelope.type}` };
  }
  const problem = validateSchema(spec.params, envelope.payload);
  return problem ? { ok: false, reason: 'payload', detail: `${envelope.type}: ${problemText(problem)}` } : OK;
}

/** A reply to a command of type `commandType`: the reply shape, then the result against the command's result schema. */
export function checkReply(envelope: Envelope, commandType: string): Check {
  if (envelope.type !== REPLY_TYPE) return { ok: false, reason: 'unknown-type', detail: `expected a reply, got ${envelope.type}` };
  const shape = validateSchema(replyPayloadSchema, envelope.payload);
  if (shape) return { ok: false, reason: 'payload', detail: `reply: ${problemText(shape)}` };
  const payload = envelope.payload as { ok: boolean; result?: unknown };
  if (!payload.ok) return OK;
  const spec = commandSpec(commandType);
  if (!spec) return { ok: false, reason: 'unknown-type', detail: `no command type ${commandType}` };
  const problem = validateSchema(spec.result, payload.result);
  return problem ? { ok: false, reason: 'payload', detail: `${commandType} result: ${problemText(problem)}` } : OK;
}
