import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  canonicalPaymentRequestBinding,
  effectivePaymentRequestState,
  isEdgePayError,
  isFinalPaymentRequestState,
  nextPaymentRequestState,
  PAYMENT_REQUEST_STATES,
  type PaymentRequestEventType,
} from '../index.ts';

const EVENTS: PaymentRequestEventType[] = ['approve', 'decline', 'expire', 'cancel'];

describe('the request-to-pay state machine', () => {
  it('leads from pending to exactly one final state per event', () => {
    assert.deepEqual(
      EVENTS.map((e) => nextPaymentRequestState('pending', e)),
      ['approved', 'declined', 'expired', 'cancelled'],
    );
  });

  it('never leaves a final state, and says why with a stable code', () => {
    const expected = {
      approved: 'PAYMENT_REQUEST_ALREADY_ANSWERED',
      declined: 'PAYMENT_REQUEST_ALREADY_ANSWERED',
      expired: 'PAYMENT_REQUEST_EXPIRED',
      cancelled: 'PAYMENT_REQUEST_CANCELLED',
    } as const;
    for (const state of PAYMENT_REQUEST_STATES.filter(isFinalPaymentRequestState)) {
      for (const event of EVENTS) {
        assert.throws(
          () => nextPaymentRequestState(state, event),
          (err: unknown) => isEdgePayError(err, expected[state]) && (err as { details?: { state?: string } }).details?.state === state,
          `${state} + ${event}`,
        );
      }
    }
  });

  it('reads a pending request past its deadline as expired, and nothing else', () => {
    assert.equal(effectivePaymentRequestState('pending', 1000, 999), 'pending');
    assert.equal(effectivePaymentRequestState('pending', 1000, 1000), 'expired');
    assert.equal(effectivePaymentRequestState('approved', 1000, 5000), 'approved');
  });

  it('signs the binding in one fixed key order, whatever order it was built in', () => {
    const a = canonicalPaymentRequestBinding({ requestId: 'r1', amount: 100, currency: 'KRW', payeeId: 'p' });
    const b = canonicalPaymentRequestBinding({ payeeId: 'p', currency: 'KRW', amount: 100, requestId: 'r1' } as never);
    assert.equal(a, b);
    assert.equal(a, '{"requestId":"r1","amount":100,"currency":"KRW","payeeId":"p"}');
  });
});
