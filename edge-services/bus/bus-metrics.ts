/**
 * Counters for the bus and the rate-limited log of dropped messages.
 *
 * A misbehaving device can send thousands of bad messages a second; logging
 * each would drown the log and slow the gateway, so a drop is logged at most
 * once per device per minute (with how many were suppressed meanwhile), while
 * every drop is still counted.
 */
import type { BusDropReason } from '../../core/index.ts';

/** One log line: the sentence, and the same facts as fields (the gateway's pino log keeps both). */
export type BusLogger = (line: string, fields?: Record<string, unknown>) => void;

export type BusMetricsSnapshot = {
  /** Valid messages (envelopes) taken, events and replies. */
  received: number;
  /** ZeroMQ messages read on the event socket; one may carry a batch of envelopes. */
  eventMessages: number;
  dropped: number;
  droppedByReason: Partial<Record<BusDropReason, number>>;
  droppedByDevice: Record<string, number>;
  commandsSent: number;
  commandRetries: number;
  commandTimeouts: number;
  /**
   * CURVE handshakes the gateway's sockets refused: `auth` (the ZAP handler said no: a
   * key not enrolled or revoked), `protocol` (a broken or mis-keyed CURVE handshake,
   * e.g. a client pinning another gateway key), `other`. A refused device retries
   * every ~100 ms on each of its two sockets, so one stranger makes many.
   */
  handshakesRefused: number;
  handshakesRefusedByReason: Partial<Record<HandshakeRefusal, number>>;
  logLinesWritten: number;
};

export type HandshakeRefusal = 'auth' | 'protocol' | 'other';

/** Key for drops whose sender cannot be named (not JSON, no device id). */
export const UNKNOWN_DEVICE = '(unknown)';
export const DROP_LOG_INTERVAL_MS = 60_000;
/** Claimed device ids are untrusted: past this many, per-device counters fold into UNKNOWN_DEVICE. */
const MAX_TRACKED_DEVICES = 1_000;
/** The log-limit key for refused handshakes: not a device id (ids never hold a space). */
const HANDSHAKE_LOG_KEY = 'refused handshakes';

export class BusMetrics {
  received = 0;
  eventMessages = 0;
  commandsSent = 0;
  commandRetries = 0;
  commandTimeouts = 0;
  #dropped = 0;
  #handshakesRefused = 0;
  readonly #handshakesByReason = new Map<HandshakeRefusal, number>();
  #logLines = 0;
  readonly #byReason = new Map<BusDropReason, number>();
  readonly #byDevice = new Map<string, number>();
  readonly #lastLogged = new Map<string, { at: number; suppressed: number }>();

  constructor(
    private readonly log: BusLogger,
    private readonly now: () => number = Date.now,
  ) {}

  drop(reason: BusDropReason, detail: string, deviceId: string | undefined): void {
    const known = deviceId !== undefined && (this.#byDevice.has(deviceId) || this.#byDevice.size < MAX_TRACKED_DEVICES);
    const device = known ? deviceId : UNKNOWN_DEVICE;
    this.#dropped++;
    this.#byReason.set(reason, (this.#byReason.get(reason) ?? 0) + 1);
    this.#byDevice.set(device, (this.#byDevice.get(device) ?? 0) + 1);
    const suppressed = this.#rateLimit(device);
    if (suppressed === undefined) return;
    // The detail names a path and a problem, never the value: a payload may hold what must not be logged.
    this.log(`bus: dropped a message from ${device}: ${reason}: ${detail}${suppressed ? ` (${suppressed} more dropped since the last line)` : ''}`, {
      event: 'bus-drop',
      deviceId: device,
      reason,
      detail,
      suppressed,
    });
  }

  /** Counts a refused handshake; logged at most once a minute for all of them (the peer's address is no identity). */
  handshakeRefused(reason: HandshakeRefusal, address: string): void {
    this.#handshakesRefused++;
    this.#handshakesByReason.set(reason, (this.#handshakesByReason.get(reason) ?? 0) + 1);
    const suppressed = this.#rateLimit(HANDSHAKE_LOG_KEY);
    if (suppressed === undefined) return;
    this.log(`bus: refused a handshake (${reason}) from ${address}${suppressed ? ` (${suppressed} more refused since the last line)` : ''}`, {
      event: 'bus-handshake-refused',
      reason,
      address,
      suppressed,
    });
  }

  /** undefined: stay quiet (counted as suppressed); otherwise log, saying how many were suppressed. */
  #rateLimit(key: string): number | undefined {
    const now = this.now();
    const last = this.#lastLogged.get(key);
    if (last && now - last.at < DROP_LOG_INTERVAL_MS) {
      last.suppressed++;
      return undefined;
    }
    this.#lastLogged.set(key, { at: now, suppressed: 0 });
    this.#logLines++;
    return last?.suppressed ?? 0;
  }

  snapshot(): BusMetricsSnapshot {
    return {
      received: this.received,
      eventMessages: this.eventMessages,
      dropped: this.#dropped,
      droppedByReason: Object.fromEntries(this.#byReason),
      droppedByDevice: Object.fromEntries(this.#byDevice),
      commandsSent: this.commandsSent,
      commandRetries: this.commandRetries,
      commandTimeouts: this.commandTimeouts,
      handshakesRefused: this.#handshakesRefused,
      handshakesRefusedByReason: Object.fromEntries(this.#handshakesByReason),
      logLinesWritten: this.#logLines,
    };
  }
}
