/**
 * server/wallet: users, the places they belong to, passkeys, sessions, the
 * payment password, payment methods, approval proofs and the wallet page.
 * The seam with payment requests (server/payment-requests) is what this
 * file exports; see wallet-contract.md.
 */
import type { preHandlerAsyncHookHandler } from 'fastify';
import type { ApprovalBinding, ApprovalProof } from '../../core/index.ts';
import type { Db } from '../db/index.ts';
import { approvalOptions, verifyApprovalProof } from './approval.ts';
import { requireWalletSession } from './sessions.ts';
import { usersAtUnit } from './users.ts';
import { passkeyRequiredForRequest } from './site-approval-policy.ts';

export { walletPlugin, type WalletPluginOptions } from './plugin.ts';
export { requireWalletSession, walletUserOf, revokeAllSessions, type WalletRequest, type WalletUserRef } from './sessions.ts';
export { usersAtUnit, addMembership, ensureBuilding, findUserByPhone } from './users.ts';
export { approvalOptions, verifyApprovalProof, bindingHash } from './approval.ts';
export { siteApprovalPolicy, setSiteApprovalPolicy, passkeyRequiredForRequest, type SiteApprovalPolicy } from './site-approval-policy.ts';
export { defaultPaymentMethod, listPaymentMethods, addPaymentMethod } from './payment-methods.ts';
export { setPaymentPassword, checkPaymentPassword, MAX_PASSWORD_FAILURES } from './payment-password.ts';
export { seedDemoWallet, demoUsers, DEMO_PAYMENT_PASSWORD, type DemoWallet } from './seed.ts';
export type { RelyingParty } from './config.ts';
export type { SignInLimits } from './rate-limit.ts';
export type { ApprovalBinding, ApprovalProof } from '../../core/index.ts';

/**
 * What payreq's plugin is given (paymentRequestsPlugin's injected deps), bound to one database:
 * `app.register(paymentRequestsPlugin({ db, ...walletDepsFor(db) }))`.
 * An approval needs a passkey when the request's site requires it
 * (site_approval_policies); `requirePasskey: true` requires it for every request.
 */
export function walletDepsFor(
  db: Db,
  opts: { requirePasskey?: boolean } = {},
): {
  authenticateUser: preHandlerAsyncHookHandler;
  verifyApproval: (userId: string, binding: ApprovalBinding, proof: unknown) => Promise<{ method: 'passkey' | 'password' }>;
  approvalOptions: (userId: string, binding: ApprovalBinding) => Promise<unknown>;
  usersAtUnit: (buildingId: string, unit: string) => Promise<string[]>;
} {
  return {
    authenticateUser: requireWalletSession(db),
    verifyApproval: async (userId, binding, proof) => {
      const requirePasskey = opts.requirePasskey === true || (await passkeyRequiredForRequest(db, binding.requestId));
      return verifyApprovalProof(db, userId, binding, proof as ApprovalProof, { requirePasskey });
    },
    approvalOptions: (userId, binding) => approvalOptions(db, userId, binding),
    usersAtUnit: (buildingId, unit) => usersAtUnit(db, buildingId, unit),
  };
}
