/** Sign in with a passkey (discoverable, or the credentials of a phone number); in the demo, one click per seeded user. */
import { startAuthentication } from '@simplewebauthn/browser';
import { useEffect, useState, type FormEvent } from 'react';
import { WALLET_API, type DemoUserView, type WalletSessionView } from '../../../core/index.ts';
import { useI18n } from '../../i18n/i18n.tsx';
import { call } from '../api.ts';
import { errorText } from '../errors.ts';

export function SignInScreen({ onDone, onRegister }: { onDone: (s: WalletSessionView) => void; onRegister: () => void }) {
  const { t } = useI18n();
  const [phone, setPhone] = useState('');
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<string | null>(null);
  const [demo, setDemo] = useState<DemoUserView[]>([]);

  useEffect(() => {
    // Answers only when the server runs with the demo's one-click sign-in.
    call<{ users: DemoUserView[] }>('GET', WALLET_API.demoUsers).then(
      (r) => setDemo(r.users),
      () => setDemo([]),
    );
  }, []);

  const run = async (work: () => Promise<WalletSessionView>) => {
    setBusy(true);
    setMessage(null);
    try {
      onDone(await work());
    } catch (err) {
      setMessage(errorText(err, t));
    } finally {
      setBusy(false);
    }
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void run(async () => {
      const optionsJSON = await call<any>('POST', WALLET_API.signInOptions, phone.trim() ? { phone } : {});
      const response = await startAuthentication({ optionsJSON });
      return call<WalletSessionView>('POST', WALLET_API.signInVerify, { response });
    });
  };

  return (
    <section className="card-panel" data-screen="sign-in">
      <h1>{t('wallet.signIn')}</h1>
      <p className="muted">{t('wallet.signIn.hint')}</p>
      <form onSubmit={submit} className="form">
        <label>
          {t('wallet.signIn.phone')}
          <input name="phone" type="tel" autoComplete="tel" inputMode="tel" placeholder="010-1234-5678" value={phone} onChange={(e) => setPhone(e.target.value)} />
        </label>
        {message && (
          <p className="form-error" role="alert">
            {message}
          </p>
        )}
        <button type="submit" className="primary" disabled={busy}>
          {t('wallet.signIn.passkey')}
        </button>
      </form>
      <button type="button" className="link" onClick={onRegister}>
        {t('wallet.signIn.new')}
      </button>
      {demo.length > 0 && (
        <div className="demo-users">
          <h2>{t('wallet.signIn.demo')}</h2>
          {demo.map((u) => (
            <button key={u.userId} type="button" className="secondary" disabled={busy} onClick={() => void run(() => call<WalletSessionView>('POST', WALLET_API.demoSignIn, { userId: u.userId }))}>
              {u.name} <span className="muted">({u.role})</span>
            </button>
          ))}
        </div>
      )}
    </section>
  );
}
