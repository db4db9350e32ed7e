/**
 * The ledger accounts of the card path, shared by every method whose money the
 * acquirer collects (the card terminal, and the default of a declaration that
 * names none).
 *
 * Per site, not one acquirer account per currency: the acquirer authorises
 * and settles under the site's merchant id (card-terminal.ts `merchantId`),
 * so what it owes is owed per merchant; and an account every payment of
 * every site locks would serialise all decisions of the server on one row
 * (the payments lock is per site already).
 */
import type { PaymentDoc } from '../../../core/index.ts';
import type { PaymentMoneyPath } from './declaration.ts';

export function acquirerSettlementAccount(siteId: string, currency: string): PaymentMoneyPath['source'] {
  // What the acquirer owes the platform for this site: debits grow it (authorised, captured), refunds credit it.
  return { id: `acquirer_settlement:${siteId}:${currency}`, kind: 'acquirer_settlement', currency, owner: siteId };
}

export function merchantPayableAccount(siteId: string, currency: string): PaymentMoneyPath['destination'] {
  // What the platform owes the site; never below zero, so a refund can never pay back more than the site was owed.
  return { id: `merchant_payable:${siteId}:${currency}`, kind: 'merchant_payable', currency, owner: siteId, rule: 'debits_must_not_exceed_credits' };
}

/** Card money: from the acquirer's settlement for the site to the site's payable. */
export function cardMoneyPath(payment: Pick<PaymentDoc, 'siteId' | 'currency'>): PaymentMoneyPath {
  return { source: acquirerSettlementAccount(payment.siteId, payment.currency), destination: merchantPayableAccount(payment.siteId, payment.currency) };
}
