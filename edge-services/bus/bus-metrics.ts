/**
 * Counters for the bus and the rate-limited log of dropped messages.
 *
 * A misbehaving device can send thousands of bad messages a second; logging
 * each would drown the log and slow the gateway, so a drop is logged at most
 * once per device per minute (with how many were suppressed meanwhile), while
 * every drop is still counted.
 */
import type { BusDropReason } from '../../core/index.ts';

export type BusLogger = (line: string) => void;

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
  logLinesWritten: number;
};

/** Key for drops whose sender cannot be named (not JSON, no device id). */
export const UNKNOWN_DEVICE = '(unknown)';
export const DROP_LOG_INTERVAL_MS = 60_000;
/** Claimed device ids are untrusted: past this many, per-device counters fold into UNKNOWN_DEVICE. */
const MAX_TRACKED_DEVICES = 1_000;

export class BusMetrics {
  received = 0;
  eventMessages = 0;
  commandsSent = 0;
  commandRetries = 0;
  commandTimeouts = 0;
  #dropped = 0;
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
    const now = this.now();
    const last = this.#lastLogged.get(device);
    if (last && now - last.at < DROP_LOG_INTERVAL_MS) {
      last.suppressed++;
      return;
    }
    const suppressed = last?.suppressed ?? 0;
    this.#lastLogged.set(device, { at: now, suppressed: 0 });
    this.#logLines++;
    // The detail names a path and a problem, never the value: a payload may hold what must not be logged.
    this.log(`bus: dropped a message from ${device}: ${reason}: ${detail}${suppressed ? ` (${suppressed} more dropped since the last line)` : ''}`);
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
      logLinesWritten: this.#logLines,
    };
  }
}
