/** The building gateway's calls to the server's elevator routes (contract: core/flows/elevator). */
import { edgePayErrorFromJSON, ELEVATOR_PATHS, type CreateDeliveryBody, type DeliveryResponse, type DeliveryState, type DeliveryView } from '../../../core/index.ts';
import { ServerUnreachable, type SyncEndpoint } from '../../../sync/index.ts';

async function call(endpoint: SyncEndpoint, method: 'GET' | 'POST', path: string, body?: unknown, timeoutMs = 10_000): Promise<DeliveryView> {
  let res: Response;
  try {
    res = await fetch(endpoint.serverUrl + path, {
      method,
      headers: { authorization: 'Bearer ' + endpoint.credential, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(timeoutMs),
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
    follow: (id: string, after: DeliveryState, waitMs = 20_000) =>
      call(endpoint, 'GET', `${ELEVATOR_PATHS.one(id)}?after=${after}&waitMs=${waitMs}`, undefined, waitMs + 10_000),
    capture: (id: string) => call(endpoint, 'POST', ELEVATOR_PATHS.capture(id), {}),
    chargeFailed: (id: string, reason: string) => call(endpoint, 'POST', ELEVATOR_PATHS.chargeFailed(id), { reason }),
    refund: (id: string, reason: 'elevator-fault' | 'not-taken' | 'no-elevator') => call(endpoint, 'POST', ELEVATOR_PATHS.refund(id), { reason }),
    delivered: (id: string) => call(endpoint, 'POST', ELEVATOR_PATHS.delivered(id), {}),
  };
}
