/** Register: name and phone, then the phone creates a passkey (user verification required). */
import { startRegistration } from '@simplewebauthn/browser';
import { useState, type FormEvent } from 'react';
import { WALLET_API, type WalletSessionView } from '../../../core/index.ts';
import { useI18n } from '../../i18n/i18n.tsx';
import { call } from '../api.ts';
import { errorText } from '../errors.ts';

export function RegisterScreen({ onDone, onSignIn }: { onDone: (s: WalletSessionView) => void; onSignIn: () => void }) {
  const { t } = useI18n();
  const [name, setName] = useState('');
  const [phone, setPhone] = useState('');
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<string | null>(null);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setMessage(null);
    try {
      const optionsJSON = await call<any>('POST', WALLET_API.registerOptions, { name, phone });
      const response = await startRegistration({ optionsJSON });
      onDone(await call<WalletSessionView>('POST', WALLET_API.registerVerify, { response }));
    } catch (err) {
      setMessage(errorText(err, t));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="card-panel" data-screen="register">
      <h1>{t('wallet.register')}</h1>
      <p className="muted">{t('wallet.register.hint')}</p>
      <form onSubmit={(e) => void submit(e)} className="form">
        <label>
          {t('wallet.register.name')}
          <input name="name" autoComplete="name" required maxLength={100} value={name} onChange={(e) => setName(e.target.value)} />
        </label>
        <label>
          {t('wallet.register.phone')}
          <input name="phone" type="tel" autoComplete="tel" inputMode="tel" required placeholder="010-1234-5678" value={phone} onChange={(e) => setPhone(e.target.value)} />
        </label>
        {message && (
          <p className="form-error" role="alert">
            {message}
          </p>
        )}
        <button type="submit" className="primary" disabled={busy}>
          {t('wallet.register.submit')}
        </button>
      </form>
      <button type="button" className="link" onClick={onSignIn}>
        {t('wallet.register.haveOne')}
      </button>
    </section>
  );
}
