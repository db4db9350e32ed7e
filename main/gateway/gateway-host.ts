/**
 * Runs edge-services in its own process (Electron's utilityProcess in the
 * app; anything with the same shape in tests) and restarts it when it dies,
 * with backoff. The ledger lives in that process, so a crash loses nothing
 * committed; calls in flight fail with GATEWAY_API_UNAVAILABLE and the UI
 * reads the state again when the gateway is back.
 */
import { EdgePayError, type GatewayEvent } from '../../core/index.ts';
import { DEFAULT_BACKOFF, restartDelay, type BackoffPolicy } from '../../edge-services/index.ts';
import type { ApiMethod, IpcResult } from '../ipc/channels.ts';
import type { HostMessage, GatewayMessage } from './messages.ts';

/** The part of Electron's UtilityProcess (or a Node ChildProcess adapter) the host uses. */
export type ChildLike = {
  postMessage(message: HostMessage): void;
  on(event: 'message', listener: (message: GatewayMessage) => void): unknown;
  on(event: 'exit', listener: (code: number) => void): unknown;
  kill(): boolean;
};

export type GatewayHostOptions = {
  fork: () => ChildLike;
  backoff?: BackoffPolicy;
  /** A call waits this long for an answer (a card payment takes up to a minute). */
  callTimeoutMs?: number;
};

type Pending = { resolve(v: unknown): void; reject(e: unknown): void; timer: ReturnType<typeof setTimeout> };

export class GatewayHost {
  private child: ChildLike | undefined;
  private ready = false;
  private waiting: (() => void)[] = [];
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private crashes = 0;
  private startedAt = 0;
  private stopped = false;
  private restartTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly listeners = new Set<(e: GatewayEvent) => void>();
  /** How often the gateway was restarted (for the console and tests). */
  restarts = 0;

  constructor(private readonly options: GatewayHostOptions) {}

  start(): void {
    this.stopped = false;
    this.spawn();
  }

  private spawn(): void {
    const child = this.options.fork();
    this.child = child;
    this.ready = false;
    this.startedAt = Date.now();
    child.on('message', (m) => this.onMessage(child, m));
    child.on('exit', () => this.onExit(child));
  }

  private onMessage(child: ChildLike, m: GatewayMessage): void {
    if (child !== this.child) return;
    if (m.type === 'ready') {
      this.ready = true;
      for (const w of this.waiting.splice(0)) w();
    } else if (m.type === 'result') {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      clearTimeout(p.timer);
      p.resolve(m.result);
    } else if (m.type === 'event') {
      for (const l of this.listeners) l(m.event);
    }
  }

  private onExit(child: ChildLike): void {
    if (child !== this.child) return;
    this.child = undefined;
    this.ready = false;
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      p.resolve({ ok: false, error: new EdgePayError('GATEWAY_API_UNAVAILABLE', { reason: 'the gateway process stopped' }).toJSON() } satisfies IpcResult);
      this.pending.delete(id);
    }
    if (this.stopped) return;
    const policy = this.options.backoff ?? DEFAULT_BACKOFF;
    // A run that lasted counts as healthy: the next crash starts the backoff again.
    this.crashes = Date.now() - this.startedAt >= policy.stableAfterMs ? 1 : this.crashes + 1;
    this.restartTimer = setTimeout(
      () => {
        this.restarts++;
        this.spawn();
      },
      restartDelay(policy, this.crashes),
    );
  }

  /** Calls a gateway API method; always resolves with an IpcResult. */
  async call(method: ApiMethod, args: unknown[]): Promise<IpcResult> {
    if (this.stopped) return { ok: false, error: new EdgePayError('GATEWAY_API_UNAVAILABLE', { reason: 'stopped' }).toJSON() };
    if (!this.ready) await new Promise<void>((r) => this.waiting.push(r));
    const id = this.nextId++;
    return new Promise<IpcResult>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        resolve({ ok: false, error: new EdgePayError('GATEWAY_API_UNAVAILABLE', { reason: 'no answer in time' }).toJSON() });
      }, this.options.callTimeoutMs ?? 90_000);
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, timer });
      try {
        this.child!.postMessage({ type: 'call', id, method, args });
      } catch (err) {
        // The process died and its exit is not reported yet (a closed pipe: EPIPE):
        // the caller gets the same answer as for a call cut off by the exit.
        this.pending.delete(id);
        clearTimeout(timer);
        resolve({ ok: false, error: new EdgePayError('GATEWAY_API_UNAVAILABLE', { reason: `the gateway process stopped (${(err as Error).message})` }).toJSON() });
      }
    });
  }

  onEvent(listener: (e: GatewayEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** For tests and the console: is a gateway process answering? */
  get running(): boolean {
    return this.ready;
  }

  /** The pid is not part of ChildLike; kill() is how a test plays a crash. */
  killForTest(): void {
    this.child?.kill();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.restartTimer);
    this.child?.kill();
    for (const w of this.waiting.splice(0)) w();
  }
}
