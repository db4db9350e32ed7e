/**
 * The server's payment methods by name, each with its adapter built once.
 */
import { EdgePayError, type PaymentDoc } from '../../../core/index.ts';
import type { MethodAdapter, MethodDeps, PaymentMethodDeclaration } from './declaration.ts';

export type PaymentMethod = PaymentMethodDeclaration & { readonly processor: MethodAdapter };
export type PaymentMethods = {
  /** The method of a payment; undefined when this server has no declaration for it. */
  find(name: string): PaymentMethod | undefined;
  /** The method of a payment, or PAYMENT_METHOD_UNSUPPORTED. */
  of(payment: Pick<PaymentDoc, 'method'>): PaymentMethod;
  /** The processor's reference of a payment's authorisation. */
  referenceOf(payment: PaymentDoc): string;
  readonly names: readonly string[];
};

export function createPaymentMethods(declarations: readonly PaymentMethodDeclaration[], deps: MethodDeps): PaymentMethods {
  const byName = new Map<string, PaymentMethod>();
  for (const d of declarations) {
    // One name, one way of moving money: a second declaration is a wiring mistake.
    if (byName.has(d.name)) throw new Error(`payment method "${d.name}" is declared twice`);
    byName.set(d.name, { ...d, processor: d.adapter(deps) });
  }
  const of = (payment: Pick<PaymentDoc, 'method'>) => {
    const method = byName.get(payment.method);
    if (!method) throw new EdgePayError('PAYMENT_METHOD_UNSUPPORTED', { method: payment.method });
    return method;
  };
  return {
    find: (name) => byName.get(name),
    of,
    referenceOf(payment) {
      const method = of(payment);
      const reference = method.referenceOf ? method.referenceOf(payment) : payment.processorReference;
      if (!reference) throw new EdgePayError('PAYMENT_ILLEGAL_TRANSITION', { from: payment.status, event: 'follow-up without a processor reference' });
      return reference;
    },
    names: [...byName.keys()],
  };
}
