/**
 * Test and bench support: stand-ins for what the wallet (server/wallet)
 * provides, built on real cryptography, and a real SSE client.
 *
 * - `TestWallet`: users with a bearer token each (the session stand-in), an
 *   Ed25519 key pair each (the passkey stand-in: the phone signs the canonical
 *   binding; the verifier checks the signature over the binding the server
 *   read from its database, so an approval made for another request, amount
 *   or payee really fails), and units of buildings.
 * - `openSse`: Server-Sent Events over node:http, parsed as they arrive, each
 *   event stamped with its arrival time.
 */
import { createPublicKey, generateKeyPairSync, randomBytes, sign, verify, type KeyObject } from 'node:crypto';
import http from 'node:http';
import type { preHandlerAsyncHookHandler } from 'fastify';
import { canonicalPaymentRequestBinding, EdgePayError, type PaymentRequestBinding } from '../../core/index.ts';
import type { PaymentRequestsDeps } from './plugin.ts';

type TestUser = { userId: string; token: string; privateKey?: KeyObject; publicKey: KeyObject };

/** What a server in another process needs to stand in for the wallet: tokens, public keys, units (no private keys). */
export type TestWalletPublic = { users: { userId: string; token: string; publicKey: string }[]; units: [string, string[]][] };

export class TestWallet {
  private readonly users = new Map<string, TestUser>();
  private readonly byToken = new Map<string, TestUser>();
  private readonly units = new Map<string, string[]>();
  /** Every binding the verifier was asked about (to show it came from the database). */
  readonly verified: PaymentRequestBinding[] = [];

  addUser(userId: string, unit?: { buildingId: string; unit: string }): TestUser {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const user = { userId, token: randomBytes(24).toString('base64url'), privateKey, publicKey };
    this.users.set(userId, user);
    this.byToken.set(user.token, user);
    if (unit) {
      const key = unit.buildingId + '\u0000' + unit.unit;
      this.units.set(key, [...(this.units.get(key) ?? []), userId]);
    }
    return user;
  }

  exportPublic(): TestWalletPublic {
    return {
      users: [...this.users.values()].map((u) => ({ userId: u.userId, token: u.token, publicKey: u.publicKey.export({ type: 'spki', format: 'pem' }).toString() })),
      units: [...this.units],
    };
  }

  /** The verifier side only (a server in another process): it can check approvals, not make them. */
  static fromPublic(config: TestWalletPublic): TestWallet {
    const wallet = new TestWallet();
    for (const u of config.users) {
      const user: TestUser = { userId: u.userId, token: u.token, publicKey: createPublicKey(u.publicKey) };
      wallet.users.set(u.userId, user);
      wallet.byToken.set(u.token, user);
    }
    for (const [key, ids] of config.units) wallet.units.set(key, ids);
    return wallet;
  }

  /** Signs the user out everywhere (a revoked session): the old token is refused from now on. */
  revoke(userId: string): void {
    const user = this.users.get(userId);
    if (user) this.byToken.delete(user.token);
  }

  headers(userId: string): Record<string, string> {
    return { authorization: 'Bearer ' + this.users.get(userId)!.token };
  }

  /** What the phone sends to approve: a signature over the binding it was shown. */
  proof(userId: string, binding: PaymentRequestBinding): { method: 'passkey'; signature: string } {
    const signature = sign(null, Buffer.from(canonicalPaymentRequestBinding(binding)), this.users.get(userId)!.privateKey!);
    return { method: 'passkey', signature: signature.toString('base64url') };
  }

  deps(): PaymentRequestsDeps {
    const authenticateUser: preHandlerAsyncHookHandler = async (request) => {
      const header = request.headers.authorization ?? '';
      const user = header.startsWith('Bearer ') ? this.byToken.get(header.slice(7)) : undefined;
      if (!user) throw new EdgePayError('AUTH_REQUIRED');
      (request as typeof request & { walletUser: { userId: string } }).walletUser = { userId: user.userId };
    };
    return {
      authenticateUser,
      verifyApproval: async (userId, binding, proof) => {
        this.verified.push(binding);
        const user = this.users.get(userId);
        const p = proof as { method?: unknown; signature?: unknown } | null;
        if (!user || !p || p.method !== 'passkey' || typeof p.signature !== 'string') throw new EdgePayError('AUTH_FORBIDDEN');
        const ok = verify(null, Buffer.from(canonicalPaymentRequestBinding(binding)), user.publicKey, Buffer.from(p.signature, 'base64url'));
        if (!ok) throw new EdgePayError('AUTH_FORBIDDEN');
        return { method: 'passkey' };
      },
      approvalOptions: async (_userId, binding) => ({ challenge: Buffer.from(canonicalPaymentRequestBinding(binding)).toString('base64url') }),
      usersAtUnit: async (buildingId, unit) => this.units.get(buildingId + '\u0000' + unit) ?? [],
    };
  }
}

export type SseEvent = { id: string | undefined; event: string; data: any; at: number };

export type SseClient = {
  readonly status: number;
  /** The next event matching `pred` (events before it that do not match are dropped from the queue). */
  next(pred?: (e: SseEvent) => boolean, timeoutMs?: number): Promise<SseEvent>;
  /** Every event received so far and not yet taken by next(). */
  readonly queued: SseEvent[];
  readonly lastEventId: string | undefined;
  /** Resolves when the server ends the stream. */
  readonly ended: Promise<void>;
  /** Called for each event as it is parsed (benches: no queue, no promise per event). */
  onEvent?: (e: SseEvent) => void;
  close(): void;
};

export function openSse(url: string, headers: Record<string, string> = {}): Promise<SseClient> {
  return new Promise((resolve, reject) => {
    const queued: SseEvent[] = [];
    let waiter: { pred: (e: SseEvent) => boolean; resolve: (e: SseEvent) => void } | undefined;
    let lastEventId: string | undefined;
    const req = http.get(url, { headers: { accept: 'text/event-stream', ...headers }, agent: false }, (res) => {
      res.socket.setNoDelay(true);
      res.setEncoding('utf8');
      let buffer = '';
      const ended = new Promise<void>((done) => {
        res.on('end', done);
        res.on('close', done);
      });
      const client: SseClient = {
        status: res.statusCode ?? 0,
        queued,
        ended,
        get lastEventId() {
          return lastEventId;
        },
        next(pred = () => true, timeoutMs = 5000) {
          const i = queued.findIndex(pred);
          if (i >= 0) return Promise.resolve(queued.splice(0, i + 1).pop()!);
          queued.length = 0;
          return new Promise((res2, rej2) => {
            const timer = setTimeout(() => {
              waiter = undefined;
              rej2(new Error(`no matching SSE event within ${timeoutMs} ms`));
            }, timeoutMs);
            waiter = {
              pred,
              resolve: (e) => {
                clearTimeout(timer);
                res2(e);
              },
            };
          });
        },
        close() {
          req.destroy();
        },
      };
      res.on('data', (chunk: string) => {
        buffer += chunk;
        for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          let id: string | undefined;
          let event = 'message';
          const data: string[] = [];
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) continue;
            const colon = line.indexOf(':');
            const field = colon < 0 ? line : line.slice(0, colon);
            const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
            if (field === 'id') id = value;
            else if (field === 'event') event = value;
            else if (field === 'data') data.push(value);
          }
          if (data.length === 0) continue;
          if (id !== undefined) lastEventId = id;
          const e: SseEvent = { id, event, data: JSON.parse(data.join('\n')), at: performance.now() };
          if (client.onEvent) {
            client.onEvent(e);
            continue;
          }
          if (waiter && waiter.pred(e)) {
            const w = waiter;
            waiter = undefined;
            w.resolve(e);
          } else if (!waiter) queued.push(e);
        }
      });
      resolve(client);
    });
    req.on('error', (err) => {
      if ((err as NodeJS.ErrnoException).code !== 'ECONNRESET' && err.message !== 'socket hang up') reject(err);
    });
  });
}
