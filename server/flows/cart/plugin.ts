/**
 * The smart cart flow on the server, as one Fastify plugin:
 *
 *   POST /wallet/api/cart/pair {sessionId, code}   phone: pair with the cart whose screen shows the code
 *   GET  /wallet/api/cart[?after=&wait=]           phone: its cart's basket, live (waits for a newer version)
 *   GET  /flows/cart/sessions/:id[?after=&wait=]   store gateway: paired? checkout? (waits for a newer version)
 *   POST /flows/cart/sessions/:id/checkout {total, currency}
 *                                                   store gateway: ask the paired phone to pay the pushed basket
 *
 * The basket itself reaches the server only as the pushed `cart-sessions`
 * document (replication); calls name the session. The request to pay goes
 * to the paired shopper through server/payment-requests; settle.ts charges on
 * approval and writes the exit pass the gateway's gate checks.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyPluginAsync } from 'fastify';
import { cartFlow, EdgePayError, isUuidV7, uuidV7 } from '../../../core/index.ts';
import type { Db } from '../../db/index.ts';
import { requireGateway } from '../../auth/index.ts';
import type { ChangeHub } from '../../replication/index.ts';
import type { PaymentAuthority } from '../../payments/index.ts';
import { createPaymentRequest } from '../../payment-requests/index.ts';
import { requireWalletSession, usersAtUnit, walletUserOf } from '../../wallet/index.ts';
import { startSettler } from './settle.ts';
import { latestPairedSession, outcomeOf, pair, pushedSession, startCheckout, statusOf } from './store.ts';

export type CartFlowOptions = { db: Db; hub: ChangeHub; authority: PaymentAuthority; sweepMs?: number };

const errorResponse = { type: 'object', properties: { code: { type: 'string' }, message: { type: 'string' }, details: { type: 'object', additionalProperties: true } } } as const;
const errors = { 400: errorResponse, 401: errorResponse, 403: errorResponse, 404: errorResponse, 409: errorResponse, 422: errorResponse, 503: errorResponse };
const waitQuery = {
  type: 'object',
  additionalProperties: false,
  properties: { after: { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER }, wait: { type: 'integer', minimum: 0, maximum: 25 } },
} as const;
const sessionParams = { type: 'object', required: ['id'], properties: { id: { type: 'string', minLength: 1, maxLength: 64 } } } as const;
const security = [{ gatewayCredential: [] }];
const tags = ['cart'];

/** Longest a checkout call waits for the push that carries its session (they travel side by side). */
const SESSION_WAIT_MS = 10_000;
/** Longest a pairing waits for a new session's first push. */
const PAIR_WAIT_MS = 3_000;

/** Wakes this process's waiting long-polls at once; other processes' changes are found by polling. */
class Waiters {
  readonly #waiting = new Map<string, Set<() => void>>();
  wake(key: string): void {
    for (const w of this.#waiting.get(key) ?? []) w();
  }
  /** Resolves when `ready()` gives a value, polling every `pollMs` and on every wake, or undefined at the deadline. */
  async until<T>(key: string, waitMs: number, ready: () => Promise<T | undefined>, pollMs = 250): Promise<T | undefined> {
    const deadline = Date.now() + waitMs;
    for (;;) {
      const v = await ready();
      if (v !== undefined) return v;
      const left = deadline - Date.now();
      if (left <= 0) return undefined;
      await new Promise<void>((resolve) => {
        let set = this.#waiting.get(key);
        if (!set) this.#waiting.set(key, (set = new Set()));
        const done = () => {
          clearTimeout(t);
          set!.delete(done);
          if (set!.size === 0) this.#waiting.delete(key);
          resolve();
        };
        const t = setTimeout(done, Math.min(left, pollMs));
        set.add(done);
      });
    }
  }
  closeAll(): void {
    for (const set of this.#waiting.values()) for (const w of [...set]) w();
  }
}

function sameHash(code: string, hash: string): boolean {
  const a = createHash('sha256').update(code).digest();
  const b = Buffer.from(hash, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}

function phoneView(doc: cartFlow.CartSessionDoc): cartFlow.PhoneCartView {
  return {
    sessionId: doc.id,
    cartId: doc.cartId,
    state: doc.state,
    prompt: doc.prompt,
    items: doc.items,
    total: doc.total,
    currency: doc.currency,
    staffCallsOpen: doc.staffCalls.length,
    version: doc.version,
  };
}

export function cartFlowPlugin(opts: CartFlowOptions): FastifyPluginAsync {
  return async (app) => {
    const { db } = opts;
    const waiters = new Waiters();
    let closing = false;
    const settler = await startSettler({
      db,
      authority: opts.authority,
      onChange: (sessionId) => waiters.wake('status:' + sessionId),
      log: (msg, err) => app.log.warn({ err }, msg),
      ...(opts.sweepMs ? { sweepMs: opts.sweepMs } : {}),
    });
    const walletSession = requireWalletSession(db);
    // Replicated pushes of cart sessions wake the phones' long-polls (any server process: the hub listens).
    const unsubscribe = new Map<string, () => void>();
    const watchSite = (siteId: string) => {
      if (unsubscribe.has(siteId)) return;
      unsubscribe.set(
        siteId,
        opts.hub.subscribe({
          collection: cartFlow.CART_SESSIONS_COLLECTION,
          siteId,
          gatewayId: '',
          onChange: () => waiters.wake('site:' + siteId),
          onResync: () => waiters.wake('site:' + siteId),
          onRevoked: () => undefined,
        }),
      );
    };

    app.post(
      cartFlow.CART_PATHS.phonePair,
      {
        preHandler: walletSession,
        schema: {
          summary: "Pair the signed-in phone with a cart (the code from the cart screen's QR code)",
          tags,
          body: {
            type: 'object',
            additionalProperties: false,
            required: ['sessionId', 'code'],
            properties: { sessionId: { type: 'string', minLength: 1, maxLength: 64 }, code: { type: 'string', minLength: 16, maxLength: 128, pattern: '^[A-Za-z0-9_-]+$' } },
          },
          response: errors,
        },
      },
      async (request) => {
        const { userId } = walletUserOf(request);
        const body = request.body as cartFlow.CartPairBody;
        // A cart's new session may still be on its way up (the QR code shows at once): wait a moment for the push.
        const pushed = isUuidV7(body.sessionId) ? await waiters.until('pair:' + body.sessionId, PAIR_WAIT_MS, () => pushedSession(db, body.sessionId), 50) : undefined;
        if (!pushed) throw new EdgePayError('CART_SESSION_NOT_FOUND');
        if (!sameHash(body.code, pushed.doc.pairingHash)) throw new EdgePayError('CART_PAIRING_CODE_INVALID');
        if (pushed.doc.state !== 'shopping') throw new EdgePayError('CART_ALREADY_PAIRED');
        await pair(db, pushed.doc, userId);
        waiters.wake('status:' + pushed.doc.id);
        waiters.wake('user:' + userId);
        return { cart: phoneView(pushed.doc) };
      },
    );

    app.get(
      cartFlow.CART_PATHS.phoneCart,
      { preHandler: walletSession, schema: { summary: "The phone's cart, live (wait up to `wait` s for a version after `after`)", tags, querystring: waitQuery, response: errors } },
      async (request) => {
        const { userId } = walletUserOf(request);
        const q = request.query as { after?: number; wait?: number };
        const read = async () => {
          const sessionId = await latestPairedSession(db, userId);
          const pushed = sessionId ? await pushedSession(db, sessionId) : undefined;
          return pushed ? phoneView(pushed.doc) : null;
        };
        const first = await read();
        if (!first || q.wait === undefined || q.after === undefined || first.version > q.after) return { cart: first };
        const siteOf = await pushedSession(db, first.sessionId);
        if (siteOf) watchSite(siteOf.doc.siteId);
        const key = siteOf ? 'site:' + siteOf.doc.siteId : 'user:' + userId;
        const newer = await waiters.until(key, q.wait * 1000, async () => {
          if (closing) return null;
          const v = await read();
          return v && v.version > q.after! ? v : undefined;
        });
        return { cart: newer ?? (await read()) };
      },
    );

    app.get(
      '/flows/cart/sessions/:id',
      {
        schema: { summary: "A cart session's pairing and checkout (wait up to `wait` s for a version after `after`)", tags, security, params: sessionParams, querystring: waitQuery, response: errors },
      },
      async (request) => {
        const gw = await requireGateway(db, request.headers.authorization);
        const { id } = request.params as { id: string };
        const q = request.query as { after?: number; wait?: number };
        const read = async () => {
          const row = await outcomeOf(db, id);
          if (row && row.site_id !== gw.siteId) throw new EdgePayError('CART_SESSION_NOT_FOUND');
          return statusOf(id, row);
        };
        const first = await read();
        if (first.version === 0) {
          // Not paired yet: a session this gateway pushed may be waited on; any other id is answered at once.
          const pushed = isUuidV7(id) ? await pushedSession(db, id) : undefined;
          if (!pushed || pushed.doc.siteId !== gw.siteId) throw new EdgePayError('CART_SESSION_NOT_FOUND');
        }
        if (q.wait === undefined || q.after === undefined || first.version > q.after) return first;
        const newer = await waiters.until('status:' + id, q.wait * 1000, async () => {
          if (closing) return first;
          const s = await read();
          return s.version > q.after! ? s : undefined;
        });
        return newer ?? first;
      },
    );

    app.post(
      '/flows/cart/sessions/:id/checkout',
      {
        schema: {
          summary: "Ask the paired phone to pay the cart session's pushed basket",
          tags,
          security,
          params: sessionParams,
          body: {
            type: 'object',
            additionalProperties: false,
            required: ['checkoutId', 'total', 'currency'],
            properties: {
              checkoutId: { type: 'string', minLength: 36, maxLength: 36 },
              total: { type: 'integer', minimum: 1, maximum: Number.MAX_SAFE_INTEGER },
              currency: { type: 'string', pattern: '^[A-Z]{3}$' },
              ttlSeconds: { type: 'integer', minimum: 5, maximum: 900 },
            },
          },
          response: errors,
        },
      },
      async (request) => {
        const gw = await requireGateway(db, request.headers.authorization);
        const { id } = request.params as { id: string };
        const body = request.body as cartFlow.CartCheckoutBody;
        if (!isUuidV7(id)) throw new EdgePayError('CART_SESSION_NOT_FOUND');
        if (!isUuidV7(body.checkoutId)) throw new EdgePayError('CART_NOT_AT_CHECKOUT');
        // The push carrying the session at checkout travels beside this call: wait for it.
        const pushed = await waiters.until(
          'site:' + gw.siteId,
          SESSION_WAIT_MS,
          async () => {
            const p = await pushedSession(db, id);
            return p && p.doc.state === 'checkout' && p.doc.checkoutId === body.checkoutId ? p : undefined;
          },
          20,
        );
        watchSite(gw.siteId);
        if (!pushed) {
          const any = await pushedSession(db, id);
          if (any && any.doc.siteId !== gw.siteId) throw new EdgePayError('CART_SESSION_NOT_FOUND');
          throw new EdgePayError(any ? 'CART_NOT_AT_CHECKOUT' : 'CART_SESSION_NOT_RECEIVED');
        }
        const doc = pushed.doc;
        if (doc.siteId !== gw.siteId || doc.gatewayId !== gw.gatewayId) throw new EdgePayError('CART_SESSION_NOT_FOUND');
        if (doc.total !== body.total || doc.currency !== body.currency) throw new EdgePayError('CART_TOTAL_MISMATCH');
        const row = await outcomeOf(db, id);
        if (!row) throw new EdgePayError('CART_NOT_PAIRED');
        // The same checkout asked again (a retry): answer how it stands.
        if (row.checkout_id === doc.checkoutId) return statusOf(id, row);
        if (row.checkout_state === 'pending' || row.checkout_state === 'charging' || row.checkout_state === 'paid') throw new EdgePayError('CART_NOT_AT_CHECKOUT');
        const site = await db.query<{ data: { name?: string } }>("SELECT data FROM documents WHERE collection = 'sites' AND id = $1", [gw.siteId]);
        const request_ = await createPaymentRequest(
          db,
          { kind: 'gateway', id: gw.gatewayId, siteId: gw.siteId },
          {
            to: { userId: row.user_id },
            amount: doc.total,
            currency: doc.currency,
            payee: { id: gw.siteId, name: site.rows[0]?.data.name ?? gw.siteId },
            items: doc.items.map((l) => ({ name: l.name, quantity: l.quantity, amount: l.amount })),
            place: `Smart cart ${doc.cartId}`,
            ttlSeconds: body.ttlSeconds ?? 120,
          },
          (b, u) => usersAtUnit(db, b, u),
        );
        await startCheckout(db, id, { checkoutId: doc.checkoutId!, requestId: request_.id, amount: doc.total, currency: doc.currency, paymentId: uuidV7() });
        waiters.wake('status:' + id);
        return statusOf(id, await outcomeOf(db, id));
      },
    );

    app.addHook('preClose', async () => {
      closing = true;
      waiters.closeAll();
      for (const off of unsubscribe.values()) off();
      await settler.stop();
    });
  };
}
