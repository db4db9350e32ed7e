/**
 * The gateway as a requester of the server's requests to pay (contract in
 * core/payment-requests). The gateway makes the request's key itself (a
 * UUIDv7 it keeps with the flow that asks) and sends it as the
 * Idempotency-Key: a create retried after a lost answer, a timeout or a
 * gateway restart gets the same request, never a second one.
 *
 * The outcome comes back by replication (the `payment-requests` collection,
 * see edge-services/payment-request-outcomes), so the gateway learns it also
 * when it was offline at the time; these calls only start and withdraw.
 */
import { edgePayErrorFromJSON, IDEMPOTENCY_KEY_HEADER, PAYMENT_REQUEST_PATHS, type CreatePaymentRequestBody, type PaymentRequestResponse, type PaymentRequestView } from '../../core/index.ts';
import { ServerUnreachable, type SyncEndpoint } from '../../sync/index.ts';

async function call(endpoint: SyncEndpoint, method: 'GET' | 'POST', path: string, init: { key?: string; body?: unknown } = {}): Promise<PaymentRequestView> {
  let res: Response;
  try {
    res = await fetch(endpoint.serverUrl + path, {
      method,
      headers: {
        authorization: 'Bearer ' + endpoint.credential,
        ...(init.key === undefined ? {} : { [IDEMPOTENCY_KEY_HEADER]: init.key }),
        ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
      signal: AbortSignal.timeout(endpoint.timeoutMs ?? 30_000),
    });
  } catch (err) {
    throw new ServerUnreachable(`cannot reach ${endpoint.serverUrl}: ${(err as Error).message}`, { cause: err });
  }
  const json = await res.json().catch(() => undefined);
  if (res.status >= 500 || json === undefined) throw new ServerUnreachable(`server answered ${res.status}`);
  if (res.status >= 400) throw edgePayErrorFromJSON(json);
  return (json as PaymentRequestResponse).request;
}

/**
 * Asks the server to create a request to pay. `key` is the gateway's own id for
 * this request (keep it before calling): retrying with it is always safe.
 * Resolves the server's view (its `id` is the server's, which the replicated
 * document carries).
 */
export function createPaymentRequest(endpoint: SyncEndpoint, key: string, body: CreatePaymentRequestBody): Promise<PaymentRequestView> {
  return call(endpoint, 'POST', PAYMENT_REQUEST_PATHS.create, { key, body });
}

/** Withdraws a pending request; cancelling a cancelled one answers it again (safe to retry). */
export function cancelPaymentRequest(endpoint: SyncEndpoint, requestId: string): Promise<PaymentRequestView> {
  return call(endpoint, 'POST', PAYMENT_REQUEST_PATHS.cancel(requestId));
}

/** The request as the server holds it now (a gateway sees its site's requests). */
export function getPaymentRequest(endpoint: SyncEndpoint, requestId: string): Promise<PaymentRequestView> {
  return call(endpoint, 'GET', PAYMENT_REQUEST_PATHS.one(requestId));
}
