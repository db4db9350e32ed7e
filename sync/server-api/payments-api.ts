/**
 * The payments API between a gateway and the server (server/payments/routes.ts):
 * the typed contract and the gateway's client. Every call carries an
 * Idempotency-Key; retrying a call with the same key is always safe.
 *
 *   POST /payments/authorise       {payment}  → {payment}   (authorised and captured, declined or expired)
 *   POST /payments/{id}/refund     {amount}   → {payment}
 *   POST /payments/{id}/void                  → {payment}
 */
import { edgePayErrorFromJSON, type PaymentDoc } from '../../core/index.ts';
import { ServerUnreachable, type SyncEndpoint } from '../replication/http-client.ts';

export type AuthoriseRequestBody = { payment: PaymentDoc };
export type RefundRequestBody = { amount: number };
export type PaymentResponseBody = { payment: PaymentDoc };

async function post(endpoint: SyncEndpoint, path: string, key: string, body: unknown): Promise<PaymentResponseBody> {
  let res: Response;
  try {
    res = await fetch(endpoint.serverUrl + path, {
      method: 'POST',
      headers: {
        authorization: 'Bearer ' + endpoint.credential,
        'idempotency-key': key,
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

export function authorisePayment(endpoint: SyncEndpoint, payment: PaymentDoc): Promise<PaymentResponseBody> {
  // The payment id is the idempotency key: one payment, one authorisation.
  return post(endpoint, '/payments/authorise', payment.id, { payment } satisfies AuthoriseRequestBody);
}

export function refundPayment(endpoint: SyncEndpoint, paymentId: string, amount: number, key: string): Promise<PaymentResponseBody> {
  return post(endpoint, `/payments/${encodeURIComponent(paymentId)}/refund`, key, { amount } satisfies RefundRequestBody);
}

export function voidPayment(endpoint: SyncEndpoint, paymentId: string, key: string): Promise<PaymentResponseBody> {
  return post(endpoint, `/payments/${encodeURIComponent(paymentId)}/void`, key, undefined);
}
