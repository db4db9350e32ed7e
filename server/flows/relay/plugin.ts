/**
 * The relay flow's Fastify plugin (DESIGN.md section 1, `relay`): registries,
 * the relay and its command streams, the sandbox destinations and their doors,
 * the wallet's codes and taps, and the watchdog that settles relays past their
 * deadline by asking their destination (closed loop).
 */
import type { FastifyPluginAsync } from 'fastify';
import type { Db } from '../../db/index.ts';
import { requireWalletSession } from '../../wallet/index.ts';
import { registerRelayAdminRoutes } from './admin-routes.ts';
import type { RelayDestination } from './destinations/destination.ts';
import { createMembershipService, SANDBOX_PROGRAM } from './destinations/membership-service.ts';
import { createPaymentCodeIssuer, SANDBOX_AID, SANDBOX_ISSUER } from './destinations/payment-code-issuer.ts';
import { registerDestinationRoutes } from './destination-routes.ts';
import { registerDeviceRoutes } from './device-routes.ts';
import { RelayHub } from './hub.ts';
import { registerPhoneRoutes } from './phone-routes.ts';
import { putApp } from './registry.ts';
import { RelayService } from './relay-service.ts';
import { relay } from '../../../core/index.ts';

export type RelayPluginOptions = {
  db: Db;
  adminToken: string;
  /** A relay not final by then is settled by asking its destination (default 10 s). */
  deadlineMs?: number;
  /** How long a scan or tap waits for the final answer before answering 202 (default 12 s). */
  waitMs?: number;
  /** An unanswered command is sent again on its stream after this long (default 2 s). */
  resendMs?: number;
  /** How long a payment code lives (default 180 s). */
  codeTtlSeconds?: number;
  /** Sandbox: payment amounts ending in `minor` (of 100) make the issuer answer after `delayMs` (a destination that does not answer in time). */
  slowAmountEnding?: { minor: number; delayMs: number };
  /** Extra destinations (a real issuer's adapter, or a test's). */
  destinations?: readonly RelayDestination[];
};

export const SANDBOX_APPS = {
  pay: 'edgepay-pay',
  points: 'edgepay-points',
} as const;

export function relayPlugin(opts: RelayPluginOptions): FastifyPluginAsync {
  return async (app) => {
    const { db } = opts;
    const issuer = createPaymentCodeIssuer(db, { ...(opts.codeTtlSeconds ? { ttlSeconds: opts.codeTtlSeconds } : {}), ...(opts.slowAmountEnding ? { slowAmountEnding: opts.slowAmountEnding } : {}) });
    const membership = createMembershipService(db);
    const destinations = new Map<string, RelayDestination>([issuer, membership, ...(opts.destinations ?? [])].map((d) => [d.id, d]));
    // The sandbox apps, registered once (an operator may change them; a restart does not overwrite).
    const { rows } = await db.query('SELECT 1 FROM relay_apps LIMIT 1');
    if (rows.length === 0) {
      await putApp(db, { appId: SANDBOX_APPS.pay, label: 'EdgePay Pay', destination: issuer.id, takes: 'payment-code', matchKeys: [`barcode:${SANDBOX_ISSUER}`, `cpm:${relay.toHex(SANDBOX_AID)}`] });
      await putApp(db, { appId: SANDBOX_APPS.points, label: SANDBOX_PROGRAM.name, destination: membership.id, takes: 'membership', matchKeys: [`member:${SANDBOX_PROGRAM.program}`] });
    }
    const hub = new RelayHub(db);
    await hub.start();
    const service = new RelayService({ db, hub, destinations, ...(opts.deadlineMs ? { deadlineMs: opts.deadlineMs } : {}) });
    const streams = new Set<() => void>();
    const waitMs = opts.waitMs ?? 12_000;
    registerDeviceRoutes(app, { db, hub, service, waitMs, resendMs: opts.resendMs ?? 2_000, keepaliveMs: 15_000, streams });
    registerDestinationRoutes(app, { service, destinations });
    registerPhoneRoutes(app, { service, issuer, membership, session: requireWalletSession(db), waitMs, payAppId: SANDBOX_APPS.pay, qrAppId: SANDBOX_APPS.pay, memberAppId: SANDBOX_APPS.points });
    registerRelayAdminRoutes(app, { db, adminToken: opts.adminToken, service });

    // The watchdog: relays past their deadline are settled by their destination's answer (every process runs one; settling is idempotent).
    let stopped = false;
    let sweeping: Promise<unknown> = Promise.resolve();
    const watchdog = setInterval(() => {
      sweeping = service.settleOverdue().catch((err) => app.log.warn({ err }, 'relay watchdog failed'));
    }, 250);
    app.addHook('preClose', async () => {
      stopped = true;
      clearInterval(watchdog);
      await sweeping;
      for (const close of [...streams]) close();
      await hub.stop();
    });
    void stopped;
  };
}
