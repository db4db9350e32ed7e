/**
 * My cards: the list (BIN + last 4, the default marked), make one the
 * default, add a card. The card details go to the acquirer's tokenisation
 * route only; the wallet API gets the token. The form is cleared at once.
 */
import { useState, type FormEvent } from 'react';
import { WALLET_API, type PaymentMethodView, type TokeniseCardResponse } from '../../../core/index.ts';
import { useI18n } from '../../i18n/i18n.tsx';
import { call } from '../api.ts';
import { errorText } from '../errors.ts';
import { useWalletData } from '../use-wallet-data.ts';

export function CardsScreen({ offline, onSessionLost }: { offline: boolean; onSessionLost: () => void }) {
  const { t } = useI18n();
  const { data: methods, set } = useWalletData(WALLET_API.paymentMethods, 'methods', (j: { methods: PaymentMethodView[] }) => j.methods, onSessionLost);
  const [number, setNumber] = useState('');
  const [expiry, setExpiry] = useState('');
  const [cvc, setCvc] = useState('');
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);

  const add = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setMessage(null);
    try {
      const m = /^\s*(\d{1,2})\s*\/\s*(\d{2}|\d{4})\s*$/.exec(expiry);
      const card = { number, expMonth: Number(m?.[1] ?? 0), expYear: Number(m?.[2] ?? 0), cvc };
      const { token } = await call<TokeniseCardResponse>('POST', WALLET_API.tokenise, card);
      // What the page typed is dropped as soon as the acquirer has answered.
      setNumber('');
      setExpiry('');
      setCvc('');
      const r = await call<{ methods: PaymentMethodView[] }>('POST', WALLET_API.paymentMethods, { token });
      set(r.methods);
      setMessage({ ok: true, text: t('wallet.cards.saved') });
    } catch (err) {
      setMessage({ ok: false, text: errorText(err, t) });
    } finally {
      setBusy(false);
    }
  };
  const makeDefault = async (id: string) => {
    try {
      set((await call<{ methods: PaymentMethodView[] }>('POST', `${WALLET_API.paymentMethods}/${encodeURIComponent(id)}/default`)).methods);
    } catch (err) {
      setMessage({ ok: false, text: errorText(err, t) });
    }
  };

  return (
    <section className="card-panel" data-screen="cards">
      <h1>{t('wallet.cards')}</h1>
      {methods && methods.length === 0 && <p className="muted">{t('wallet.cards.none')}</p>}
      <ul className="list">
        {methods?.map((m) => (
          <li key={m.id} className="list-row" data-testid="card-row">
            <span className="mono">{t('wallet.cards.row', { bin: m.bin.slice(0, 4) + ' ' + m.bin.slice(4), last4: m.last4 })}</span>
            {m.isDefault ? (
              <span className="badge">{t('wallet.cards.default')}</span>
            ) : (
              <button type="button" className="secondary small" disabled={offline} onClick={() => void makeDefault(m.id)}>
                {t('wallet.cards.makeDefault')}
              </button>
            )}
          </li>
        ))}
      </ul>
      <h2>{t('wallet.cards.add')}</h2>
      <form className="form" onSubmit={(e) => void add(e)} autoComplete="on">
        <label>
          {t('wallet.cards.number')}
          <input name="cardnumber" autoComplete="cc-number" inputMode="numeric" required maxLength={23} value={number} onChange={(e) => setNumber(e.target.value)} />
        </label>
        <div className="form-row">
          <label>
            {t('wallet.cards.expiry')}
            <input name="exp" autoComplete="cc-exp" inputMode="numeric" required placeholder="MM/YY" maxLength={7} value={expiry} onChange={(e) => setExpiry(e.target.value)} />
          </label>
          <label>
            {t('wallet.cards.cvc')}
            <input name="cvc" autoComplete="cc-csc" inputMode="numeric" required maxLength={4} value={cvc} onChange={(e) => setCvc(e.target.value)} />
          </label>
        </div>
        <p className="muted small-text">{t('wallet.cards.secure')}</p>
        {message && (
          <p className={message.ok ? 'form-ok' : 'form-error'} role="status">
            {message.text}
          </p>
        )}
        <button type="submit" className="primary" disabled={busy || offline}>
          {t('wallet.cards.save')}
        </button>
      </form>
    </section>
  );
}
