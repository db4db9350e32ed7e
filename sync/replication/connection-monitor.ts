/**
 * Online/offline for the gateway. Offline after any failed call; while
 * offline it probes /healthz with exponential backoff (with jitter, so a
 * store's gateways do not all knock at once when the server returns) and
 * goes online when the server answers.
 */
import { BehaviorSubject } from 'rxjs';
import { probeServer, type SyncEndpoint } from './http-client.ts';

/** How the probes of an offline gateway space out (not the drivers' restart backoff, edge-services/drivers). */
export type ProbeBackoff = { initialMs: number; maxMs: number };
export const SYNC_PROBE_BACKOFF: ProbeBackoff = { initialMs: 500, maxMs: 30_000 };

export class ConnectionMonitor {
  readonly online$ = new BehaviorSubject<boolean>(false);
  private attempt = 0;
  private timer: NodeJS.Timeout | undefined;
  private stopped = true;
  /** When the next probe runs (for the status), or undefined while online. */
  nextProbeAt: number | undefined;

  constructor(
    private readonly endpoint: SyncEndpoint,
    private readonly backoff: ProbeBackoff = SYNC_PROBE_BACKOFF,
    /** Told about each failed probe, so the status can say why we are offline. */
    private readonly onProbeFailure: (error: Error) => void = () => undefined,
  ) {}

  get online(): boolean {
    return this.online$.getValue();
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule(0);
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.nextProbeAt = undefined;
  }

  /**
   * Probe now instead of at the next backoff slot (the console's "sync now",
   * the network switch turned back on): an offline gateway must not wait up to
   * `maxMs` after the network is back.
   */
  probeNow(): void {
    if (this.stopped || this.online) return;
    this.attempt = 0;
    this.schedule(0);
  }

  /** A call to the server failed in a way that means "unreachable". */
  reportFailure(): void {
    if (this.stopped) return;
    if (this.online) {
      this.online$.next(false);
      this.attempt = 0;
    }
    if (!this.timer) this.schedule(this.delay());
  }

  /** Delay before the next probe: initial × 2^attempt, capped, ±25% jitter. */
  delay(): number {
    const base = Math.min(this.backoff.maxMs, this.backoff.initialMs * 2 ** this.attempt);
    return Math.round(base * (0.75 + Math.random() * 0.5));
  }

  private schedule(ms: number): void {
    clearTimeout(this.timer);
    this.nextProbeAt = Date.now() + ms;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.probe();
    }, ms);
  }

  private async probe(): Promise<void> {
    if (this.stopped) return;
    try {
      await probeServer({ ...this.endpoint, timeoutMs: 5000 });
      if (this.stopped) return;
      this.attempt = 0;
      this.nextProbeAt = undefined;
      if (!this.online) this.online$.next(true);
    } catch (err) {
      if (this.stopped) return;
      this.onProbeFailure(err as Error);
      this.attempt++;
      if (this.online) this.online$.next(false);
      this.schedule(this.delay());
    }
  }
}
