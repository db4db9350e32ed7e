/** The 6-digit payment password: set it, or change it with the current one. */
import { useState, type FormEvent } from 'react';
import { WALLET_API } from '../../../core/index.ts';
import { isEdgePayError } from '../../../core/index.ts';
import { useI18n } from '../../i18n/i18n.tsx';
import { call } from '../api.ts';
import { errorText } from '../errors.ts';

export function PasswordScreen({ offline, isSet, onSaved, onSessionLost }: { offline: boolean; isSet: boolean; onSaved: () => void; onSessionLost: () => void }) {
  const { t } = useI18n();
  const [password, setPassword] = useState('');
  const [current, setCurrent] = useState('');
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);

  const save = async (e: FormEvent) => {
    e.preventDefault();
    try {
      await call('POST', WALLET_API.paymentPassword, isSet ? { password, currentPassword: current } : { password });
      setPassword('');
      setCurrent('');
      setMessage({ ok: true, text: t('wallet.password.saved') });
      onSaved();
    } catch (err) {
      if (isEdgePayError(err, 'WALLET_SESSION_REQUIRED')) return onSessionLost();
      setMessage({ ok: false, text: errorText(err, t) });
    }
  };
  const digits = { type: 'password', inputMode: 'numeric' as const, pattern: '[0-9]{6}', maxLength: 6, minLength: 6, required: true, autoComplete: 'off' };

  return (
    <section className="card-panel" data-screen="password">
      <h1>{t('wallet.password')}</h1>
      <p className="muted">{t('wallet.password.hint')}</p>
      <p className="badge-line">{isSet ? t('wallet.password.isSet') : t('wallet.password.notSet')}</p>
      <form className="form" onSubmit={(e) => void save(e)}>
        {isSet && (
          <label>
            {t('wallet.password.current')}
            <input name="current" {...digits} value={current} onChange={(e) => setCurrent(e.target.value)} />
          </label>
        )}
        <label>
          {t('wallet.password.new')}
          <input name="password" {...digits} value={password} onChange={(e) => setPassword(e.target.value)} />
        </label>
        {message && (
          <p className={message.ok ? 'form-ok' : 'form-error'} role="status">
            {message.text}
          </p>
        )}
        <button type="submit" className="primary" disabled={offline}>
          {t('wallet.password.save')}
        </button>
      </form>
    </section>
  );
}
