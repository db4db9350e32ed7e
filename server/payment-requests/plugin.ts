/**
 * The requests-to-pay context as one Fastify plugin: the requester's routes,
 * the phone's routes, the live feeds and the expiry sweeper of this process.
 * What it needs from the wallet (who is signed in, how an approval is proven,
 * who lives at a unit) is injected, so the two contexts build and migrate
 * apart (see the seam in the brief: server/wallet provides these).
 */
import type { FastifyPluginAsync, preHandlerAsyncHookHandler } from 'fastify';
import type { PaymentRequestBinding } from '../../core/index.ts';
import type { Db } from '../db/index.ts';
import { FeedHub } from './feed-hub.ts';
import { registerPhoneRoutes } from './phone-routes.ts';
import { registerRequesterRoutes } from './requester-routes.ts';
import type { UsersAtUnit, VerifyApproval } from './store.ts';
import { startSweeper } from './sweeper.ts';

export type PaymentRequestsDeps = {
  /** Sets `request.walletUser = { userId }` (and checks CSRF on POST), or refuses. */
  authenticateUser: preHandlerAsyncHookHandler;
  /** Resolves the method only if `proof` is valid for this user and this binding; throws an EdgePayError otherwise. */
  verifyApproval: VerifyApproval;
  approvalOptions: (userId: string, binding: PaymentRequestBinding) => Promise<unknown>;
  usersAtUnit: UsersAtUnit;
  /** Longest wait of the expiry sweeper between checks (default 1000 ms). */
  sweepIntervalMs?: number;
  /** Keepalive of the live streams, also when a phone's session is checked again (default 15 s). */
  keepaliveMs?: number;
};

export type PaymentRequestsPluginOptions = PaymentRequestsDeps & { db: Db };

export function paymentRequestsPlugin(opts: PaymentRequestsPluginOptions): FastifyPluginAsync {
  return async (app) => {
    const hub = new FeedHub(opts.db);
    await hub.start();
    const sweeper = startSweeper(opts.db, {
      ...(opts.sweepIntervalMs ? { maxIntervalMs: opts.sweepIntervalMs } : {}),
      onError: (err) => app.log.warn({ err }, 'payment request sweep failed'),
    });
    const keepalive = opts.keepaliveMs ? { keepaliveMs: opts.keepaliveMs } : {};
    registerRequesterRoutes(app, { db: opts.db, hub, usersAtUnit: opts.usersAtUnit, onCreated: (ttl) => sweeper.poke(ttl * 1000), ...keepalive });
    registerPhoneRoutes(app, {
      db: opts.db,
      hub,
      authenticateUser: opts.authenticateUser,
      verifyApproval: opts.verifyApproval,
      approvalOptions: opts.approvalOptions,
      ...keepalive,
    });
    // Before the HTTP server waits for open connections: live streams never end by themselves.
    app.addHook('preClose', async () => {
      await sweeper.stop();
      await hub.stop();
    });
  };
}
