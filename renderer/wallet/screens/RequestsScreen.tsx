/**
 * Requests to pay waiting for me, live (use-live-requests: the phone's SSE
 * stream, resumed after a drop, polling as the last resort): merchant, amount,
 * items, where, until when. Approve with the passkey (the server's challenge
 * binds the request's id, amount, currency and payee, so the assertion cannot
 * serve another amount or payee) or, where this phone has no passkey, the
 * 6-digit payment password (checked by the server against the same binding);
 * or decline. Then the outcome: approved, declined, expired, cancelled, or
 * answered on another phone of the unit.
 */
import { browserSupportsWebAuthn, startAuthentication } from '@simplewebauthn/browser';
import { useState } from 'react';
import { isCurrencyCode, isEdgePayError, PAYMENT_REQUEST_PATHS, type PhonePaymentRequestView } from '../../../core/index.ts';
import { useI18n, type I18n } from '../../i18n/i18n.tsx';
import { call } from '../api.ts';
import { errorText } from '../errors.ts';
import { useLiveRequests } from '../use-live-requests.ts';
import { DongleConfirm, useDongleRequests } from '../DongleConfirm.tsx';

type Answer = { request: PhonePaymentRequestView };

/** What a resolved request's outcome says, from this phone's point of view. */
function outcomeText(r: PhonePaymentRequestView, t: I18n['t']): string {
  if (r.state === 'expired') return t('wallet.requests.outcome.expired');
  if (r.state === 'cancelled') return t('wallet.requests.outcome.cancelled');
  const what =
    r.state === 'approved'
      ? t(
          r.approvalMethod === 'password'
            ? 'wallet.requests.outcome.approvedPassword'
            : r.approvalMethod === 'dongle'
              ? 'wallet.requests.outcome.approvedDongle'
              : 'wallet.requests.outcome.approvedPasskey',
        )
      : t('wallet.requests.outcome.declined');
  return r.answeredByYou ? what : t('wallet.requests.outcome.elsewhere', { what });
}

export function RequestsScreen({ offline, hasPasskey, onSessionLost }: { offline: boolean; hasPasskey: boolean; onSessionLost: () => void }) {
  const { t, money, time } = useI18n();
  const live = useLiveRequests(!offline, onSessionLost);
  const [passwordFor, setPasswordFor] = useState<string | null>(null);
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState<string | null>(null);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const unavailable = isEdgePayError(live.error, 'NOT_FOUND');
  const passkeyHere = hasPasskey && browserSupportsWebAuthn();
  const show = (amount: number, currency: string) => (isCurrencyCode(currency) ? money({ amount, currency }) : `${amount} ${currency}`);

  const answer = async (id: string, work: () => Promise<Answer>, done: string) => {
    setBusy(id);
    setMessage(null);
    try {
      const { request } = await work();
      live.answered(request);
      setMessage({ ok: true, text: done });
      setPasswordFor(null);
      setPassword('');
    } catch (err) {
      if (isEdgePayError(err, 'WALLET_SESSION_REQUIRED')) return onSessionLost();
      setMessage({ ok: false, text: errorText(err, t) });
    } finally {
      setBusy(null);
    }
  };
  const approveWithPasskey = (r: PhonePaymentRequestView) =>
    answer(
      r.id,
      async () => {
        const optionsJSON = await call<Parameters<typeof startAuthentication>[0]['optionsJSON']>('POST', PAYMENT_REQUEST_PATHS.phoneApprovalOptions(r.id));
        const response = await startAuthentication({ optionsJSON });
        return call<Answer>('POST', PAYMENT_REQUEST_PATHS.phoneApprove(r.id), { proof: { method: 'passkey', response } });
      },
      t('wallet.requests.approved'),
    );
  const approveWithPassword = (r: PhonePaymentRequestView) =>
    answer(r.id, () => call<Answer>('POST', PAYMENT_REQUEST_PATHS.phoneApprove(r.id), { proof: { method: 'password', password } }), t('wallet.requests.approved'));
  const decline = (r: PhonePaymentRequestView) => answer(r.id, () => call<Answer>('POST', PAYMENT_REQUEST_PATHS.phoneDecline(r.id)), t('wallet.requests.declined'));

  const pending = (live.pending ?? []).filter((r) => r.state === 'pending');
  // Requests a dongle confirms (two-channel flow) take its code and the device's number instead.
  const byDongle = useDongleRequests(pending.map((r) => r.id));
  return (
    <section className="card-panel" data-screen="requests">
      <h1>{t('wallet.requests')}</h1>
      {!offline && !unavailable && live.mode !== 'loading' && (
        <p className="muted small-text" data-testid="live-mode" data-mode={live.mode}>
          {t(`wallet.requests.mode.${live.mode}`)}
        </p>
      )}
      {unavailable && <p className="muted">{t('wallet.requests.unavailable')}</p>}
      {!unavailable && live.pending && pending.length === 0 && <p className="muted">{t('wallet.requests.none')}</p>}
      {message && (
        <p className={message.ok ? 'form-ok' : 'form-error'} role="status">
          {message.text}
        </p>
      )}
      <ul className="list">
        {pending.map((r) => (
          <li key={r.id} className="request" data-testid="request" data-request-id={r.id}>
            <div className="request-head">
              <strong>{r.payee.name}</strong>
              <span className="request-amount">{show(r.amount, r.currency)}</span>
            </div>
            {r.items.length > 0 && (
              <ul className="request-items">
                {r.items.map((i, n) => (
                  <li key={n}>
                    {i.name} × {i.quantity} <span className="muted">{show(i.amount, r.currency)}</span>
                  </li>
                ))}
              </ul>
            )}
            {r.place && <p className="muted">{t('wallet.requests.at', { place: r.place })}</p>}
            {r.note && <p className="muted">{r.note}</p>}
            <p className="muted small-text">{t('wallet.requests.until', { time: time(r.expiresAt) })}</p>
            {byDongle.has(r.id) ? (
              <div className="request-actions">
                <DongleConfirm
                  request={r}
                  disabled={offline || busy !== null}
                  onSessionLost={onSessionLost}
                  onAnswered={({ request, session }) => {
                    live.answered(request);
                    setMessage(
                      session.state === 'approved'
                        ? { ok: true, text: t('wallet.dongle.confirmed') }
                        : { ok: false, text: t('wallet.dongle.declined', { reason: session.declineReason ?? session.state }) },
                    );
                  }}
                />
                <button type="button" className="danger" disabled={offline || busy !== null} onClick={() => void decline(r)}>
                  {t('wallet.requests.decline')}
                </button>
              </div>
            ) : (
              <div className="request-actions">
                {passkeyHere && (
                  <button type="button" className="primary" disabled={offline || busy !== null} onClick={() => void approveWithPasskey(r)}>
                    {t('wallet.requests.approve')}
                  </button>
                )}
                {passwordFor === r.id ? (
                  <form
                    className="inline-form"
                    onSubmit={(e) => {
                      e.preventDefault();
                      void approveWithPassword(r);
                    }}
                  >
                    <input
                      aria-label={t('wallet.password')}
                      type="password"
                      inputMode="numeric"
                      pattern="[0-9]{6}"
                      maxLength={6}
                      required
                      autoComplete="off"
                      value={password}
                      onChange={(e) => setPassword(e.target.value)}
                    />
                    <button type="submit" className="primary" disabled={offline || busy !== null}>
                      {t('wallet.requests.approvePassword')}
                    </button>
                  </form>
                ) : (
                  <button type="button" className={passkeyHere ? 'secondary' : 'primary'} disabled={offline || busy !== null} onClick={() => setPasswordFor(r.id)}>
                    {t('wallet.requests.approvePassword')}
                  </button>
                )}
                <button type="button" className="danger" disabled={offline || busy !== null} onClick={() => void decline(r)}>
                  {t('wallet.requests.decline')}
                </button>
              </div>
            )}
          </li>
        ))}
      </ul>
      {live.outcomes.length > 0 && (
        <>
          <h2>{t('wallet.requests.recent')}</h2>
          <ul className="list">
            {live.outcomes.map((r) => (
              <li key={r.id} className={`request outcome outcome-${r.state}`} data-testid="outcome" data-state={r.state} data-request-id={r.id}>
                <div className="request-head">
                  <strong>{r.payee.name}</strong>
                  <span className="request-amount">{show(r.amount, r.currency)}</span>
                </div>
                <p>{outcomeText(r, t)}</p>
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}
