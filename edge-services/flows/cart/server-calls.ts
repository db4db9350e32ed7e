/**
 * The store gateway's calls to the server for carts. Each names a cart
 * session the gateway pushed (collection cart-sessions); none carries the
 * basket. A network failure is ServerUnreachable (the cart then sends the
 * shopper to a kiosk); a refusal is the server's EdgePayError.
 */
import { cartFlow, edgePayErrorFromJSON } from '../../../core/index.ts';
import { ServerUnreachable, type SyncEndpoint } from '../../../sync/index.ts';

async function call<T>(endpoint: SyncEndpoint, method: 'GET' | 'POST', path: string, body?: unknown, signal?: AbortSignal, timeoutMs = 15_000): Promise<T> {
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
  if (res.status >= 500 || json === undefined) {
    // 503 with a code of ours (e.g. the push has not arrived) is an answer, not an outage.
    if (json && typeof (json as { code?: unknown }).code === 'string' && res.status === 503) throw edgePayErrorFromJSON(json);
    throw new ServerUnreachable(`server answered ${res.status}`);
  }
  if (res.status >= 400) throw edgePayErrorFromJSON(json);
  return json as T;
}

/** Pairing and checkout of a session; with `after` and `waitS`, waits (long poll) for a newer version. */
export function sessionStatus(endpoint: SyncEndpoint, sessionId: string, wait?: { after: number; waitS: number; signal?: AbortSignal }): Promise<cartFlow.CartSessionStatus> {
  const q = wait ? `?after=${wait.after}&wait=${wait.waitS}` : '';
  return call(endpoint, 'GET', cartFlow.CART_PATHS.status(sessionId) + q, undefined, wait?.signal, wait ? (wait.waitS + 10) * 1000 : 15_000);
}

/** Asks the server to have the paired phone pay the pushed basket (idempotent: the pushed checkoutId is the key). */
export function startCheckout(endpoint: SyncEndpoint, sessionId: string, body: cartFlow.CartCheckoutBody): Promise<cartFlow.CartSessionStatus> {
  return call(endpoint, 'POST', cartFlow.CART_PATHS.checkout(sessionId), body);
}
