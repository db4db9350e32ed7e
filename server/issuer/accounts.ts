/** The ledger accounts a virtual card's money moves through. */
import type { Queryable } from '../db/index.ts';
import { openAccount } from '../ledger/index.ts';

export const floatAccount = (currency: string) => `issuer_float:sandbox:${currency}`;
export const merchantAccount = (merchantId: string, currency: string) => `merchant_payable:merchant:${merchantId}:${currency}`;

/** Transfer ids: the card's funding hold, the authorisation's hold, and what settles or releases them. */
export const transferIds = {
  fund: (cardId: string) => `issuer-fund:${cardId}`,
  fundPost: (cardId: string) => `issuer-fund:${cardId}:post`,
  fundVoid: (cardId: string) => `issuer-fund:${cardId}:void`,
  auth: (authId: string) => `issuer-auth:${authId}`,
  authPost: (authId: string) => `issuer-auth:${authId}:post`,
  authVoid: (authId: string) => `issuer-auth:${authId}:void`,
  refundMerchant: (authId: string) => `issuer-refund:${authId}:merchant`,
  refundFunding: (authId: string) => `issuer-refund:${authId}:funding`,
};

export async function openCardAccounts(tx: Queryable, currency: string, merchantId: string, funding: { accountId: string; owner: string }): Promise<void> {
  await openAccount(tx, { id: funding.accountId, kind: 'buyer_funding', currency, owner: funding.owner, rule: 'none' });
  await openAccount(tx, { id: floatAccount(currency), kind: 'issuer_float', currency, owner: 'sandbox-issuer', rule: 'none' });
  await openAccount(tx, { id: merchantAccount(merchantId, currency), kind: 'merchant_payable', currency, owner: merchantId, rule: 'none' });
}
