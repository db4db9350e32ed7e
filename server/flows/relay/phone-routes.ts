/**
 * The wallet's relay routes (a signed-in wallet user):
 *
 *   GET  /wallet/api/relay/codes           a fresh payment code (barcode and QR; the page asks again before it expires) and the membership cards
 *   POST /wallet/api/relay/taps            the phone read a terminal's id from its NFC tag: relay (terminal id, code, app id); answers when final
 *   GET  /wallet/api/relay/relays          my latest relays (what the terminals did with my codes)
 */
import type { FastifyInstance, preHandlerAsyncHookHandler } from 'fastify';
import { EdgePayError, type relay } from '../../../core/index.ts';
import type { MembershipService } from './destinations/membership-service.ts';
import type { PaymentCodeIssuer } from './destinations/payment-code-issuer.ts';
import type { RelayService } from './relay-service.ts';
import { tapBody } from './schemas.ts';

const tags = ['wallet'];

function userOf(request: unknown): string {
  const user = (request as { walletUser?: { userId?: unknown } }).walletUser;
  if (!user || typeof user.userId !== 'string') throw new EdgePayError('WALLET_SESSION_REQUIRED');
  return user.userId;
}

export function registerPhoneRoutes(
  app: FastifyInstance,
  deps: {
    service: RelayService;
    issuer: PaymentCodeIssuer;
    membership: MembershipService;
    session: preHandlerAsyncHookHandler;
    waitMs: number;
    payAppId: string;
    qrAppId: string;
    memberAppId: string;
  },
): void {
  app.get('/wallet/api/relay/codes', { preHandler: deps.session, schema: { tags } }, async (request, reply): Promise<relay.WalletRelayCodes> => {
    const userId = userOf(request);
    const code = await deps.issuer.issue(userId);
    const member = await deps.membership.memberOf(userId);
    void reply.header('cache-control', 'no-store');
    return {
      paymentCode: { appId: deps.payAppId, qrAppId: deps.qrAppId, ...code },
      memberships: [{ appId: deps.memberAppId, programName: member.programName, memberId: member.memberId, points: member.points }],
    };
  });
  app.post('/wallet/api/relay/taps', { preHandler: deps.session, schema: { tags, body: tapBody } }, async (request) => {
    userOf(request);
    const body = request.body as relay.RelayTapBody;
    const opened = await deps.service.open({ ...body, via: 'tap' });
    return { relay: await deps.service.waitFinal(opened.id, deps.waitMs) };
  });
  app.get('/wallet/api/relay/relays', { preHandler: deps.session, schema: { tags } }, async (request) => ({ relays: await deps.service.relaysOfUser(userOf(request), 10) }));
}
