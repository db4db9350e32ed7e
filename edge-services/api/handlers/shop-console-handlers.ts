/**
 * The shop-ready console (issue 26): "sync now" and the backlog's history,
 * refunds and voids through the server with a reason and the operator's name
 * (kept in the server's audit log), the catalogue and the offline limits
 * edited through the server (their one writer; the result replicates back),
 * and the end-of-day report.
 */
import {
  EdgePayError,
  edgePayErrorFromJSON,
  endOfDayReport,
  siteEditPaths,
  uuidV7,
  type GatewayHandlers,
  type OfflineLimitsResponse,
  type PaymentDoc,
  type ProductDoc,
  type ProductEditResponse,
} from '../../../core/index.ts';
import { ServerUnreachable, type SyncEndpoint } from '../../../sync/index.ts';
import { refundPayment, voidPayment } from '../../server-client/index.ts';
import { stripToken, type GatewayReads, type GatewayServiceParts } from './parts.ts';

type ShopConsoleHandlers = Pick<GatewayHandlers, 'syncNow' | 'syncBacklog' | 'refundPayment' | 'voidPayment' | 'catalogue' | 'saveProduct' | 'setOfflineLimits' | 'endOfDay'>;

async function put<T>(endpoint: SyncEndpoint, path: string, body: unknown): Promise<T> {
  let res: Response;
  try {
    res = await fetch(endpoint.serverUrl + path, {
      method: 'PUT',
      headers: { authorization: 'Bearer ' + endpoint.credential, 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(endpoint.timeoutMs ?? 15_000),
    });
  } catch (err) {
    throw new ServerUnreachable(`cannot reach ${endpoint.serverUrl}: ${(err as Error).message}`, { cause: err });
  }
  const json = await res.json().catch(() => undefined);
  if (res.status >= 500 || json === undefined) throw new ServerUnreachable(`server answered ${res.status}`);
  if (res.status >= 400) throw edgePayErrorFromJSON(json);
  return json as T;
}

export function shopConsoleHandlers(parts: GatewayServiceParts, reads: GatewayReads, afterSync: () => Promise<void>): ShopConsoleHandlers {
  const server = (): SyncEndpoint => {
    if (!parts.server) throw new EdgePayError('GATEWAY_API_UNAVAILABLE', { reason: 'this gateway has no server' });
    return parts.server;
  };
  /** A call the server must answer now: offline is said at once, not after a timeout. */
  const online = async <T>(call: () => Promise<T>): Promise<T> => {
    try {
      return await call();
    } catch (err) {
      if (err instanceof ServerUnreachable) throw new EdgePayError('CHECKOUT_SERVER_UNREACHABLE', undefined, { cause: err });
      throw err;
    }
  };
  /** The server's answer (the ledger gets it by replication a moment later); never the card token. */
  const keep = (payment: PaymentDoc): PaymentDoc => stripToken(payment);
  return {
    async syncNow() {
      parts.sync?.syncNow?.();
      await afterSync();
      return reads.syncView();
    },
    syncBacklog: async () => reads.backlog(),
    refundPayment: async (paymentId, amount, reason, operator) => keep((await online(() => refundPayment(server(), paymentId, amount, uuidV7(), { reason, operator }))).payment),
    voidPayment: async (paymentId, reason, operator) => keep((await online(() => voidPayment(server(), paymentId, uuidV7(), { reason, operator }))).payment),
    async catalogue() {
      const docs = await parts.db.products.find({ selector: { siteId: parts.siteId }, sort: [{ sku: 'asc' }] }).exec();
      return docs.map((d) => d.toJSON() as ProductDoc);
    },
    async saveProduct(productId, product) {
      const edit = Object.fromEntries(Object.entries(product).filter(([, v]) => v !== undefined));
      return (await online(() => put<ProductEditResponse>(server(), siteEditPaths.product(productId), edit))).product;
    },
    async setOfflineLimits(limits) {
      await online(() => put<OfflineLimitsResponse>(server(), siteEditPaths.offlineLimits(), limits));
      parts.sync?.syncNow?.();
      return { ...(await reads.siteView()), offlineLimits: limits };
    },
    async endOfDay(date) {
      const site = await reads.siteDoc();
      const timeZone = site?.timezone ?? 'UTC';
      // The day's payments, with a day's margin either side for the time zone.
      const from = new Date(Date.parse(date + 'T00:00:00Z') - 86_400_000).toISOString();
      const to = new Date(Date.parse(date + 'T00:00:00Z') + 2 * 86_400_000).toISOString();
      const docs = await parts.db.payments.find({ selector: { createdAt: { $gte: from, $lte: to } } as never }).exec();
      return endOfDayReport(
        docs.map((d) => d.toJSON() as PaymentDoc),
        date,
        timeZone,
      );
    },
  };
}
