/**
 * What the requests-to-pay bench needs besides the server: a stand-in for the
 * wallet (a bearer session per user, an Ed25519 key per user as the passkey:
 * the phone signs the binding, the server's injected verifier checks the
 * signature over the binding it read from its database) and an SSE reader
 * over node:http that stamps each event on arrival.
 *
 * The server's own test kit (server/payment-requests/testing.ts) has the same
 * pieces, but a bench reaches the server only through server/index.ts
 * (tests/architecture.test.ts), so these few lines are repeated here.
 */
import { generateKeyPairSync, randomBytes, sign, verify } from 'node:crypto';
import http from 'node:http';
import { canonicalPaymentRequestBinding, EdgePayError, type PaymentRequestBinding } from '../core/index.ts';
import type { AppOptions } from '../server/index.ts';

type Deps = NonNullable<AppOptions['paymentRequests']>;

export function benchWallet(userId: string, unit: { buildingId: string; unit: string }) {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const token = randomBytes(24).toString('base64url');
  const deps: Deps = {
    authenticateUser: async (request) => {
      if (request.headers.authorization !== 'Bearer ' + token) throw new EdgePayError('AUTH_REQUIRED');
      (request as typeof request & { walletUser: { userId: string } }).walletUser = { userId };
    },
    verifyApproval: async (who, binding, proof) => {
      const signature = (proof as { signature?: unknown } | null)?.signature;
      if (who !== userId || typeof signature !== 'string') throw new EdgePayError('AUTH_FORBIDDEN');
      if (!verify(null, Buffer.from(canonicalPaymentRequestBinding(binding)), publicKey, Buffer.from(signature, 'base64url'))) {
        throw new EdgePayError('AUTH_FORBIDDEN');
      }
      return { method: 'passkey' };
    },
    approvalOptions: async () => ({}),
    usersAtUnit: async (b, u) => (b === unit.buildingId && u === unit.unit ? [userId] : []),
  };
  return {
    deps,
    headers: { authorization: 'Bearer ' + token },
    proof: (binding: PaymentRequestBinding) => ({
      method: 'passkey',
      signature: sign(null, Buffer.from(canonicalPaymentRequestBinding(binding)), privateKey).toString('base64url'),
    }),
  };
}

export type ArrivedEvent = { event: string; data: any; at: number };

/** Opens an SSE stream; `onEvent` gets each event with its arrival time. Resolves once the response has started. */
export function openEventStream(url: string, headers: Record<string, string>, onEvent: (e: ArrivedEvent) => void): Promise<{ close(): void }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers: { accept: 'text/event-stream', ...headers }, agent: false }, (res) => {
      if (res.statusCode !== 200) return reject(new Error(`${url} answered ${res.statusCode}`));
      res.socket.setNoDelay(true);
      res.setEncoding('utf8');
      let buffer = '';
      res.on('data', (chunk: string) => {
        buffer += chunk;
        for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          let event = 'message';
          let data = '';
          for (const line of block.split('\n')) {
            if (line.startsWith('event: ')) event = line.slice(7);
            else if (line.startsWith('data: ')) data += line.slice(6);
          }
          if (data) onEvent({ event, data: JSON.parse(data), at: performance.now() });
        }
      });
      resolve({ close: () => req.destroy() });
    });
    req.on('error', (err) => {
      if (err.message !== 'socket hang up' && (err as NodeJS.ErrnoException).code !== 'ECONNRESET') reject(err);
    });
  });
}
