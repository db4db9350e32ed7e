/** Operator sign-in with the gateway's PIN. */
import { useState, type FormEvent } from 'react';
import { isEdgePayError, type OperatorSession } from '../../core/index.ts';
import { useClient } from '../api/client.ts';
import { LanguageSwitch, useI18n } from '../i18n/i18n.tsx';

export function SignIn({ onSession }: { onSession(s: OperatorSession): void }) {
  const client = useClient();
  const { t } = useI18n();
  const [pin, setPin] = useState('');
  const [error, setError] = useState<string | null>(null);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    try {
      onSession(await client.signIn(pin));
    } catch (err) {
      setPin('');
      setError(isEdgePayError(err, 'GATEWAY_API_SIGN_IN_LOCKED') ? t('console.signIn.locked') : isEdgePayError(err, 'GATEWAY_API_SIGN_IN_FAILED') ? t('console.signIn.wrong') : (err as Error).message);
    }
  };
  return (
    <div className="signin-page">
      <form className="signin" onSubmit={(e) => void submit(e)}>
        <div className="signin-top">
          <h1>{t('console.title')}</h1>
          <LanguageSwitch />
        </div>
        <label htmlFor="pin">{t('console.signIn.pin')}</label>
        {/* biome-ignore lint/a11y/noAutofocus: the PIN is the screen's only field; an operator types it at once. */}
        <input id="pin" type="password" inputMode="numeric" autoComplete="current-password" value={pin} onChange={(e) => setPin(e.target.value)} autoFocus />
        {error ? (
          <p className="error" role="alert">
            {error}
          </p>
        ) : null}
        <button type="submit" className="btn primary">
          {t('console.signIn')}
        </button>
      </form>
    </div>
  );
}
