/**
 * The payment authority: the server decides what happens to a payment, and
 * only it writes the outcome (status, history, approval, decline reason).
 *
 * Each decision is one transaction under the payments lock of the site (see
 * replication/documents.ts), with its audit entries, and replicates down to
 * the gateways. Calls to the processor happen between transactions and always
 * carry the payment id as idempotency key, so a call repeated after a crash
 * can never charge twice.
 *
 * Nothing here is specific to a payment method: the payment's method
 * declaration (methods/) says what it needs and through which adapter it
 * authorises, captures, voids and refunds. The processor's reference of an
 * authorisation is kept on the payment (`processorReference`) for the
 * follow-ups.
 *
 * Every decision posts its money to the ledger (ledger-postings.ts) in the
 * same transaction, through the accounts the payment's method names: the
 * payment's state and its transfers commit together or not at all, and
 * `payments-match-transfers` (ledger-invariant.ts) checks they agree.
 */
import {
  applyPaymentEvent,
  checkGatewayWrite,
  EdgePayError,
  findCardDataPath,
  isUuidV7,
  isEdgePayError,
  jsonEqual,
  type GatewayIdentity,
  type MoneyBackNote,
  type PaymentDoc,
  type PaymentEvent,
} from '../../core/index.ts';
import type { Db, Queryable } from '../db/index.ts';
import type { ServerCollection } from '../replication/index.ts';
import { mutateAsServer, refuseOwnWrite } from '../replication/index.ts';
import { openAccount, transferWire } from '../ledger/index.ts';
import { audit, type AuditEntry } from './audit.ts';
import { DecisionBatches } from './decision-batches.ts';
import { moneyPathOf, plannedPaymentTransfers, postPaymentTransfers, type PaymentStep } from './ledger-postings.ts';
import './ledger-invariant.ts';
import { deferForward, finishForward } from './forward-queue.ts';
import { AcquirerUnavailable, type AuthoriseResult, type ProcessorAdapter } from './processor.ts';
import { BUILT_IN_PAYMENT_METHODS, createPaymentMethods, type PaymentMethod, type PaymentMethodDeclaration } from './methods/index.ts';

export type PaymentAuthority = ReturnType<typeof createPaymentAuthority>;

/** `note`: who asked and why (refunds and voids from the console), kept in the audit entry's details. */
type Decision = { event: PaymentEvent; action: string; note?: MoneyBackNote };

/** What a decision writes: the payment's next state, its audit entries, and the steps whose money the ledger gets. */
type Plan = { next: PaymentDoc; audits: AuditEntry[]; steps: PaymentStep[] };
/** Decides on the payment as it is (undefined: not here); undefined: nothing to write. May throw the refusal. */
type Planner = (current: PaymentDoc | undefined) => Plan | undefined;
/** A payment as this process last read or wrote it: its state and seq (null: it was not there). */
type Known = { doc: PaymentDoc | undefined; seq: number | null };

/**
 * A money-back decision (refund, void) made at most once per idempotency key.
 * The routes' idempotency (idempotency.ts) answers a repeated key from the
 * stored answer, but that answer is written after the decision commits: lost
 * (the process died in between, or PostgreSQL lost its asynchronous commit),
 * the next request with the key runs the work again once the claim's lease
 * lapses. Authorisations are safe then (a decided payment is answered as it
 * is); a second refund would pay back twice. So the decision itself looks
 * for its audit entry under the key (audit_log, the payment's index) and, if
 * it is there, changes nothing and answers the payment as it is.
 */
type OnceUnder = { action: 'payment.refunded' | 'payment.voided'; key: string; actor: string };

async function decidedUnder(q: Queryable, paymentId: string, once: OnceUnder): Promise<boolean> {
  // The actor too: the routes' keys are scoped per gateway.
  const { rows } = await q.query('SELECT 1 FROM audit_log WHERE payment_id = $1 AND action = $2 AND idempotency_key = $3 AND actor = $4 LIMIT 1', [paymentId, once.action, once.key, once.actor]);
  return rows.length > 0;
}

/** How long a decide-now call waits for the replication push that carries its payment (they travel side by side). */
export const DEFAULT_HELD_WAIT_MS = 10_000;

export function createPaymentAuthority(deps: {
  db: Db;
  payments: ServerCollection;
  acquirer: ProcessorAdapter;
  /** The payment methods this server takes (default: the built-in ones). */
  methods?: readonly PaymentMethodDeclaration[];
}) {
  const { db, payments, acquirer } = deps;
  const methods = createPaymentMethods(deps.methods ?? BUILT_IN_PAYMENT_METHODS, { db, acquirer });
  const now = () => new Date().toISOString();

  /** Group commit of decisions per site (decision-batches.ts). */
  const batches = new DecisionBatches(db, payments.name);
  /** Ledger accounts this process knows to exist (accounts are never deleted). */
  const openedAccounts = new Set<string>();

  /** The decisions `decisions` makes on the current payment, as a plan: each with its audit entry. */
  function planOf(siteId: string, id: string, actor: string, idempotencyKey: string | undefined, decisions: (current: PaymentDoc) => Decision[] | undefined): Planner {
    return (current) => {
      if (!current) throw new EdgePayError('PAYMENT_NOT_FOUND', { paymentId: id });
      const list = decisions(current);
      if (!list || list.length === 0) return undefined;
      let next = current;
      const steps: PaymentStep[] = [];
      const audits: AuditEntry[] = [];
      for (const d of list) {
        steps.push({ before: next, event: d.event });
        next = applyPaymentEvent(next, d.event, now());
        audits.push({
          actor,
          action: d.action,
          paymentId: id,
          siteId,
          ...(idempotencyKey ? { idempotencyKey } : {}),
          amount: d.event.type === 'refund' ? d.event.amount : next.amount,
          currency: next.currency,
          details: {
            status: next.status,
            ...(d.event.type === 'decline' ? { reason: d.event.reason } : {}),
            ...(d.note?.reason ? { reason: d.note.reason } : {}),
            ...(d.note?.operator ? { operator: d.note.operator } : {}),
          },
        });
      }
      return { next, audits, steps };
    };
  }

  /**
   * The locked path: one transaction under the site's payments lock reads the
   * payment, plans, writes it with its audit entries and transfers; `also`
   * runs in it too. Returns the payment as written (or as it is, when the
   * plan wrote nothing).
   */
  async function writeLocked(siteId: string, id: string, planner: Planner, also?: (tx: Queryable) => Promise<void>, onceUnder?: OnceUnder): Promise<PaymentDoc | undefined> {
    return mutateAsServer<PaymentDoc>(db, payments, siteId, id, async (current, tx) => {
      // Made already under this key (read under the site's lock, so two at once cannot both miss it).
      if (onceUnder && (await decidedUnder(tx, id, onceUnder))) return undefined;
      const plan = planner(current);
      await also?.(tx);
      if (!plan) return undefined;
      for (const entry of plan.audits) await audit(tx, entry);
      // Last in the transaction: the accounts' row locks are then held only until the commit.
      await postPaymentTransfers(tx, plan.steps, methods.find(plan.steps[0]!.before.method));
      return plan.next;
    });
  }

  /** The payment as the database holds it now, with its seq (no lock). */
  async function readKnown(siteId: string, id: string): Promise<Known | undefined> {
    const { rows } = await db.query<{ data: PaymentDoc; site_id: string; deleted: boolean; seq: string | number }>(
      "SELECT data, site_id, deleted, seq FROM documents WHERE collection = 'payments' AND id = $1",
      [id],
    );
    const row = rows[0];
    if (!row) return { doc: undefined, seq: null };
    if (row.site_id !== siteId || row.deleted) return undefined; // the locked path says why
    return { doc: row.data, seq: Number(row.seq) };
  }

  /**
   * Plans on the payment as this process knows it and writes the plan in its
   * site's next batch (group commit, decision-batches.ts); the batch writes it
   * only if the payment is still as known. Anything the batch cannot take (a
   * plan that needs the ledger read, a payment changed meanwhile, a batch the
   * database refused) is decided again on the locked path, which reads the
   * payment under the lock. Returns the payment as written, with its seq when
   * the batch wrote it.
   */
  async function write(siteId: string, id: string, known: Known | undefined, planner: Planner): Promise<{ doc: PaymentDoc | undefined; seq?: number }> {
    known ??= await readKnown(siteId, id);
    let plan: Plan | undefined;
    try {
      plan = known ? planner(known.doc) : undefined;
    } catch {
      plan = undefined; // judged on what we knew: the locked path judges on what is
    }
    if (known && plan) {
      const method = methods.find(plan.steps[0]!.before.method);
      const transfers = plannedPaymentTransfers(plan.steps, method);
      if (transfers) {
        refuseOwnWrite(payments, plan.next);
        if (transfers.length > 0) await openAccounts(moneyPathOf(method, plan.next));
        const outcome = await batches.write({ siteId, id, expect: known.seq, data: plan.next, audit: plan.audits, transfers: transfers.map(transferWire) });
        if (typeof outcome === 'object') return { doc: plan.next, seq: outcome.seq };
      }
    }
    return { doc: await writeLocked(siteId, id, planner) };
  }

  /** Opens a payment's accounts once per process (idempotent); a refusal is left to the locked path's transfers. */
  async function openAccounts(path: ReturnType<typeof moneyPathOf>): Promise<void> {
    for (const account of [path.source, path.destination]) {
      if (openedAccounts.has(account.id)) continue;
      const opened = await openAccount(db, account).then(
        () => true,
        () => false,
      );
      if (opened) openedAccounts.add(account.id);
    }
  }

  /** Applies decisions on the locked path, with an audit entry each; `also` runs in its transaction too. */
  async function decide(
    siteId: string,
    id: string,
    actor: string,
    idempotencyKey: string | undefined,
    decisions: (current: PaymentDoc) => Decision[] | undefined,
    also?: (tx: Queryable) => Promise<void>,
    onceUnder?: OnceUnder,
  ): Promise<PaymentDoc> {
    return (await writeLocked(siteId, id, planOf(siteId, id, actor, idempotencyKey, decisions), also, onceUnder))!;
  }

  /** Applies decisions through the site's batch when nothing else has to run with them (see write()). */
  async function decideBatched(
    payment: PaymentDoc,
    known: Known | undefined,
    actor: string,
    idempotencyKey: string | undefined,
    decisions: (current: PaymentDoc) => Decision[] | undefined,
    also?: (tx: Queryable) => Promise<void>,
  ): Promise<PaymentDoc> {
    if (also) return decide(payment.siteId, payment.id, actor, idempotencyKey, decisions, also);
    return (await write(payment.siteId, payment.id, known, planOf(payment.siteId, payment.id, actor, idempotencyKey, decisions))).doc!;
  }

  /** After the processor answered an authorisation: approve (and capture, if the method does), or decline, or expire. */
  async function settle(method: PaymentMethod, payment: PaymentDoc, result: AuthoriseResult | AcquirerUnavailable, actor: string, key: string, also?: (tx: Queryable) => Promise<void>, known?: Known) {
    if (result instanceof AcquirerUnavailable) {
      return decideBatched(
        payment,
        known,
        actor,
        key,
        (cur) => (cur.status === 'pending-approval' ? [{ event: { type: 'expire', reason: 'acquirer-' + result.kind }, action: 'payment.expired' }] : undefined),
        also,
      );
    }
    if (result.outcome === 'declined') return decline(payment, result.reason, actor, key, also, known);
    const capture = method.captureOnApproval
      ? await method.processor.capture({ idempotencyKey: payment.id, reference: result.reference, amount: payment.amount, currency: payment.currency })
      : undefined;
    return decideBatched(
      payment,
      known,
      actor,
      key,
      (cur) => {
        if (cur.status !== 'pending-approval' && cur.status !== 'forwarded') return undefined;
        const list: Decision[] = [{ event: { type: 'approve', approvalCode: result.approvalCode, reference: result.reference }, action: 'payment.authorised' }];
        if (capture?.outcome === 'done') list.push({ event: { type: 'capture' }, action: 'payment.captured' });
        return list;
      },
      also,
    );
  }

  function decline(payment: PaymentDoc, reason: string, actor: string, key: string, also?: (tx: Queryable) => Promise<void>, known?: Known) {
    return decideBatched(
      payment,
      known,
      actor,
      key,
      (cur) => (cur.status === 'pending-approval' || cur.status === 'forwarded' ? [{ event: { type: 'decline', reason }, action: 'payment.declined' }] : undefined),
      also,
    );
  }

  async function callProcessor(method: PaymentMethod, payment: PaymentDoc): Promise<AuthoriseResult | AcquirerUnavailable> {
    try {
      return await method.processor.authorise(payment);
    } catch (err) {
      if (err instanceof AcquirerUnavailable) return err;
      throw err;
    }
  }

  /** The method of a payment asking to be decided now, and whether it has what that method needs. */
  function methodFor(payment: PaymentDoc): PaymentMethod {
    const method = methods.of(payment);
    const problem = method.check(payment);
    if (problem) throw new EdgePayError('REQUEST_INVALID', { reason: problem });
    return method;
  }

  /**
   * Submits a payment the server holds (or records it first, when `incoming`
   * is given and it is not here yet) and has its method decide it.
   */
  async function submitAndDecide(writer: GatewayIdentity, paymentId: string, idempotencyKey: string, method: PaymentMethod, known: Known, incoming?: PaymentDoc): Promise<PaymentDoc> {
    const planner: Planner = (current) => {
      if (current && incoming) {
        // Already here through replication: it must be the same payment.
        const same = (['amount', 'currency', 'method', 'token', 'details', 'gatewayId', 'createdAt'] as const).every((k) => jsonEqual(current[k], incoming[k]));
        if (!same) throw new EdgePayError('IDEMPOTENCY_KEY_REUSED', { key: paymentId });
      }
      if (current && current.status !== 'created') return undefined; // decided before: answer with that
      const base = current ?? incoming;
      if (!base) throw new EdgePayError('PAYMENT_NOT_FOUND', { paymentId });
      const audits: AuditEntry[] = [];
      if (!current) {
        audits.push({ actor: writer.gatewayId, action: 'payment.received', paymentId, siteId: writer.siteId, idempotencyKey, amount: base.amount, currency: base.currency });
      }
      const before = { ...base, serverUpdatedAt: now() };
      const next = applyPaymentEvent(before, { type: 'submit' }, now());
      audits.push({ actor: writer.gatewayId, action: 'payment.submitted', paymentId, siteId: writer.siteId, idempotencyKey, amount: base.amount, currency: base.currency });
      return { next, audits, steps: [{ before, event: { type: 'submit' } }] };
    };
    const submitted = await write(writer.siteId, paymentId, known, planner);
    if (!submitted.doc || submitted.doc.status !== 'pending-approval') return submitted.doc!;
    // The settle batch expects the payment as submitted here (its seq); unknown after the locked path: read.
    const after: Known | undefined = submitted.seq !== undefined ? { doc: submitted.doc, seq: submitted.seq } : undefined;
    return settle(method, submitted.doc, await callProcessor(method, submitted.doc), writer.gatewayId, idempotencyKey, undefined, after);
  }

  /** The payment as the server holds it, waiting up to `waitMs` for it to arrive (PAYMENT_NOT_RECEIVED after that). */
  async function held(writer: GatewayIdentity, paymentId: string, waitMs: number): Promise<{ doc: PaymentDoc; seq: number }> {
    const deadline = Date.now() + waitMs;
    for (;;) {
      const { rows } = await db.query<{ data: PaymentDoc; site_id: string; seq: string | number }>("SELECT data, site_id, seq FROM documents WHERE collection = 'payments' AND id = $1", [paymentId]);
      const row = rows[0];
      if (row) {
        if (row.site_id !== writer.siteId) throw new EdgePayError('PAYMENT_NOT_FOUND', { paymentId });
        return { doc: row.data, seq: Number(row.seq) };
      }
      // Polled, not notified: the push may land in another server process, and
      // the database is the one place every process shares. A push normally
      // lands within milliseconds of the call (the gateway sends both at once).
      if (Date.now() >= deadline) throw new EdgePayError('PAYMENT_NOT_RECEIVED', { paymentId });
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  return {
    /**
     * A payment recorded and decided in one call (callers without a
     * replicated ledger): record it, have its method authorise (and capture)
     * it, and answer with the payment as decided. Gateways do not use this:
     * their payments arrive by replication and they call `authoriseHeld`.
     */
    async authoriseOnline(writer: GatewayIdentity, payment: PaymentDoc, idempotencyKey: string): Promise<PaymentDoc> {
      const cardPath = findCardDataPath(payment);
      if (cardPath) throw new EdgePayError('CARD_DATA_REFUSED', { path: cardPath });
      const errors = payments.validate(payment as any);
      if (errors) throw new EdgePayError('SCHEMA_VALIDATION', { collection: 'payments', errors: errors.slice(0, 5) });
      const check = checkGatewayWrite(undefined, { ...payment, _deleted: false } as PaymentDoc, writer);
      if (!check.ok) throw new EdgePayError(check.code, { field: check.field });
      if (payment.offline || payment.status !== 'created') throw new EdgePayError('PAYMENT_INITIAL_STATE_INVALID', { field: 'status' });
      const method = methodFor(payment);
      // Optimistic: a payment recorded in this call is normally not here yet (if it is, the batch finds it and the locked path decides).
      return submitAndDecide(writer, payment.id, idempotencyKey, method, { doc: undefined, seq: null }, payment);
    },

    /**
     * Decides now a payment this gateway created and replicated (status
     * `created`): the call names it and carries nothing else. The push that
     * carries it may still be on its way: waited for up to `waitMs`. A payment
     * decided before is answered as it is.
     */
    async authoriseHeld(writer: GatewayIdentity, paymentId: string, idempotencyKey: string, waitMs = DEFAULT_HELD_WAIT_MS): Promise<PaymentDoc> {
      // Payment ids are UUIDv7s: any other id can never arrive, so it is not
      // waited for (a fuzzed path held a request 10 s, then answered 503).
      if (!isUuidV7(paymentId)) throw new EdgePayError('PAYMENT_NOT_FOUND', { paymentId });
      const known = await held(writer, paymentId, waitMs);
      const payment = known.doc;
      if (payment.gatewayId !== writer.gatewayId) throw new EdgePayError('PAYMENT_FOREIGN_WRITER', { field: 'gatewayId' });
      if (payment.status !== 'created') return payment;
      return submitAndDecide(writer, paymentId, idempotencyKey, methodFor(payment), known);
    },

    /**
     * Forwards one stored (offline) payment to the acquirer. Safe to repeat
     * after a crash at any point: the acquirer answers a repeated key with its
     * first answer, and the queue row goes in the transaction that records it.
     * Returns false when the acquirer could not be reached (try later).
     */
    async forwardStored(paymentId: string, siteId: string, attempts: number): Promise<boolean> {
      const forwarded = await decide(siteId, paymentId, 'server', paymentId, (cur) => (cur.status === 'stored' ? [{ event: { type: 'forward' }, action: 'payment.forwarded' }] : undefined));
      if (forwarded.status !== 'forwarded') {
        // Decided already (by an earlier attempt that died before dequeuing).
        await db.transaction((tx) => finishForward(tx, paymentId));
        return true;
      }
      const method = methods.find(forwarded.method);
      if (!method) {
        // Taken offline by a method this server does not take: the operator sees it declined.
        await decline(forwarded, 'method-unsupported', 'server', paymentId, (tx) => finishForward(tx, paymentId));
        return true;
      }
      const result = await callProcessor(method, forwarded);
      if (result instanceof AcquirerUnavailable) {
        await deferForward(db, paymentId, Math.min(300, 2 ** Math.min(attempts, 8)), result.message);
        return false;
      }
      await settle(method, forwarded, result, 'server', paymentId, (tx) => finishForward(tx, paymentId));
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
        await decide(r.site_id, r.id, 'server', undefined, (cur) => (cur.status === 'created' ? [{ event: { type: 'expire', reason: 'not-submitted' }, action: 'payment.expired' }] : undefined));
      }
      return rows.length;
    },

    /**
     * Payments whose authorisation lapsed: the ledger's sweeper voided its
     * pending transfer at the method's validity (as the issuer releases the
     * hold), and the payment follows to `expired` here. Run after each sweep
     * that voided something and once a minute (forwarder.ts), so a process that
     * died in between is caught up. Answers how many it expired.
     */
    async expireLapsedAuthorisations(limit = 100): Promise<number> {
      const { rows } = await db.query<{ id: string; site_id: string }>(
        `SELECT d.id, d.site_id FROM documents d
         WHERE d.collection = 'payments' AND d.data->>'status' = 'authorised'
           -- lapsedAuthorisationTransferId (ledger-postings.ts): the sweeper's void of the authorisation
           AND EXISTS (SELECT 1 FROM ledger_transfers v WHERE v.id = 'timeout:payment:' || d.id || ':authorise')
         LIMIT $1`,
        [limit],
      );
      for (const r of rows) {
        await decide(r.site_id, r.id, 'server', undefined, (cur) =>
          cur.status === 'authorised' ? [{ event: { type: 'expire', reason: 'authorisation-lapsed' }, action: 'payment.expired' }] : undefined,
        );
      }
      return rows.length;
    },

    async refund(writer: GatewayIdentity, paymentId: string, amount: number, idempotencyKey: string, note?: MoneyBackNote): Promise<PaymentDoc> {
      const payment = await this.get(writer, paymentId);
      const once: OnceUnder = { action: 'payment.refunded', key: idempotencyKey, actor: writer.gatewayId };
      if (await decidedUnder(db, paymentId, once)) return payment;
      const left = payment.amount - (payment.refundedAmount ?? 0);
      // Check before calling the acquirer; the transaction checks again.
      applyPaymentEvent(payment, { type: 'refund', amount }, now());
      const r = await methods.of(payment).processor.refund({ idempotencyKey, reference: methods.referenceOf(payment), amount, currency: payment.currency });
      if (r.outcome !== 'done') throw new EdgePayError('PAYMENT_REFUND_INVALID', { amount, left });
      return decide(writer.siteId, paymentId, writer.gatewayId, idempotencyKey, () => [{ event: { type: 'refund', amount }, action: 'payment.refunded', ...(note ? { note } : {}) }], undefined, once);
    },

    async void(writer: GatewayIdentity, paymentId: string, idempotencyKey: string, note?: MoneyBackNote): Promise<PaymentDoc> {
      const payment = await this.get(writer, paymentId);
      const once: OnceUnder = { action: 'payment.voided', key: idempotencyKey, actor: writer.gatewayId };
      if (await decidedUnder(db, paymentId, once)) return payment;
      applyPaymentEvent(payment, { type: 'void' }, now());
      await methods.of(payment).processor.void({ idempotencyKey, reference: methods.referenceOf(payment), amount: payment.amount, currency: payment.currency });
      return decide(writer.siteId, paymentId, writer.gatewayId, idempotencyKey, () => [{ event: { type: 'void' }, action: 'payment.voided', ...(note ? { note } : {}) }], undefined, once);
    },

    async get(writer: GatewayIdentity, paymentId: string): Promise<PaymentDoc> {
      return held(writer, paymentId, 0).then(
        (known) => known.doc,
        (err: unknown) => {
          throw isEdgePayError(err, 'PAYMENT_NOT_RECEIVED') ? new EdgePayError('PAYMENT_NOT_FOUND', { paymentId }) : err;
        },
      );
    },

    /** The payment methods this authority takes. */
    methods,

    /** Batches and decisions written by group commit in this process (for benches and tests). */
    decisionBatches: batches.stats,
  };
}
