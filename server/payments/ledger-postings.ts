/**
 * A payment's money in the ledger (server/ledger): the transfers each
 * decision of the payment authority implies, created in the transaction that
 * writes the decision, so the payment's state and its transfers commit
 * together or not at all. Transfer ids derive from the payment, so a decision
 * retried after a crash or a rolled-back transaction makes the same transfers
 * (the ledger answers `exists` for one made before).
 *
 *   approve  pending  payment:<id>:authorise   source -> destination, the amount,
 *                                                timeout = the method's authorisation validity
 *   capture  post     payment:<id>:capture     the authorisation, whole (the state
 *                                                machine captures whole; a partial capture
 *                                                would pass a smaller amount here)
 *   void     void     payment:<id>:void        the authorisation
 *   expire   void     payment:<id>:expire      an authorisation that lapsed, unless the
 *                                                ledger's sweeper voided it already
 *                                                (`timeout:payment:<id>:authorise`)
 *   refund   posted   payment:<id>:refund:<n>  destination -> source, the refunded amount
 *                                                (n: the payment's n-th refund)
 *   submit, forward, decline, and expire before any authorisation: no money moved.
 *
 * An offline (stored) payment owes nothing until the acquirer approves it:
 * the till accepted the customer's card, but the issuer has not, and the
 * acquirer may still decline it. So a stored or forwarded payment has no
 * transfer; approved after forwarding it is authorised (and captured) like an
 * online one, and declined it never had any. What the gateways hold in
 * stored payments is reported from the payments themselves (the unsent
 * summary), not from the ledger.
 */
import { EdgePayError, type PaymentDoc, type PaymentEvent } from '../../core/index.ts';
import type { Queryable } from '../db/index.ts';
import { createTransfers, openAccount, type TransferInput } from '../ledger/index.ts';
import type { PaymentMethodDeclaration, PaymentMoneyPath } from './methods/index.ts';
import { cardMoneyPath } from './methods/index.ts';

/** Card schemes' usual hold: an authorisation lapses after 7 days unless captured. */
export const DEFAULT_AUTHORISATION_VALIDITY_SECONDS = 7 * 24 * 3600;

export const paymentReference = (paymentId: string): string => `payment:${paymentId}`;
export const authorisationTransferId = (paymentId: string): string => `payment:${paymentId}:authorise`;
/** The id the ledger's sweeper gives the void of a lapsed authorisation. */
export const lapsedAuthorisationTransferId = (paymentId: string): string => `timeout:${authorisationTransferId(paymentId)}`;

/** One decision of the authority: the payment before it, and the event. */
export type PaymentStep = { before: PaymentDoc; event: PaymentEvent };

type MoneyMethod = Pick<PaymentMethodDeclaration, 'moneyPath' | 'authorisationValiditySeconds'> | undefined;

export function moneyPathOf(method: MoneyMethod, payment: PaymentDoc): PaymentMoneyPath {
  return method?.moneyPath?.(payment) ?? cardMoneyPath(payment);
}

/** Whether the authorisation's pending transfer was resolved already, and how. */
async function resolutionOf(tx: Queryable, paymentId: string): Promise<string | undefined> {
  const { rows } = await tx.query<{ kind: string }>('SELECT kind FROM ledger_transfers WHERE pending_id = $1', [authorisationTransferId(paymentId)]);
  return rows[0]?.kind;
}

/** Submit, forward and decline move no money: no money path is asked for them. */
function movesMoney(steps: readonly PaymentStep[]): boolean {
  return steps.some((s) => s.event.type === 'approve' || s.event.type === 'capture' || s.event.type === 'void' || s.event.type === 'expire' || s.event.type === 'refund');
}

/** A step's transfers when they depend on the step alone; 'ledger' when the ledger must be read first (a void or expiry of an authorisation). */
function transfersOfStep(step: PaymentStep, path: PaymentMoneyPath, validitySeconds: number): TransferInput[] | 'ledger' {
  const { before: p, event } = step;
  const reference = paymentReference(p.id);
  const pendingId = authorisationTransferId(p.id);
  switch (event.type) {
    case 'approve':
      return [
        {
          id: pendingId,
          kind: 'pending',
          debitAccountId: path.source.id,
          creditAccountId: path.destination.id,
          amount: p.amount,
          currency: p.currency,
          code: 'authorise',
          reference,
          timeoutSeconds: validitySeconds,
        },
      ];
    case 'capture':
      return [{ id: `payment:${p.id}:capture`, kind: 'post_pending', pendingId, amount: p.amount, code: 'capture', reference }];
    case 'void':
    case 'expire':
      // Only an authorisation holds money; an expired unsubmitted or unanswered payment never did.
      return p.status === 'authorised' ? 'ledger' : [];
    case 'refund': {
      const earlier = p.statusHistory.filter((h) => h.status === 'partially-refunded' || h.status === 'refunded').length;
      return [
        {
          id: `payment:${p.id}:refund:${earlier + 1}`,
          kind: 'posted',
          debitAccountId: path.destination.id,
          creditAccountId: path.source.id,
          amount: event.amount,
          currency: p.currency,
          code: 'refund',
          reference,
        },
      ];
    }
    default:
      return [];
  }
}

async function transfersOf(tx: Queryable, step: PaymentStep, path: PaymentMoneyPath, validitySeconds: number): Promise<TransferInput[]> {
  const planned = transfersOfStep(step, path, validitySeconds);
  if (planned !== 'ledger') return planned;
  const { before: p, event } = step;
  // The sweeper voids a lapsed authorisation before the payment follows (expireLapsedAuthorisations):
  // the money is released already, and a void or expire after it changes nothing in the ledger.
  if ((await resolutionOf(tx, p.id)) === 'void_pending') return [];
  return [{ id: `payment:${p.id}:${event.type}`, kind: 'void_pending', pendingId: authorisationTransferId(p.id), code: event.type, reference: paymentReference(p.id) }];
}

/**
 * The transfers of `steps` as postPaymentTransfers would create them (one
 * linked chain), when they can be known without reading the ledger (every
 * step but the void or expiry of an authorisation): for the authority's
 * batched decisions (decision-batches.ts). Undefined otherwise.
 */
export function plannedPaymentTransfers(steps: readonly PaymentStep[], method: MoneyMethod): TransferInput[] | undefined {
  if (!movesMoney(steps)) return [];
  const path = moneyPathOf(method, steps[0]!.before);
  const validity = method?.authorisationValiditySeconds ?? DEFAULT_AUTHORISATION_VALIDITY_SECONDS;
  const transfers: TransferInput[] = [];
  for (const step of steps) {
    const planned = transfersOfStep(step, path, validity);
    if (planned === 'ledger') return undefined;
    transfers.push(...planned);
  }
  return transfers.map((t, i) => ({ ...t, linked: i < transfers.length - 1 }));
}

/**
 * Creates the transfers of `steps` (the decisions of one authority
 * transaction, in order) in `tx`, as one linked chain: all or none. Opens the
 * method's accounts when the ledger does not know them yet (first payment of
 * a site and currency). Throws the ledger's EdgePayError when a transfer is
 * refused, which rolls the decision back with it.
 */
export async function postPaymentTransfers(tx: Queryable, steps: readonly PaymentStep[], method: MoneyMethod): Promise<void> {
  if (!movesMoney(steps)) return;
  const payment = steps[0]!.before;
  const path = moneyPathOf(method, payment);
  const validity = method?.authorisationValiditySeconds ?? DEFAULT_AUTHORISATION_VALIDITY_SECONDS;
  const transfers: TransferInput[] = [];
  for (const step of steps) transfers.push(...(await transfersOf(tx, step, path, validity)));
  if (transfers.length === 0) return;
  const chain = transfers.map((t, i) => ({ ...t, linked: i < transfers.length - 1 }));
  let results = await createTransfers(tx, chain);
  if (results.some((r) => !r.ok && r.code === 'LEDGER_ACCOUNT_NOT_FOUND')) {
    // Tried first and opened on a miss: a known account costs no extra round trip on the hot path.
    await openAccount(tx, path.source);
    await openAccount(tx, path.destination);
    results = await createTransfers(tx, chain);
  }
  const failed = results.find((r) => !r.ok && r.code !== 'LEDGER_LINKED_EVENT_FAILED') ?? results.find((r) => !r.ok);
  if (failed && !failed.ok) throw new EdgePayError(failed.code, { ...failed.details, transferId: failed.id });
}
