/** The words for an error: the wallet's own message for codes a person can act on, else the server's message. */
import { isEdgePayError } from '../../core/index.ts';
import type { I18n } from '../i18n/i18n.tsx';
import { walletEn, type WalletMessageKey } from '../i18n/wallet-messages.ts';

export function errorText(err: unknown, t: I18n['t']): string {
  if (isEdgePayError(err)) {
    const key = `wallet.error.${err.code}` as WalletMessageKey;
    if (Object.hasOwn(walletEn, key)) return t(key);
    return t('error.generic', { message: err.message });
  }
  if (err instanceof Error && (err.name === 'NotAllowedError' || err.name === 'AbortError' || err.name === 'InvalidStateError' || err.name === 'WebAuthnError')) {
    return t('wallet.error.passkey');
  }
  return t('error.generic', { message: err instanceof Error ? err.message : String(err) });
}
