/**
 * Every transition of the payment state machine, and every other
 * (status, event) pair rejected with PAYMENT_ILLEGAL_TRANSITION.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isEdgePayError } from '../errors.ts';
import { paymentStatuses, type PaymentStatus } from '../schemas/payments.ts';
import { applyPaymentEvent } from './apply-event.ts';
import { nextStatus, FINAL_PAYMENT_STATUSES, type PaymentEvent, type PaymentEventType } from './state-machine.ts';

const EVENTS: Record<PaymentEventType, PaymentEvent> = {
  submit: { type: 'submit' },
  forward: { type: 'forward' },
  approve: { type: 'approve', approvalCode: 'A1B2C3' },
  decline: { type: 'decline', reason: 'do-not-honor' },
  expire: { type: 'expire' },
  capture: { type: 'capture' },
  void: { type: 'void' },
  refund: { type: 'refund', amount: 1000 },
};

// The specification, written out independently of the implementation's table.
const ALLOWED: [PaymentStatus, PaymentEventType, PaymentStatus][] = [
  ['created', 'submit', 'pending-approval'],
  ['created', 'expire', 'expired'],
  ['pending-approval', 'approve', 'authorised'],
  ['pending-approval', 'decline', 'declined'],
  ['pending-approval', 'expire', 'expired'],
  ['stored', 'forward', 'forwarded'],
  ['forwarded', 'approve', 'authorised'],
  ['forwarded', 'decline', 'declined'],
  ['authorised', 'capture', 'captured'],
  ['authorised', 'void', 'voided'],
  ['authorised', 'expire', 'expired'],
  ['captured', 'refund', 'refunded'],
  ['partially-refunded', 'refund', 'refunded'],
];

describe('payment state machine', () => {
  it('allows exactly the specified transitions and rejects every other pair', () => {
    let checked = 0;
    for (const from of paymentStatuses) {
      for (const [type, event] of Object.entries(EVENTS) as [PaymentEventType, PaymentEvent][]) {
        const spec = ALLOWED.find(([f, e]) => f === from && e === type);
        checked++;
        if (spec) {
          assert.equal(nextStatus(from, event, { amount: 1000 }), spec[2], `${from} --${type}-->`);
        } else {
          assert.throws(
            () => nextStatus(from, event, { amount: 1000 }),
            (e: unknown) => isEdgePayError(e, 'PAYMENT_ILLEGAL_TRANSITION'),
            `${from} --${type}--> must be refused`,
          );
        }
      }
    }
    assert.equal(checked, paymentStatuses.length * 8);
  });

  it('refunds in part and then in whole, never more than captured', () => {
    assert.equal(nextStatus('captured', { type: 'refund', amount: 400 }, { amount: 1000 }), 'partially-refunded');
    assert.equal(nextStatus('partially-refunded', { type: 'refund', amount: 600 }, { amount: 1000, refundedAmount: 400 }), 'refunded');
    assert.equal(nextStatus('partially-refunded', { type: 'refund', amount: 100 }, { amount: 1000, refundedAmount: 400 }), 'partially-refunded');
    for (const [amount, refunded] of [
      [0, 0],
      [-5, 0],
      [1001, 0],
      [601, 400],
      [1.5, 0],
    ] as const) {
      assert.throws(
        () => nextStatus(refunded ? 'partially-refunded' : 'captured', { type: 'refund', amount }, { amount: 1000, refundedAmount: refunded }),
        (e: unknown) => isEdgePayError(e, 'PAYMENT_REFUND_INVALID'),
        `refund ${amount} after ${refunded}`,
      );
    }
  });

  it('has final states with no way out', () => {
    assert.deepEqual([...FINAL_PAYMENT_STATUSES].sort(), ['declined', 'expired', 'refunded', 'voided']);
  });

  it('records each decision in the history with the fields that go with it', () => {
    const at0 = '2026-01-01T00:00:00.000Z';
    let p: any = {
      id: 'x',
      siteId: 's',
      gatewayId: 'g',
      flow: 'kiosk',
      amount: 1000,
      currency: 'KRW',
      method: 'card-terminal',
      lineItems: [],
      createdAt: at0,
      offline: true,
      status: 'stored',
      statusHistory: [{ status: 'stored', at: at0, by: 'gateway' }],
    };
    p = applyPaymentEvent(p, { type: 'forward' }, '2026-01-01T00:01:00.000Z');
    p = applyPaymentEvent(p, { type: 'decline', reason: 'insufficient-funds' }, '2026-01-01T00:01:01.000Z');
    assert.equal(p.status, 'declined');
    assert.equal(p.declineReason, 'insufficient-funds');
    assert.deepEqual(
      p.statusHistory.map((h: any) => [h.status, h.by]),
      [
        ['stored', 'gateway'],
        ['forwarded', 'server'],
        ['declined', 'server'],
      ],
    );
    assert.equal(p.serverUpdatedAt, '2026-01-01T00:01:01.000Z');
    let q: any = { ...p, status: 'captured', statusHistory: [], declineReason: undefined };
    q = applyPaymentEvent(q, { type: 'refund', amount: 300 }, at0);
    q = applyPaymentEvent(q, { type: 'refund', amount: 700 }, at0);
    assert.equal(q.status, 'refunded');
    assert.equal(q.refundedAmount, 1000);
  });
});
