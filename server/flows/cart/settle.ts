/**
 * From the shopper's answer to the gate: when a cart's request to pay is
 * approved, the server charges the shopper's payment method through the
 * payment authority (acquirer + money ledger, one payment of flow `cart`,
 * method `wallet`: the card token is looked up by the method on the server
 * and never put in the payment, which replicates to the store), and writes
 * the exit pass; a decline or expiry is written as it is.
 *
 * Woken by the requests' own notifications (the site feed's `outcome`
 * events), with a sweep each second for what a notice missed (another
 * process, a restart). Exactly one charge per checkout: the payment id is
 * fixed when the checkout starts, the row is claimed before the charge, and
 * the authority decides a payment id once (a repeat answers the first
 * decision), so a process dying mid-charge is taken over safely.
 */
import { type cartFlow, uuidV7, type PaymentDoc } from '../../../core/index.ts';
import type { Db } from '../../db/index.ts';
import type { PaymentAuthority } from '../../payments/index.ts';
import { PAYMENT_REQUESTS_CHANNEL } from '../../payment-requests/index.ts';
import { defaultPaymentMethod } from '../../wallet/index.ts';
import { CART_DETAILS_SECTION, CART_PAYMENT_METHOD } from './payment-method.ts';
import { claimForCharge, finishCheckout, pushedSession, settledRequests, type OutcomeRow } from './store.ts';

/** How long an exit pass is good for after payment. */
export const EXIT_PASS_TTL_MS = 15 * 60_000;

export type Settler = { kick(): void; stop(): Promise<void> };

export async function startSettler(deps: {
  db: Db;
  authority: PaymentAuthority;
  onChange: (sessionId: string) => void;
  log: (msg: string, err?: unknown) => void;
  sweepMs?: number;
}): Promise<Settler> {
  const { db, authority } = deps;
  const running = new Map<string, Promise<void>>();

  const settle = (requestId: string, state: string): Promise<void> => {
    const busy = running.get(requestId);
    if (busy) return busy;
    const job = (async () => {
      try {
        if (state === 'approved') await charge(requestId);
        else if (state === 'declined' || state === 'expired' || state === 'cancelled') {
          const row = await finishCheckout(db, requestId, ['pending'], { state: state === 'cancelled' ? 'failed' : state, reason: state });
          if (row) deps.onChange(row.session_id);
        }
      } catch (err) {
        deps.log('cart checkout settle failed', err);
      } finally {
        running.delete(requestId);
      }
    })();
    running.set(requestId, job);
    return job;
  };

  async function charge(requestId: string): Promise<void> {
    const row = await claimForCharge(db, requestId);
    if (!row) return;
    const end = await chargeRow(row).catch((err: unknown) => {
      deps.log('cart charge failed', err);
      return { state: 'failed' as const, reason: 'charge-error' };
    });
    const done = await finishCheckout(db, requestId, ['charging'], end);
    if (done) deps.onChange(done.session_id);
  }

  async function chargeRow(row: OutcomeRow): Promise<{ state: 'paid' | 'declined' | 'failed'; reason?: string; exitPass?: cartFlow.ExitPass }> {
    const session = await pushedSession(db, row.session_id);
    // Checked here too, for a clear reason on the cart (the method's adapter looks the token up itself).
    const method = await defaultPaymentMethod(db, row.user_id);
    if (!session || !method) return { state: 'failed', reason: method ? 'session-missing' : 'no-payment-method' };
    const now = new Date().toISOString();
    const amount = Number(row.amount);
    const payment: PaymentDoc = {
      id: row.payment_id!,
      siteId: row.site_id,
      gatewayId: row.gateway_id,
      flow: 'cart',
      amount,
      currency: row.currency as PaymentDoc['currency'],
      method: CART_PAYMENT_METHOD,
      lineItems: session.doc.items.map((l) => ({ name: l.name, quantity: l.quantity, unitAmount: l.unitAmount, lineAmount: l.amount })),
      createdAt: now,
      offline: false,
      status: 'created',
      statusHistory: [{ status: 'created', at: now, by: 'gateway' }],
      details: { [CART_DETAILS_SECTION]: { session: row.session_id } },
    };
    const decided = await authority.authoriseOnline({ siteId: row.site_id, gatewayId: row.gateway_id }, payment, row.checkout_id ?? row.payment_id!);
    if (decided.status === 'captured' || decided.status === 'authorised') {
      return {
        state: 'paid',
        exitPass: {
          id: uuidV7(),
          siteId: row.site_id,
          cartId: row.cart_id,
          sessionId: row.session_id,
          amount,
          currency: row.currency!,
          expiresAt: new Date(Date.now() + EXIT_PASS_TTL_MS).toISOString(),
        },
      };
    }
    return { state: 'declined', reason: decided.declineReason ?? decided.status };
  }

  const sweep = async () => {
    try {
      for (const r of await settledRequests(db)) await settle(r.request_id, r.state);
    } catch (err) {
      deps.log('cart checkout sweep failed', err);
    }
  };
  const unlisten = await db.listen(
    PAYMENT_REQUESTS_CHANNEL,
    (payload) => {
      try {
        const [, , event] = JSON.parse(payload) as [string, number, { type?: string; request?: { id?: string; state?: string } } | undefined];
        if (event?.type === 'outcome' && event.request?.id && event.request.state) void settle(event.request.id, event.request.state);
        else if (!event) void sweep();
      } catch {
        void sweep();
      }
    },
    () => void sweep(),
  );
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const loop = () => {
    if (stopped) return;
    timer = setTimeout(() => void sweep().finally(loop), deps.sweepMs ?? 1000);
  };
  loop();
  return {
    kick: () => void sweep(),
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await unlisten();
      await Promise.allSettled([...running.values()]);
    },
  };
}
