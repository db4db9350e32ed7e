/**
 * Who writes which payment field, and the check a server runs on every payment
 * a gateway pushes.
 *
 * The gateway records what happened at the till (who, where, what, how much,
 * which card display and token, when, online or not) once, at creation. The
 * server alone decides what happens next (status, approval, decline). So:
 * - gateway fields are written at creation and never change afterwards;
 * - server fields are never written by a gateway, except that a new payment
 *   carries the initial status (`created` online, `stored` offline) with one
 *   matching history entry made by the gateway at `createdAt`.
 * A refused push is answered with the server's state (a replication conflict),
 * which is deterministic: the server's fields always win.
 */
import { isCurrencyCode } from '../currencies.ts';
import { isUuidV7 } from '../ids.ts';
import { jsonEqual } from '../json-equal.ts';
import { checkPaymentAmounts } from './payment-amounts.ts';
import { isDeleted, ownKeys, refuse, WRITE_OK, type GatewayIdentity, type OwnershipMap, type WriteCheck } from '../collections/ownership.ts';
import { initialPaymentStatuses, type PaymentDoc } from './payments.ts';

export const paymentFieldOwnership: OwnershipMap<PaymentDoc> = Object.freeze({
  id: 'gateway-create-only',
  siteId: 'gateway-create-only',
  gatewayId: 'gateway-create-only',
  flow: 'gateway-create-only',
  amount: 'gateway-create-only',
  currency: 'gateway-create-only',
  method: 'gateway-create-only',
  lineItems: 'gateway-create-only',
  cardDisplay: 'gateway-create-only',
  token: 'gateway-create-only',
  details: 'gateway-create-only',
  createdAt: 'gateway-create-only',
  offline: 'gateway-create-only',
  status: 'server',
  statusHistory: 'server',
  declineReason: 'server',
  approvalCode: 'server',
  serverUpdatedAt: 'server',
  refundedAmount: 'server',
  processorReference: 'server',
});

type PaymentField = keyof PaymentDoc;
const fields = Object.keys(paymentFieldOwnership) as PaymentField[];

/** Fields a gateway writes once, at creation. */
export const paymentGatewayFields: readonly PaymentField[] = Object.freeze(fields.filter((f) => paymentFieldOwnership[f] === 'gateway-create-only'));
/** Fields only the server writes (after the initial status). */
export const paymentServerFields: readonly PaymentField[] = Object.freeze(fields.filter((f) => paymentFieldOwnership[f] === 'server'));

/**
 * May a gateway push `next`, given the server's current `previous` (undefined
 * when the payment is new)? Run schema validation first; this checks
 * ownership, the initial state and the amounts. When `writer` is given, the
 * payment must belong to that gateway and its site.
 */
export function checkGatewayWrite(previous: PaymentDoc | undefined, next: PaymentDoc, writer?: GatewayIdentity): WriteCheck {
  // Payments are never deleted: "no accepted transaction is ever lost".
  if (isDeleted(next)) return refuse('PAYMENT_DELETE_FORBIDDEN', '_deleted');

  for (const key of ownKeys(next)) {
    if (!Object.hasOwn(paymentFieldOwnership, key)) return refuse('PAYMENT_FIELD_NOT_WRITABLE', key);
  }

  if (writer) {
    if (next.siteId !== writer.siteId) return refuse('PAYMENT_FOREIGN_WRITER', 'siteId');
    if (next.gatewayId !== writer.gatewayId) return refuse('PAYMENT_FOREIGN_WRITER', 'gatewayId');
  }

  return previous === undefined ? checkCreate(next) : checkUpdate(previous, next);
}

function checkCreate(next: PaymentDoc): WriteCheck {
  if (!isUuidV7(next.id)) return refuse('ID_INVALID', 'id');
  if (!isCurrencyCode(next.currency)) return refuse('MONEY_UNKNOWN_CURRENCY', 'currency');

  if (!(initialPaymentStatuses as readonly string[]).includes(next.status)) {
    return refuse('PAYMENT_INITIAL_STATE_INVALID', 'status');
  }
  const history = Array.isArray(next.statusHistory) ? next.statusHistory : [];
  const [first] = history;
  if (history.length !== 1 || !first || first.status !== next.status || first.by !== 'gateway' || first.at !== next.createdAt) {
    return refuse('PAYMENT_INITIAL_STATE_INVALID', 'statusHistory');
  }
  // `stored` means "held offline for store and forward"; the two fields must agree.
  if (next.offline !== (next.status === 'stored')) return refuse('PAYMENT_INITIAL_STATE_INVALID', 'offline');

  // The remaining server fields have no initial value: a gateway cannot pre-approve.
  for (const field of paymentServerFields) {
    if (field === 'status' || field === 'statusHistory') continue;
    if (next[field] !== undefined) return refuse('PAYMENT_FIELD_NOT_WRITABLE', field);
  }

  return checkPaymentAmounts(next);
}

function checkUpdate(previous: PaymentDoc, next: PaymentDoc): WriteCheck {
  // Gateway fields first: changing what happened at the till is the graver fault.
  for (const field of paymentGatewayFields) {
    if (!jsonEqual(previous[field], next[field])) return refuse('PAYMENT_IMMUTABLE_FIELD', field);
  }
  for (const field of paymentServerFields) {
    if (!jsonEqual(previous[field], next[field])) return refuse('PAYMENT_FIELD_NOT_WRITABLE', field);
  }
  return WRITE_OK;
}
