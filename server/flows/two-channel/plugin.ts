/**
 * The two-channel flow as one Fastify plugin (registered by server/app.ts).
 * Its secrets' key comes from the environment (EDGEPAY_OTP_KEYS, read when
 * first needed and again if it changes, or `keyring` for tests): without it the flow's routes
 * answer OTP_KEYS_MISSING and nothing is stored.
 */
import type { FastifyPluginAsync } from 'fastify';
import type { Db } from '../../db/index.ts';
import { environmentKeyring, requireKeyring, type Keyring, type OtpPolicy } from '../../otp/index.ts';
import type { PaymentAuthority } from '../../payments/index.ts';
import { CodeResolver } from './code-resolver.ts';
import { registerTwoChannelRoutes } from './routes.ts';
import { SessionWaiters } from './session-waiters.ts';

export type TwoChannelPluginOptions = {
  db: Db;
  adminToken: string;
  authority: PaymentAuthority | undefined;
  keyring?: Keyring;
  otpPolicy?: OtpPolicy;
};

export function twoChannelPlugin(opts: TwoChannelPluginOptions): FastifyPluginAsync {
  return async (app) => {
    // Read from the environment when first needed and again when it changes (a demo sets it after the server started).
    let envText: string | undefined;
    let envKeyring: Keyring | undefined;
    const getKeyring = () => {
      if (opts.keyring) return opts.keyring;
      if (process.env['EDGEPAY_OTP_KEYS'] !== envText) {
        envText = process.env['EDGEPAY_OTP_KEYS'];
        envKeyring = environmentKeyring();
      }
      return requireKeyring(envKeyring);
    };
    const resolver = new CodeResolver(opts.db, getKeyring);
    const otpPolicy = opts.otpPolicy ?? otpPolicyFromEnvironment();
    const waiters = new SessionWaiters(opts.db);
    await waiters.start();
    app.addHook('preClose', () => waiters.stop());
    registerTwoChannelRoutes(app, {
      db: opts.db,
      adminToken: opts.adminToken,
      authority: opts.authority,
      keyring: getKeyring,
      resolver,
      waiters,
      ...(otpPolicy ? { otpPolicy } : {}),
    });
  };
}

/** `EDGEPAY_OTP_LOCKOUT_SECONDS` / `EDGEPAY_OTP_MAX_FAILURES` (tests and demos shorten the lockout). */
function otpPolicyFromEnvironment(): OtpPolicy | undefined {
  const lockout = process.env['EDGEPAY_OTP_LOCKOUT_SECONDS'];
  const max = process.env['EDGEPAY_OTP_MAX_FAILURES'];
  if (!lockout && !max) return undefined;
  return {
    maxFailures: Math.min(10, Number(max ?? 5)),
    lockoutSeconds: Number(lockout ?? 900),
    throttleAfter: 3,
    throttleBaseMs: 1000,
    resyncSteps: 10,
  };
}
