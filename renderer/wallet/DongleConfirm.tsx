/**
 * A request to pay that a dongle confirms (two-channel flow): the person
 * types the number the pump or gate shows (proof of being there: a relayed
 * BLE signal's owner does not see it) and the 6-digit code the dongle gives
 * (the second channel). A real dongle hands its code to the phone over BLE
 * (a GATT read from the wallet app) or shows it on its display; the page
 * takes it typed. `useDongleRequests` says which pending requests are these.
 */
import { useEffect, useState } from 'react';
import { isEdgePayError, twoChannel, type PhonePaymentRequestView } from '../../core/index.ts';
import { useI18n } from '../i18n/i18n.tsx';
import { call } from './api.ts';
import { errorText } from './errors.ts';

export type DongleAnswer = { request: PhonePaymentRequestView; session: twoChannel.TwoChannelSessionView };

/**
 * The ids of my pending requests that a dongle confirms, asked again whenever
 * the pending list changes. The request reaches the phone live a moment
 * before the server has written its session, so an id the answer lacks is
 * asked about again a few times, shortly after.
 */
export function useDongleRequests(pendingIds: readonly string[]): ReadonlySet<string> {
  const [ids, setIds] = useState<ReadonlySet<string>>(new Set());
  const key = pendingIds.join(',');
  useEffect(() => {
    if (!key) return;
    let live = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const ask = (triesLeft: number) =>
      call<{ pending: { requestId: string }[] }>('GET', twoChannel.TWO_CHANNEL_PATHS.pending).then(
        (r) => {
          if (!live) return;
          const found = new Set(r.pending.map((p) => p.requestId));
          setIds(found);
          if (triesLeft > 0 && key.split(',').some((id) => !found.has(id))) timer = setTimeout(() => void ask(triesLeft - 1), 250);
        },
        () => undefined,
      );
    void ask(4);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [key]);
  return ids;
}

export function DongleConfirm({
  request,
  disabled,
  onAnswered,
  onSessionLost,
}: {
  request: PhonePaymentRequestView;
  disabled: boolean;
  onAnswered: (answer: DongleAnswer) => void;
  onSessionLost: () => void;
}) {
  const { t } = useI18n();
  const [presence, setPresence] = useState('');
  const [code, setCode] = useState('');
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<string | null>(null);

  const confirm = async () => {
    setBusy(true);
    setMessage(null);
    try {
      onAnswered(await call<DongleAnswer>('POST', twoChannel.TWO_CHANNEL_PATHS.confirm(request.id), { code, presence }));
    } catch (err) {
      if (isEdgePayError(err, 'WALLET_SESSION_REQUIRED')) return onSessionLost();
      setMessage(errorText(err, t));
      setCode('');
    } finally {
      setBusy(false);
    }
  };

  return (
    <form
      className="form dongle-confirm"
      data-testid="dongle-confirm"
      onSubmit={(e) => {
        e.preventDefault();
        void confirm();
      }}
    >
      <p className="small-text">{t('wallet.dongle.confirmHint')}</p>
      <div className="form-row">
        <label>
          {t('wallet.dongle.presence')}
          <input name="presence" value={presence} required inputMode="numeric" pattern="[0-9]{2}" maxLength={2} autoComplete="off" onChange={(e) => setPresence(e.target.value)} />
        </label>
        <label>
          {t('wallet.dongle.code')}
          <input name="dongle-code" value={code} required inputMode="numeric" pattern="[0-9]{6}" maxLength={6} autoComplete="one-time-code" onChange={(e) => setCode(e.target.value)} />
        </label>
      </div>
      {message && (
        <p className="form-error" role="alert">
          {message}
        </p>
      )}
      <button type="submit" className="primary" disabled={disabled || busy}>
        {t('wallet.dongle.confirm')}
      </button>
    </form>
  );
}
