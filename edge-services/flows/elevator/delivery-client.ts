/** The building gateway's calls to the server's elevator routes (contract: core/flows/elevator). */
import {
  edgePayErrorFromJSON,
  ELEVATOR_PATHS,
  type CreateDeliveryBody,
  type DeliveryProgressBody,
  type DeliveryProgressStage,
  type DeliveryResponse,
  type DeliveryState,
  type DeliveryView,
  type RefundReason,
} from '../../../core/index.ts';
import { ServerUnreachable, type SyncEndpoint } from '../../../sync/index.ts';

async function call(endpoint: SyncEndpoint, method: 'GET' | 'POST', path: string, body?: unknown, timeoutMs = 10_000, signal?: AbortSignal): Promise<DeliveryView> {
  let res: Response;
  try {
    res = await fetch(endpoint.serverUrl + path, {
      method,
      headers: { authorization: 'Bearer ' + endpoint.credential, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: signal ? AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]) : AbortSignal.timeout(timeoutMs),
    });
  } catch (err) {
    throw new ServerUnreachable(`cannot reach ${endpoint.serverUrl}: ${(err as Error).message}`, { cause: err });
  }
  const json = await res.json().catch(() => undefined);
  if (res.status >= 500 || json === undefined) throw new ServerUnreachable(`server answered ${res.status}`);
  if (res.status >= 400) throw edgePayErrorFromJSON(json);
  return (json as DeliveryResponse).delivery;
}

export type DeliveryClient = ReturnType<typeof deliveryClient>;

export function deliveryClient(endpoint: SyncEndpoint) {
  return {
    create: (body: CreateDeliveryBody) => call(endpoint, 'POST', ELEVATOR_PATHS.deliveries, body, 5_000),
    /** Answers when the delivery is no longer in `after` (or after waitMs with it unchanged). */
    follow: (id: string, after: DeliveryState, waitMs = 20_000, progress?: DeliveryProgressStage, signal?: AbortSignal) =>
      call(endpoint, 'GET', `${ELEVATOR_PATHS.one(id)}?after=${after}${progress ? `&progress=${progress}` : ''}&waitMs=${waitMs}`, undefined, waitMs + 10_000, signal),
    capture: (id: string) => call(endpoint, 'POST', ELEVATOR_PATHS.capture(id), {}),
    chargeFailed: (id: string, reason: string) => call(endpoint, 'POST', ELEVATOR_PATHS.chargeFailed(id), { reason }),
    refund: (id: string, reason: RefundReason) => call(endpoint, 'POST', ELEVATOR_PATHS.refund(id), { reason }),
    /** Where the goods are (for the orderer's wallet). */
    progress: (id: string, body: DeliveryProgressBody) => call(endpoint, 'POST', ELEVATOR_PATHS.progress(id), body, 5_000),
    delivered: (id: string) => call(endpoint, 'POST', ELEVATOR_PATHS.delivered(id), {}),
  };
}
