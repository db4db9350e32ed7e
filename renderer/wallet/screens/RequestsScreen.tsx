/**
 * Requests to pay waiting for me (payreq's phone routes): merchant, amount,
 * items, where, until when; approve with the passkey (the signed challenge
 * binds the request, amount, currency and payee) or the payment password,
 * or decline. Live through the server's event stream, re-read on each event.
 */
import { startAuthentication } from '@simplewebauthn/browser';
import { useEffect, useState } from 'react';
import { isCurrencyCode, isEdgePayError } from '../../../core/index.ts';
import { useI18n } from '../../i18n/i18n.tsx';
import { call } from '../api.ts';
import { errorText } from '../errors.ts';
import { REQUEST_PATHS, type PhoneRequest } from '../requests-types.ts';
import { useWalletData } from '../use-wallet-data.ts';

export function RequestsScreen({ offline, hasPasskey, onSessionLost }: { offline: boolean; hasPasskey: boolean; onSessionLost: () => void }) {
  const { t, money, time } = useI18n();
  const { data: requests, error, reload } = useWalletData(REQUEST_PATHS.list, 'requests', (j: { requests: PhoneRequest[] }) => j.requests, onSessionLost);
  const [passwordFor, setPasswordFor] = useState<string | null>(null);
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState<string | null>(null);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const unavailable = isEdgePayError(error, 'NOT_FOUND');
  const show = (amount: number, currency: string) => (isCurrencyCode(currency) ? money({ amount, currency }) : `${amount} ${currency}`);

  useEffect(() => {
    if (offline || unavailable || requests === undefined || typeof EventSource === 'undefined') return;
    const stream = new EventSource(REQUEST_PATHS.stream);
    const refresh = () => void reload();
    for (const type of ['request', 'resolved', 'message']) stream.addEventListener(type, refresh);
    // The stream may be down (server restart); poll as the last resort.
    const poll = setInterval(refresh, 15_000);
    return () => {
      stream.close();
      clearInterval(poll);
    };
  }, [offline, unavailable, requests === undefined, reload]);

  const answer = async (id: string, work: () => Promise<unknown>, done: string) => {
    setBusy(id);
    setMessage(null);
    try {
      await work();
      setMessage({ ok: true, text: done });
      setPasswordFor(null);
      setPassword('');
    } catch (err) {
      setMessage({ ok: false, text: errorText(err, t) });
    } finally {
      setBusy(null);
      void reload();
    }
  };
  const approveWithPasskey = (r: PhoneRequest) =>
    answer(r.id, async () => {
      const optionsJSON = await call<any>('POST', REQUEST_PATHS.approvalOptions(r.id));
      const response = await startAuthentication({ optionsJSON });
      return call('POST', REQUEST_PATHS.approve(r.id), { proof: { method: 'passkey', response } });
    }, t('wallet.requests.approved'));
  const approveWithPassword = (r: PhoneRequest) =>
    answer(r.id, () => call('POST', REQUEST_PATHS.approve(r.id), { proof: { method: 'password', password } }), t('wallet.requests.approved'));
  const decline = (r: PhoneRequest) => answer(r.id, () => call('POST', REQUEST_PATHS.decline(r.id)), t('wallet.requests.declined'));

  const pending = (requests ?? []).filter((r) => r.state === 'pending');
  return (
    <section className="card-panel" data-screen="requests">
      <h1>{t('wallet.requests')}</h1>
      {unavailable && <p className="muted">{t('wallet.requests.unavailable')}</p>}
      {!unavailable && requests && pending.length === 0 && <p className="muted">{t('wallet.requests.none')}</p>}
      {message && <p className={message.ok ? 'form-ok' : 'form-error'} role="status">{message.text}</p>}
      <ul className="list">
        {pending.map((r) => (
          <li key={r.id} className="request" data-testid="request">
            <div className="request-head">
              <strong>{r.payee.name}</strong>
              <span className="request-amount">{show(r.amount, r.currency)}</span>
            </div>
            {r.items.length > 0 && (
              <ul className="request-items">
                {r.items.map((i, n) => (
                  <li key={n}>{i.name} × {i.quantity} <span className="muted">{show(i.amount, r.currency)}</span></li>
                ))}
              </ul>
            )}
            {r.place && <p className="muted">{t('wallet.requests.at', { place: r.place })}</p>}
            {r.note && <p className="muted">{r.note}</p>}
            <p className="muted small-text">{t('wallet.requests.until', { time: time(r.expiresAt) })}</p>
            <div className="request-actions">
              {hasPasskey && (
                <button type="button" className="primary" disabled={offline || busy !== null} onClick={() => void approveWithPasskey(r)}>{t('wallet.requests.approve')}</button>
              )}
              {passwordFor === r.id ? (
                <form className="inline-form" onSubmit={(e) => { e.preventDefault(); void approveWithPassword(r); }}>
                  <input aria-label={t('wallet.password')} type="password" inputMode="numeric" pattern="[0-9]{6}" maxLength={6} required autoComplete="off" value={password} onChange={(e) => setPassword(e.target.value)} />
                  <button type="submit" className="primary" disabled={offline || busy !== null}>{t('wallet.requests.approvePassword')}</button>
                </form>
              ) : (
                <button type="button" className="secondary" disabled={offline || busy !== null} onClick={() => setPasswordFor(r.id)}>{t('wallet.requests.approvePassword')}</button>
              )}
              <button type="button" className="danger" disabled={offline || busy !== null} onClick={() => void decline(r)}>{t('wallet.requests.decline')}</button>
            </div>
          </li>
        ))}
      </ul>
    </section>
  );
}
