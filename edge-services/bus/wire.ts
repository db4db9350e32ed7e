/**
 * Frames on the wire (edge-services/bus/PROTOCOL.md):
 * - device -> gateway on DEALER/ROUTER: `device.hello` as `[envelope JSON, MAC]`,
 *   which binds the connection to the device; replies as `[envelope JSON]`, taken
 *   only from a bound connection (the ROUTER sees the DEALER's routing id in front);
 * - gateway -> device on ROUTER/DEALER: `[envelope JSON]`, no MAC: the device's
 *   DEALER talks to one CURVE server whose public key it pinned, so CURVE alone
 *   proves that a command came from the gateway;
 * - device -> gateway on PUB/SUB: `[body, MAC]` where the body is one
 *   envelope's JSON or several joined by "\n" (a batch, see EventBatcher).
 * The size limit is checked before anything is parsed.
 */
import { randomFillSync } from 'node:crypto';
import { createUuidV7Generator, decodeEnvelope, BUS_PROTOCOL_VERSION, type BusDropReason, type DecodeResult, type Envelope } from '../../core/index.ts';
import { macMatches, macOf, type MacKey } from './curve-keys.ts';

// Message ids draw their random bits from a pool filled 4 KiB at a time: one
// getRandomValues call per message was the largest single cost in the bus benchmark.
const pool = Buffer.alloc(4096);
let poolOffset = pool.length;
function pooledRandomBytes(length: number): Uint8Array {
  if (poolOffset + length > pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const bytes = pool.subarray(poolOffset, poolOffset + length);
  poolOffset += length;
  return bytes;
}
/** UUIDv7 ids for bus messages. */
export const busMessageId = createUuidV7Generator({ randomBytes: pooledRandomBytes });

/** Largest envelope the bus takes (a cart frame must fit). libzmq's own cap is set a little above it. */
export const DEFAULT_MAX_MESSAGE_BYTES = 1024 * 1024;

export function makeEnvelope<P extends object>(type: string, deviceId: string, payload: P, id: string = busMessageId()): Envelope<P> {
  return { v: BUS_PROTOCOL_VERSION, type, id, deviceId, ts: Date.now(), payload };
}

/** What goes on the wire for one message: the envelope's JSON text and its MAC. */
export type Frames = [body: string, mac: Buffer];

/**
 * The body travels as the JSON string itself: zeromq.js copies a string into
 * the message once (UTF-8, the same bytes `Buffer.from` would give) and frees
 * it on ZeroMQ's I/O thread, while a Buffer above 128 bytes is pinned with a
 * persistent handle that only the main thread may release (one more wake-up
 * and GC root per message). The MAC is over those UTF-8 bytes.
 */
export function encodeFrames(envelope: Envelope<object>, macKey: MacKey): Frames {
  const body = JSON.stringify(envelope);
  return [body, macOf(macKey, body)];
}

/** A command's or a reply's one frame: the envelope's JSON (a string: see encodeFrames). */
export function encodeCommand(envelope: Envelope<object>): string {
  return JSON.stringify(envelope);
}
export const encodeReply = encodeCommand;

/** A command as a device receives it: one frame, checked for size, then parsed and checked as an envelope. */
export function decodeCommandFrames(frames: readonly Buffer[], maxBytes: number): DecodeResult {
  return decodeBody(frames, 1, maxBytes);
}

/** The checks every message gets, in order: frame count, size of the body (frame 0), then JSON and envelope. */
function decodeBody(frames: readonly Buffer[], count: number, maxBytes: number): DecodeResult {
  if (frames.length !== count) return { ok: false, reason: 'malformed', detail: `expected ${count} frame${count === 1 ? '' : 's'}, got ${frames.length}` };
  const body = frames[0]!;
  if (body.length > maxBytes) return { ok: false, reason: 'oversized', detail: `${body.length} bytes > ${maxBytes}` };
  return decodeEnvelope(body.toString('utf8'));
}

/**
 * `[body]` from a connection already bound to its device (GatewayBus: a
 * MAC-verified message came on it, and its routing id is a secret of that
 * device's socket): the same size, JSON and envelope checks as decodeFrames,
 * with no MAC to verify. The caller checks that the envelope names the bound
 * device.
 */
export function decodeBoundFrames(frames: readonly Buffer[], maxBytes: number): DecodeResult {
  return decodeBody(frames, 1, maxBytes);
}

/**
 * Checks size and shape, parses the envelope, then verifies its MAC with the
 * key of the device it claims to be from (`keyFor` returns undefined for an
 * unknown or revoked device).
 */
export function decodeFrames(frames: readonly Buffer[], maxBytes: number, keyFor: (deviceId: string) => MacKey | undefined): DecodeResult {
  const decoded = decodeBody(frames, 2, maxBytes);
  if (!decoded.ok) return decoded;
  const [body, mac] = frames as [Buffer, Buffer];
  const { deviceId } = decoded.envelope;
  const key = keyFor(deviceId);
  if (!key || !macMatches(key, body, mac)) {
    return { ok: false, reason: 'unauthenticated', detail: key ? 'MAC does not match' : 'device not enrolled', deviceId };
  }
  return decoded;
}

/** Separates the envelopes of a batch: JSON.stringify never writes a raw line feed, so it cannot occur inside one. */
export const BATCH_SEPARATOR = '\n';
const LINE_FEED = 0x0a;

export type DecodeFailure = { reason: BusDropReason; detail: string; deviceId?: string };
/** What one event message held: the envelopes that passed size, JSON, envelope and MAC checks, and one failure per envelope that did not. */
export type DecodedEvents = { envelopes: Envelope[]; failures: DecodeFailure[] };

/**
 * An event message: `[body, MAC]` where the body is one envelope or a batch
 * of envelopes separated by line feeds. The same checks in the same order as
 * decodeFrames, per envelope: size (of the whole message), JSON, envelope;
 * then the MAC over the whole body under the key of the one device every
 * envelope in it claims (a batch that names two devices is refused whole).
 * The caller checks each envelope's type and payload on its own.
 */
export function decodeEventFrames(frames: readonly Buffer[], maxBytes: number, keyFor: (deviceId: string) => MacKey | undefined): DecodedEvents {
  const body = frames[0];
  if (frames.length !== 2 || body === undefined || body.indexOf(LINE_FEED) === -1) {
    const single = decodeFrames(frames, maxBytes, keyFor);
    return single.ok ? { envelopes: [single.envelope], failures: [] } : { envelopes: [], failures: [single] };
  }
  const mac = frames[1]!;
  if (body.length > maxBytes) return { envelopes: [], failures: [{ reason: 'oversized', detail: `${body.length} bytes > ${maxBytes}` }] };
  const envelopes: Envelope[] = [];
  const failures: DecodeFailure[] = [];
  let deviceId: string | undefined;
  let mixed = false;
  for (const line of body.toString('utf8').split(BATCH_SEPARATOR)) {
    const decoded = decodeEnvelope(line);
    if (!decoded.ok) {
      failures.push(decoded);
      continue;
    }
    if (deviceId === undefined) deviceId = decoded.envelope.deviceId;
    else if (decoded.envelope.deviceId !== deviceId) mixed = true;
    envelopes.push(decoded.envelope);
  }
  if (deviceId === undefined) return { envelopes, failures };
  const key = mixed ? undefined : keyFor(deviceId);
  if (!key || !macMatches(key, body, mac)) {
    const detail = mixed ? 'a batch names more than one device' : key ? 'MAC does not match' : 'device not enrolled';
    for (const envelope of envelopes) failures.push({ reason: 'unauthenticated', detail, deviceId: envelope.deviceId });
    return { envelopes: [], failures };
  }
  return { envelopes, failures };
}
