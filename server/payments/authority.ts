/**
 * The payment authority: the server decides what happens to a payment, and
 * only it writes the outcome (status, history, approval, decline reason).
 *
 * Each decision is one transaction under the payments lock of the site (see
 * replication/documents.ts), with its audit entries, and replicates down to
 * the gateways. Calls to the acquirer happen between transactions and always
 * carry the payment id as idempotency key, so a call repeated after a crash
 * can never charge twice.
 */
import {
  applyPaymentEvent,
  checkGatewayWrite,
  EdgePayError,
  findCardDataPath,
  type GatewayIdentity,
  type PaymentDoc,
  type PaymentEvent,
} from '../../core/index.ts';
import type { Db, Queryable } from '../db/db.ts';
import type { ServerCollection } from '../replication/collections.ts';
import { mutateAsServer } from '../replication/documents.ts';
import { audit } from './audit.ts';
import { deferForward, finishForward } from './forward-queue.ts';
import { AcquirerUnavailable, type AuthoriseResult, type ProcessorAdapter } from './processor.ts';

export type PaymentAuthority = ReturnType<typeof createPaymentAuthority>;

type Decision = { event: PaymentEvent; action: string };

export function createPaymentAuthority(deps: { db: Db; payments: ServerCollection; acquirer: ProcessorAdapter }) {
  const { db, payments, acquirer } = deps;
  const now = () => new Date().toISOString();

  /** Applies decisions in one transaction, with an audit entry each; `also` runs in it too. */
  async function decide(
    siteId: string,
    id: string,
    actor: string,
    idempotencyKey: string | undefined,
    decisions: (current: PaymentDoc) => Decision[] | undefined,
    also?: (tx: Queryable) => Promise<void>,
  ): Promise<PaymentDoc> {
    const result = await mutateAsServer<PaymentDoc>(db, payments, siteId, id, async (current, tx) => {
      if (!current) throw new EdgePayError('PAYMENT_NOT_FOUND', { paymentId: id });
      const list = decisions(current);
      await also?.(tx);
      if (!list || list.length === 0) return undefined;
      let next = current;
      for (const d of list) {
        next = applyPaymentEvent(next, d.event, now());
        await audit(tx, {
          actor,
          action: d.action,
          paymentId: id,
          siteId,
          ...(idempotencyKey ? { idempotencyKey } : {}),
          amount: d.event.type === 'refund' ? d.event.amount : next.amount,
          currency: next.currency,
          details: { status: next.status, ...(d.event.type === 'decline' ? { reason: d.event.reason } : {}) },
        });
      }
      return next;
    });
    return result!;
  }

  /** After the acquirer answered an authorisation: approve and capture, or decline, or expire. */
  async function settle(payment: PaymentDoc, result: AuthoriseResult | AcquirerUnavailable, actor: string, key: string, also?: (tx: Queryable) => Promise<void>) {
    if (result instanceof AcquirerUnavailable) {
      return decide(payment.siteId, payment.id, actor, key, (cur) =>
        cur.status === 'pending-approval' ? [{ event: { type: 'expire', reason: 'acquirer-' + result.kind }, action: 'payment.expired' }] : undefined,
      also);
    }
    if (result.outcome === 'declined') {
      return decide(payment.siteId, payment.id, actor, key, (cur) =>
        cur.status === 'pending-approval' || cur.status === 'forwarded'
          ? [{ event: { type: 'decline', reason: result.reason }, action: 'payment.declined' }]
          : undefined,
      also);
    }
    // A kiosk sale is captured at once (goods leave with the customer).
    const capture = await acquirer.capture({ idempotencyKey: payment.id, reference: result.reference, amount: payment.amount, currency: payment.currency });
    return decide(payment.siteId, payment.id, actor, key, (cur) => {
      if (cur.status !== 'pending-approval' && cur.status !== 'forwarded') return undefined;
      const list: Decision[] = [{ event: { type: 'approve', approvalCode: result.approvalCode }, action: 'payment.authorised' }];
      if (capture.outcome === 'done') list.push({ event: { type: 'capture' }, action: 'payment.captured' });
      return list;
    }, also);
  }

  async function callAcquirer(payment: PaymentDoc): Promise<AuthoriseResult | AcquirerUnavailable> {
    try {
      return await acquirer.authorise({
        idempotencyKey: payment.id,
        token: payment.token ?? '',
        amount: payment.amount,
        currency: payment.currency,
        merchantId: payment.siteId,
      });
    } catch (err) {
      if (err instanceof AcquirerUnavailable) return err;
      throw err;
    }
  }

  return {
    /**
     * An online card payment from a gateway: record it (if replication has not
     * brought it already), ask the acquirer, capture, and answer with the
     * payment as decided.
     */
    async authoriseOnline(writer: GatewayIdentity, payment: PaymentDoc, idempotencyKey: string): Promise<PaymentDoc> {
      const cardPath = findCardDataPath(payment);
      if (cardPath) throw new EdgePayError('CARD_DATA_REFUSED', { path: cardPath });
      const errors = payments.validate(payment as any);
      if (errors) throw new EdgePayError('SCHEMA_VALIDATION', { collection: 'payments', errors: errors.slice(0, 5) });
      const check = checkGatewayWrite(undefined, { ...payment, _deleted: false } as PaymentDoc, writer);
      if (!check.ok) throw new EdgePayError(check.code, { field: check.field });
      if (payment.offline || payment.status !== 'created') throw new EdgePayError('PAYMENT_INITIAL_STATE_INVALID', { field: 'status' });
      if (!payment.token) throw new EdgePayError('REQUEST_INVALID', { reason: 'an online card payment needs the terminal token' });

      const submitted = await mutateAsServer<PaymentDoc>(db, payments, writer.siteId, payment.id, async (current, tx) => {
        if (current) {
          // Already here through replication: it must be the same payment.
          const same = ['amount', 'currency', 'token', 'gatewayId', 'createdAt'].every((k) => (current as any)[k] === (payment as any)[k]);
          if (!same) throw new EdgePayError('IDEMPOTENCY_KEY_REUSED', { key: payment.id });
          if (current.status !== 'created') return undefined; // decided before: answer with that
        } else {
          await audit(tx, { actor: writer.gatewayId, action: 'payment.received', paymentId: payment.id, siteId: writer.siteId, idempotencyKey, amount: payment.amount, currency: payment.currency });
        }
        const next = applyPaymentEvent({ ...(current ?? payment), serverUpdatedAt: now() }, { type: 'submit' }, now());
        await audit(tx, { actor: writer.gatewayId, action: 'payment.submitted', paymentId: payment.id, siteId: writer.siteId, idempotencyKey, amount: payment.amount, currency: payment.currency });
        return next;
      });
      if (!submitted || submitted.status !== 'pending-approval') return submitted!;
      return settle(submitted, await callAcquirer(submitted), writer.gatewayId, idempotencyKey);
    },

    /**
     * Forwards one stored (offline) payment to the acquirer. Safe to repeat
     * after a crash at any point: the acquirer answers a repeated key with its
     * first answer, and the queue row goes in the transaction that records it.
     * Returns false when the acquirer could not be reached (try later).
     */
    async forwardStored(paymentId: string, siteId: string, attempts: number): Promise<boolean> {
      const forwarded = await decide(siteId, paymentId, 'server', paymentId, (cur) =>
        cur.status === 'stored' ? [{ event: { type: 'forward' }, action: 'payment.forwarded' }] : undefined,
      );
      if (forwarded.status !== 'forwarded') {
        // Decided already (by an earlier attempt that died before dequeuing).
        await db.transaction((tx) => finishForward(tx, paymentId));
        return true;
      }
      const result = await callAcquirer(forwarded);
      if (result instanceof AcquirerUnavailable) {
        await deferForward(db, paymentId, Math.min(300, 2 ** Math.min(attempts, 8)), result.message);
        return false;
      }
      await settle(forwarded, result, 'server', paymentId, (tx) => finishForward(tx, paymentId));
      return true;
    },

    /**
     * Online payments recorded at a gateway whose authorisation never reached
     * us (the link dropped between the till and the server) are expired after
     * `olderThanMinutes`: the card was tokenised but never charged.
     */
    async expireUnsubmitted(olderThanMinutes = 10): Promise<number> {
      const { rows } = await db.query<{ id: string; site_id: string }>(
        `SELECT id, site_id FROM documents WHERE collection = 'payments' AND data->>'status' = 'created'
           AND updated_at < now() - make_interval(mins => $1) LIMIT 100`,
        [olderThanMinutes],
      );
      for (const r of rows) {
        await decide(r.site_id, r.id, 'server', undefined, (cur) =>
          cur.status === 'created' ? [{ event: { type: 'expire', reason: 'not-submitted' }, action: 'payment.expired' }] : undefined,
        );
      }
      return rows.length;
    },

    async refund(writer: GatewayIdentity, paymentId: string, amount: number, idempotencyKey: string): Promise<PaymentDoc> {
      const payment = await this.get(writer, paymentId);
      const left = payment.amount - (payment.refundedAmount ?? 0);
      // Check before calling the acquirer; the transaction checks again.
      applyPaymentEvent(payment, { type: 'refund', amount }, now());
      const r = await acquirer.refund({ idempotencyKey, reference: 'sbx_' + paymentId, amount, currency: payment.currency });
      if (r.outcome !== 'done') throw new EdgePayError('PAYMENT_REFUND_INVALID', { amount, left });
      return decide(writer.siteId, paymentId, writer.gatewayId, idempotencyKey, () => [{ event: { type: 'refund', amount }, action: 'payment.refunded' }]);
    },

    async void(writer: GatewayIdentity, paymentId: string, idempotencyKey: string): Promise<PaymentDoc> {
      const payment = await this.get(writer, paymentId);
      applyPaymentEvent(payment, { type: 'void' }, now());
      await acquirer.void({ idempotencyKey, reference: 'sbx_' + paymentId, amount: payment.amount, currency: payment.currency });
      return decide(writer.siteId, paymentId, writer.gatewayId, idempotencyKey, () => [{ event: { type: 'void' }, action: 'payment.voided' }]);
    },

    async get(writer: GatewayIdentity, paymentId: string): Promise<PaymentDoc> {
      const { rows } = await db.query<{ data: PaymentDoc; site_id: string }>(
        "SELECT data, site_id FROM documents WHERE collection = 'payments' AND id = $1",
        [paymentId],
      );
      const row = rows[0];
      if (!row || row.site_id !== writer.siteId) throw new EdgePayError('PAYMENT_NOT_FOUND', { paymentId });
      return row.data;
    },
  };
}
