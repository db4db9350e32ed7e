/**
 * Dynamic linking (strong customer authentication): an approval signs a
 * challenge derived from what is approved, so it cannot be replayed for
 * another request, amount, currency or payee.
 */
import { EdgePayError } from '../errors.ts';

export type ApprovalBinding = { requestId: string; amount: number; currency: string; payeeId: string };

export type ApprovalProof = { method: 'passkey'; response: unknown /* AuthenticationResponseJSON from @simplewebauthn/browser */ } | { method: 'password'; password: string /* 6 digits */ };

export type ApprovalMethod = 'passkey' | 'password';

/** Checks a binding's fields; throws REQUEST_INVALID naming the first bad one. */
export function checkApprovalBinding(b: ApprovalBinding): ApprovalBinding {
  const bad = (field: string) => new EdgePayError('REQUEST_INVALID', { reason: `binding.${field} is not valid` });
  if (typeof b !== 'object' || b === null) throw bad('');
  if (typeof b.requestId !== 'string' || b.requestId.length < 1 || b.requestId.length > 200) throw bad('requestId');
  if (!Number.isSafeInteger(b.amount) || b.amount < 0) throw bad('amount');
  if (typeof b.currency !== 'string' || !/^[A-Z]{3}$/.test(b.currency)) throw bad('currency');
  if (typeof b.payeeId !== 'string' || b.payeeId.length < 1 || b.payeeId.length > 200) throw bad('payeeId');
  return b;
}

/**
 * The binding as one exact string: keys in a fixed (sorted) order and nothing
 * else, so the server that issues a challenge and the one that checks it
 * hash the same bytes whatever object the caller built.
 */
export function canonicalBinding(b: ApprovalBinding): string {
  checkApprovalBinding(b);
  return JSON.stringify({ amount: b.amount, currency: b.currency, payeeId: b.payeeId, requestId: b.requestId });
}
