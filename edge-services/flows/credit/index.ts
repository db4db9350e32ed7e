/**
 * edge-services/flows/credit: "pay later" at the kiosk. The store is a
 * merchant of the PG like an online shop: the gateway holds the store's
 * merchant credential and ES256 key (from the operator's set-up, never in the
 * ledger) and sends the basket as a signed order through the same merchant
 * API, with one Idempotency-Key per checkout attempt. The buyer is named by
 * the phone number of their wallet; they confirm on that phone.
 *
 * Why a call and not a replicated document (README "Money requests: one
 * path"): pay later needs the server at once (the institution's decision and
 * the buyer's phone); offline the kiosk says so and offers the card. Like a
 * gateway's request to pay, the call carries its own idempotency key.
 */
import { randomBytes } from 'node:crypto';
import { CompactSign, importJWK, type JWK } from 'jose';
import { CREDIT_MESSAGE_TYPES, CREDIT_PATHS, EdgePayError, edgePayErrorFromJSON, type Basket, type CreditOrderMessage, type MerchantLoanView, type PayLaterOutcome } from '../../../core/index.ts';

export type KioskPayLaterConfig = {
  serverUrl: string;
  merchantId: string;
  /** `mc_<id>.<secret>` from POST /admin/merchants. */
  merchantCredential: string;
  /** The store's ES256 private key (its public part registered with PUT /v1/credit/merchant-key). */
  privateJwk: JWK;
  /** What the order says for delivery: the goods leave with the buyer at the kiosk. */
  storeName: string;
};

export type KioskPayLater = {
  order(basket: Basket, buyerPhone: string, instalments: number): Promise<PayLaterOutcome>;
  status(loanId: string): Promise<PayLaterOutcome>;
};

const letters = (n: number) => Array.from(randomBytes(n), (b) => String.fromCharCode(97 + (b % 26))).join('');

const outcomeOf = (l: MerchantLoanView): PayLaterOutcome => ({
  loanId: l.id,
  state: l.state,
  approvalNumber: l.approvalNumber,
  declineReason: l.declineReason,
  amount: l.amount,
  currency: l.currency,
});

export function createKioskPayLater(config: KioskPayLaterConfig): KioskPayLater {
  const key = importJWK(config.privateJwk, 'ES256');
  async function call(method: 'GET' | 'POST', path: string, body?: unknown): Promise<MerchantLoanView> {
    let res: Response;
    try {
      res = await fetch(config.serverUrl + path, {
        method,
        headers: {
          authorization: `Bearer ${config.merchantCredential}`,
          ...(body ? { 'content-type': 'application/json', 'idempotency-key': 'kiosk-' + letters(24) } : {}),
        },
        ...(body ? { body: JSON.stringify(body) } : {}),
        signal: AbortSignal.timeout(15_000),
      });
    } catch {
      throw new EdgePayError('CREDIT_SERVER_UNREACHABLE');
    }
    const json = (await res.json().catch(() => ({}))) as { loan?: MerchantLoanView };
    if (!res.ok || !json.loan) throw edgePayErrorFromJSON(json);
    return json.loan;
  }
  return {
    async order(basket, buyerPhone, instalments) {
      const items = basket.lines.map((l) => ({ name: l.name, quantity: l.quantity, amount: l.unitPrice.amount * l.quantity }));
      const message: CreditOrderMessage = {
        merchantId: config.merchantId,
        orderRef: 'kiosk-' + letters(10),
        buyer: { phone: buyerPhone },
        items,
        amount: items.reduce((a, i) => a + i.amount, 0),
        currency: basket.currency,
        delivery: { name: 'Collected at the kiosk', address: config.storeName },
        instalments: instalments as CreditOrderMessage['instalments'],
        iat: Math.floor(Date.now() / 1000),
      };
      const jws = await new CompactSign(new TextEncoder().encode(JSON.stringify(message)))
        .setProtectedHeader({ alg: 'ES256', typ: CREDIT_MESSAGE_TYPES.order, kid: config.merchantId })
        .sign(await key);
      return outcomeOf(await call('POST', CREDIT_PATHS.orders, { message: jws }));
    },
    async status(loanId) {
      return outcomeOf(await call('GET', CREDIT_PATHS.order(encodeURIComponent(loanId))));
    },
  };
}
