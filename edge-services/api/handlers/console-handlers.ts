/** The operator console's methods: sign-in, the store's state, payments, the network switch. */
import { EdgePayError, type GatewayHandlers, type PaymentDoc } from '../../../core/index.ts';
import type { OperatorSessions } from '../operator-sessions.ts';
import type { SignInCaller } from '../sign-in-client.ts';
import { stripToken, type GatewayReads, type GatewayServiceParts } from './parts.ts';

type ConsoleHandlers = Pick<
  GatewayHandlers,
  'signIn' | 'signOut' | 'overview' | 'syncStatus' | 'refusedDocuments' | 'devices' | 'payments' | 'payment' | 'declinedAfterForward' | 'site' | 'unsent' | 'network' | 'setNetwork'
>;

export function consoleHandlers(parts: GatewayServiceParts, reads: GatewayReads, sessions: OperatorSessions, afterNetworkChange: () => Promise<void>): ConsoleHandlers {
  return {
    // The transport passes who calls after the declared arguments (gateway-service.ts): wrong PINs slow down that caller only.
    signIn: async (pin: string, caller?: SignInCaller) => sessions.signIn(pin, caller),
    signOut: async (token) => sessions.signOut(token),
    overview: async () => ({
      site: await reads.siteView(),
      sync: await reads.syncView(),
      unsent: await reads.unsentSummary(),
      network: reads.networkState(),
      devices: reads.deviceRows(),
      // Counted, not read: the console polls this twice a second, whatever the backlog.
      declinedAfterForward: await reads.declinedAfterForwardCount(),
    }),
    syncStatus: () => reads.syncView(),
    refusedDocuments: async () => (await parts.sync?.refusedDocuments?.()) ?? [],
    devices: async () => reads.deviceRows(),
    async payments(filter) {
      const selector: Record<string, unknown> = {};
      if (filter.status) selector.status = filter.status;
      if (filter.offline !== undefined) selector.offline = filter.offline;
      if (filter.from || filter.to) selector.createdAt = { ...(filter.from ? { $gte: filter.from } : {}), ...(filter.to ? { $lte: filter.to } : {}) };
      const docs = await parts.db.payments.find({ selector: selector as never, sort: [{ createdAt: 'desc' }], limit: Math.min(filter.limit ?? 100, 1000) }).exec();
      return docs.map((d) => stripToken(d.toJSON() as PaymentDoc));
    },
    async payment(id) {
      const doc = await parts.db.payments.findOne(id).exec();
      if (!doc) throw new EdgePayError('PAYMENT_NOT_FOUND', { paymentId: id.slice(0, 64) });
      return stripToken(doc.toJSON() as PaymentDoc);
    },
    declinedAfterForward: async () => (await parts.kiosk.declinedAfterForward()).map(stripToken),
    site: () => reads.siteView(),
    unsent: () => reads.unsentSummary(),
    network: async () => reads.networkState(),
    async setNetwork(enabled) {
      if (!parts.network) throw new EdgePayError('GATEWAY_API_UNAVAILABLE', { reason: 'this gateway has no network switch' });
      await parts.network.setEnabled(enabled);
      // Back on: try the server now rather than at the next backoff slot (up to 30 s away).
      if (enabled) parts.sync?.syncNow?.();
      await afterNetworkChange();
      return reads.networkState();
    },
  };
}
