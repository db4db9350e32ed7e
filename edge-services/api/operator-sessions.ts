/**
 * Operator sign-in for the console: a PIN from the gateway's configuration,
 * compared in constant time, answered with a random session token that
 * expires. Wrong PINs slow down the client that sent them, with growing
 * delays (sign-in-throttle.ts, keyed as sign-in-client.ts says): a 6-digit
 * PIN must not be guessable by a script, and a script must not keep the
 * operator out either. Every attempt is logged, without the PIN. Tokens and
 * known devices live in memory only: a gateway restart signs everyone out,
 * which is the safe direction.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { EdgePayError, type OperatorSession } from '../../core/index.ts';
import { callerForLog, IN_PROCESS, throttleKeys, type SignInCaller } from './sign-in-client.ts';
import { SignInThrottle, type ThrottleRule } from './sign-in-throttle.ts';
import { gatewayLog } from '../logging/gateway-log.ts';

/** One line of the sign-in log (structured; never the PIN, never a token or device id). */
export type SignInLogEntry = {
  event: 'operator-sign-in';
  outcome: 'signed-in' | 'wrong-pin' | 'throttled';
  client: Record<string, unknown>;
  /** Wrong PINs this client now counts (drained over time). */
  failures?: number;
  /** How long this client must wait before its next PIN is compared. */
  retryAfterMs?: number;
  /** Refusals while waiting since the last line for this client (a throttled client is logged once per wait). */
  refused?: number;
  at: string;
};

export type OperatorSessionsOptions = {
  pin: string;
  ttlMs?: number;
  /** Per client: default 3 free wrong PINs, then 1 s doubling up to 60 s, one forgotten per 5 minutes. */
  perClient?: Partial<ThrottleRule>;
  /** All unknown network clients together: default 20 free, then 1 s doubling up to 60 s, one forgotten per 30 s. */
  unknownPool?: Partial<ThrottleRule>;
  /** Where attempts are logged (default: one JSON line on stderr). */
  log?: (entry: SignInLogEntry) => void;
  now?: () => number;
};

const digest = (s: string) => createHash('sha256').update(s).digest();
/** Known devices kept at most (the least recently used goes): a shop has a handful of console screens. */
const MAX_DEVICES = 64;
const DEVICE_TTL_MS = 30 * 24 * 3600_000;

const stderrLog = (entry: SignInLogEntry) => gatewayLog('api').info(entry, 'operator sign-in');

export class OperatorSessions {
  private readonly sessions = new Map<string, number>();
  /** Device id → when it last signed in. */
  private readonly devices = new Map<string, number>();
  private readonly perClient: SignInThrottle;
  private readonly pool: SignInThrottle;
  private readonly refusedWhileWaiting = new Map<string, number>();
  private readonly pinDigest: Buffer;
  private readonly now: () => number;
  private log: (entry: SignInLogEntry) => void;

  constructor(private readonly options: OperatorSessionsOptions) {
    if (options.pin.length < 4) throw new Error('The operator PIN must have at least 4 characters.');
    this.pinDigest = digest(options.pin);
    this.now = options.now ?? Date.now;
    this.log = options.log ?? stderrLog;
    this.perClient = new SignInThrottle({ free: 3, baseMs: 1000, capMs: 60_000, drainMs: 5 * 60_000, ...options.perClient });
    this.pool = new SignInThrottle({ free: 20, baseMs: 1000, capMs: 60_000, drainMs: 30_000, ...options.unknownPool });
  }

  /** Sends the sign-in log elsewhere (the composition root's logger, a test). */
  setLog(log: (entry: SignInLogEntry) => void): void {
    this.log = log;
  }

  signIn(pin: unknown, caller: SignInCaller = IN_PROCESS): OperatorSession {
    const now = this.now();
    const keys = throttleKeys(caller, (id) => this.isKnownDevice(id, now));
    const client = callerForLog(caller, keys.known);
    const wait = Math.max(this.perClient.waitMs(keys.own, now), keys.pool ? this.pool.waitMs(keys.pool, now) : 0);
    if (wait > 0) {
      // Refused before the PIN is compared: a guess while waiting tells nothing, right or wrong.
      const refused = (this.refusedWhileWaiting.get(keys.own) ?? 0) + 1;
      if (this.refusedWhileWaiting.size > 10_000) this.refusedWhileWaiting.clear();
      this.refusedWhileWaiting.set(keys.own, refused);
      if (refused === 1) this.log({ event: 'operator-sign-in', outcome: 'throttled', client, retryAfterMs: wait, at: new Date(now).toISOString() });
      throw new EdgePayError('GATEWAY_API_SIGN_IN_LOCKED', { seconds: Math.ceil(wait / 1000) });
    }
    const refused = this.refusedWhileWaiting.get(keys.own);
    this.refusedWhileWaiting.delete(keys.own);
    // Hash both sides so the comparison is constant-time whatever the lengths.
    if (typeof pin !== 'string' || !timingSafeEqual(digest(pin), this.pinDigest)) {
      const mine = this.perClient.fail(keys.own, now);
      const pooled = keys.pool ? this.pool.fail(keys.pool, now) : { delayMs: 0 };
      this.log({
        event: 'operator-sign-in',
        outcome: 'wrong-pin',
        client,
        failures: Math.round(mine.level * 100) / 100,
        retryAfterMs: Math.max(mine.delayMs, pooled.delayMs),
        ...(refused ? { refused } : {}),
        at: new Date(now).toISOString(),
      });
      throw new EdgePayError('GATEWAY_API_SIGN_IN_FAILED');
    }
    this.perClient.succeed(keys.own);
    this.log({ event: 'operator-sign-in', outcome: 'signed-in', client, ...(refused ? { refused } : {}), at: new Date(now).toISOString() });
    const token = randomBytes(32).toString('base64url');
    const expires = now + (this.options.ttlMs ?? 8 * 3600_000);
    this.sessions.set(token, expires);
    return { token, expiresAt: new Date(expires).toISOString() };
  }

  /**
   * After a right PIN over HTTP: the id of the browser's known-device cookie
   * (the one it sent, when it is still known, else a new one). Its wrong PINs
   * are then counted apart from everyone else's.
   */
  rememberDevice(sent: string | undefined): string {
    const now = this.now();
    const id = sent && this.isKnownDevice(sent, now) ? sent : randomBytes(32).toString('base64url');
    this.devices.delete(id);
    this.devices.set(id, now);
    for (const oldest of this.devices.keys()) {
      if (this.devices.size <= MAX_DEVICES) break;
      this.devices.delete(oldest);
    }
    return id;
  }

  private isKnownDevice(id: string, now: number): boolean {
    const at = this.devices.get(id);
    return at !== undefined && now - at < DEVICE_TTL_MS;
  }

  /** Throws GATEWAY_API_SESSION_REQUIRED unless the token is a live session. */
  check(token: unknown): void {
    if (!this.isValid(token)) throw new EdgePayError('GATEWAY_API_SESSION_REQUIRED');
  }

  isValid(token: unknown): boolean {
    if (typeof token !== 'string') return false;
    const expires = this.sessions.get(token);
    if (expires === undefined) return false;
    if (expires <= this.now()) {
      this.sessions.delete(token);
      return false;
    }
    return true;
  }

  signOut(token: unknown): void {
    if (typeof token === 'string') this.sessions.delete(token);
  }
}
