/**
 * The gateway's client of the server's payments API (contract in
 * core/server-api). It lives with the gateway's runtime, not with the storage:
 * it is a call to the server, not a replication of the ledger. Every call
 * carries an Idempotency-Key; retrying a call with the same key is always safe.
 */
import { edgePayErrorFromJSON, IDEMPOTENCY_KEY_HEADER, paymentPaths, type PaymentResponseBody, type MoneyBackNote, type RefundRequestBody } from '../../core/index.ts';
import { ServerUnreachable, type SyncEndpoint } from '../../sync/index.ts';

async function post(endpoint: SyncEndpoint, path: string, key: string, body: unknown): Promise<PaymentResponseBody> {
  let res: Response;
  try {
    res = await fetch(endpoint.serverUrl + path, {
      method: 'POST',
      headers: {
        authorization: 'Bearer ' + endpoint.credential,
        [IDEMPOTENCY_KEY_HEADER]: key,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(endpoint.timeoutMs ?? 30_000),
    });
  } catch (err) {
    throw new ServerUnreachable(`cannot reach ${endpoint.serverUrl}: ${(err as Error).message}`, { cause: err });
  }
  const json = await res.json().catch(() => undefined);
  if (res.status >= 500 || json === undefined) throw new ServerUnreachable(`server answered ${res.status}`);
  if (res.status >= 400) throw edgePayErrorFromJSON(json);
  return json as PaymentResponseBody;
}

/**
 * Asks the server to decide now a payment it already holds: the payment went
 * up by replication (README "Money requests: one path"), so the call names it
 * and carries nothing else. The payment id is the idempotency key: one
 * payment, one authorisation.
 */
export function authoriseHeldPayment(endpoint: SyncEndpoint, paymentId: string): Promise<PaymentResponseBody> {
  return post(endpoint, paymentPaths.authoriseHeld(paymentId), paymentId, undefined);
}

export function refundPayment(endpoint: SyncEndpoint, paymentId: string, amount: number, key: string, note?: MoneyBackNote): Promise<PaymentResponseBody> {
  return post(endpoint, paymentPaths.refund(paymentId), key, { amount, ...note } satisfies RefundRequestBody);
}

export function voidPayment(endpoint: SyncEndpoint, paymentId: string, key: string, note?: MoneyBackNote): Promise<PaymentResponseBody> {
  return post(endpoint, paymentPaths.void(paymentId), key, note);
}
