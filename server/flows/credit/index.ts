/**
 * server/flows/credit: pay-later credit through the payment gateway (PG) and
 * a credit institution (DESIGN.md section 1, `credit`). A Fastify plugin that
 * server/app.ts registers: the merchants' routes, the wallet's, the
 * operator's, the worker, and the ledger check of every loan. The PG talks to
 * the institution through an adapter (institution.ts); the project ships the
 * sandbox institution.
 */
import type { FastifyPluginAsync } from 'fastify';
import { CREDIT_CONFIRM_TTL_SECONDS, CREDIT_DEFAULT_APPROVAL_TTL_SECONDS, CREDIT_DEFAULT_INSTALMENT_INTERVAL_SECONDS } from '../../../core/index.ts';
import type { Db } from '../../db/index.ts';
import { findUserByPhone, usersAtUnit } from '../../wallet/index.ts';
import { normalisePhone } from '../../../core/index.ts';
import { accountOpener } from './accounts.ts';
import type { CreditContext, CreditSettings } from './context.ts';
import { createSandboxInstitution } from './institution.ts';
import { registerCreditInvariant } from './ledger-invariant.ts';
import { registerCreditRoutes } from './routes.ts';
import { createSealer, dataKeyFrom } from './sealing.ts';
import { loadOrCreateKey } from './signing.ts';
import { startCreditWorker } from './worker.ts';

export type { CreditSettings } from './context.ts';
export type { CreditInstitution } from './institution.ts';
export { creditViolations } from './ledger-invariant.ts';

export type CreditPluginOptions = {
  db: Db;
  adminToken: string;
  /** 32 bytes sealing the data that names a person (default: EDGEPAY_CREDIT_DATA_KEY, else derived from the admin token). */
  dataKey?: Buffer;
  settings?: Partial<CreditSettings>;
  /** The worker's longest pause between passes (default 500 ms). */
  workerIntervalMs?: number;
};

registerCreditInvariant();

export function creditPlugin(opts: CreditPluginOptions): FastifyPluginAsync {
  return async (app) => {
    const settings: CreditSettings = {
      approvalTtlSeconds: CREDIT_DEFAULT_APPROVAL_TTL_SECONDS,
      instalmentIntervalSeconds: CREDIT_DEFAULT_INSTALMENT_INTERVAL_SECONDS,
      feeBasisPoints: 300,
      confirmTtlSeconds: CREDIT_CONFIRM_TTL_SECONDS,
      ...opts.settings,
    };
    const sealer = createSealer(dataKeyFrom(opts));
    const pgKey = await loadOrCreateKey(opts.db, sealer, 'pg');
    // The hold outlives the authorisation a little: the worker voids it at the
    // deadline; the ledger's sweeper is the backstop.
    const institution = await createSandboxInstitution(opts.db, sealer, pgKey.publicKey, { holdSeconds: settings.approvalTtlSeconds + 60 });
    const base: Omit<CreditContext, 'nudge'> = {
      db: opts.db,
      sealer,
      pgKey,
      institution,
      institutionJwk: institution.key.publicJwk,
      settings,
      usersAtUnit: (b, u) => usersAtUnit(opts.db, b, u),
      userByPhone: async (phone) => {
        let normalised: string;
        try {
          normalised = normalisePhone(phone);
        } catch {
          return undefined;
        }
        return (await findUserByPhone(opts.db, normalised))?.id;
      },
      open: accountOpener(opts.db),
    };
    const worker = await startCreditWorker(base, { intervalMs: opts.workerIntervalMs ?? 500, onError: (err) => app.log.warn({ err }, 'credit worker pass failed') });
    registerCreditRoutes(app, { ...base, nudge: worker.nudge }, opts.adminToken);
    app.addHook('preClose', async () => worker.stop());
  };
}
