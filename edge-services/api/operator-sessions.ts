/**
 * Operator sign-in for the console: a PIN from the gateway's configuration,
 * compared in constant time, answered with a random session token that
 * expires. Wrong PINs lock sign-in for a while (a 6-digit PIN must not be
 * guessable by a script on the LAN). Tokens live in memory only: a gateway
 * restart signs everyone out, which is the safe direction.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { EdgePayError, type OperatorSession } from '../../core/index.ts';

export type OperatorSessionsOptions = {
  pin: string;
  ttlMs?: number;
  /** Wrong PINs in a row before a lock-out. */
  maxFailures?: number;
  lockMs?: number;
  now?: () => number;
};

const digest = (s: string) => createHash('sha256').update(s).digest();

export class OperatorSessions {
  private readonly sessions = new Map<string, number>();
  private failures = 0;
  private lockedUntil = 0;
  private readonly pinDigest: Buffer;
  private readonly now: () => number;

  constructor(private readonly options: OperatorSessionsOptions) {
    if (options.pin.length < 4) throw new Error('The operator PIN must have at least 4 characters.');
    this.pinDigest = digest(options.pin);
    this.now = options.now ?? Date.now;
  }

  signIn(pin: unknown): OperatorSession {
    const now = this.now();
    if (now < this.lockedUntil) throw new EdgePayError('GATEWAY_API_SIGN_IN_LOCKED', { seconds: Math.ceil((this.lockedUntil - now) / 1000) });
    // Hash both sides so the comparison is constant-time whatever the lengths.
    if (typeof pin !== 'string' || !timingSafeEqual(digest(pin), this.pinDigest)) {
      this.failures++;
      if (this.failures >= (this.options.maxFailures ?? 5)) {
        this.lockedUntil = now + (this.options.lockMs ?? 60_000);
        this.failures = 0;
      }
      throw new EdgePayError('GATEWAY_API_SIGN_IN_FAILED');
    }
    this.failures = 0;
    const token = randomBytes(32).toString('base64url');
    const expires = now + (this.options.ttlMs ?? 8 * 3600_000);
    this.sessions.set(token, expires);
    return { token, expiresAt: new Date(expires).toISOString() };
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
