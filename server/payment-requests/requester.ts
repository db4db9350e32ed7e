/**
 * Who is asking: a gateway (its enrolment credential; it acts for its site)
 * or a merchant (its own credential), from `Authorization: Bearer ...`.
 * A requester sees and cancels only its own requests: a gateway those of its
 * site (as replication gives a gateway its site's documents), a merchant its own.
 */
import { EdgePayError, type PaymentRequester } from '../../core/index.ts';
import type { Db } from '../db/index.ts';
import { authenticateGateway } from '../auth/index.ts';
import { authenticateMerchant, looksLikeMerchantCredential } from './merchants.ts';

export type AuthenticatedRequester = PaymentRequester & { gatewayId?: string };

export async function requireRequester(db: Db, authorization: string | undefined): Promise<AuthenticatedRequester> {
  const credential = authorization?.startsWith('Bearer ') ? authorization.slice(7) : '';
  if (looksLikeMerchantCredential(credential)) {
    const merchant = await authenticateMerchant(db, credential);
    if (merchant) return { kind: 'merchant', id: merchant.merchantId };
  } else {
    const gateway = await authenticateGateway(db, credential);
    if (gateway) return { kind: 'gateway', id: gateway.gatewayId, siteId: gateway.siteId, gatewayId: gateway.gatewayId };
  }
  throw new EdgePayError('AUTH_REQUIRED');
}

/** The feed a requester's outcomes go to: its site's for gateways and sites, its own for merchants. */
export function requesterFeed(requester: { kind: string; id: string; siteId?: string | null }): string {
  if (requester.kind === 'merchant') return 'merchant:' + requester.id;
  if (!requester.siteId) throw new EdgePayError('INTERNAL');
  return 'site:' + requester.siteId;
}

export const userFeed = (userId: string) => 'user:' + userId;
