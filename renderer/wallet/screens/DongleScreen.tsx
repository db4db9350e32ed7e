/**
 * My dongle (two-channel flow): the dongles paired to this wallet, and pairing
 * one by its serial and the code it shows now (the code proves the dongle is
 * in hand: the serial alone is printed on it). Unpair asks once more (it is
 * for good: the server destroys the dongle's keys), then cancels any payment
 * still waiting for its confirmation.
 */
import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { isEdgePayError, twoChannel } from '../../../core/index.ts';
import { useI18n } from '../../i18n/i18n.tsx';
import { call } from '../api.ts';
import { errorText } from '../errors.ts';

export function DongleScreen({ offline, onSessionLost }: { offline: boolean; onSessionLost: () => void }) {
  const { t, time } = useI18n();
  const [dongles, setDongles] = useState<twoChannel.DongleView[] | null>(null);
  const [serial, setSerial] = useState('');
  const [code, setCode] = useState('');
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const [unpairing, setUnpairing] = useState<string | null>(null);

  const load = useCallback(async () => {
    try {
      setDongles((await call<{ dongles: twoChannel.DongleView[] }>('GET', twoChannel.TWO_CHANNEL_PATHS.dongles)).dongles);
    } catch (err) {
      if (isEdgePayError(err, 'WALLET_SESSION_REQUIRED')) onSessionLost();
    }
  }, [onSessionLost]);
  useEffect(() => void load(), [load]);

  const pair = async (e: FormEvent) => {
    e.preventDefault();
    try {
      await call('POST', twoChannel.TWO_CHANNEL_PATHS.dongles, { serial: serial.trim().toUpperCase(), code });
      setMessage({ ok: true, text: t('wallet.dongle.paired') });
      setSerial('');
      setCode('');
      await load();
    } catch (err) {
      if (isEdgePayError(err, 'WALLET_SESSION_REQUIRED')) return onSessionLost();
      setMessage({ ok: false, text: errorText(err, t) });
    }
  };

  const unpair = async (d: twoChannel.DongleView) => {
    if (unpairing !== d.id) return setUnpairing(d.id);
    setUnpairing(null);
    try {
      await call('POST', twoChannel.TWO_CHANNEL_PATHS.unpair(d.id));
      setMessage({ ok: true, text: t('wallet.dongle.unpaired') });
      await load();
    } catch (err) {
      if (isEdgePayError(err, 'WALLET_SESSION_REQUIRED')) return onSessionLost();
      setMessage({ ok: false, text: errorText(err, t) });
    }
  };

  return (
    <section className="card-panel" data-screen="dongle">
      <h1>{t('wallet.dongle')}</h1>
      <p className="muted small-text">{t('wallet.dongle.hint')}</p>
      {dongles && dongles.length === 0 && <p className="muted">{t('wallet.dongle.none')}</p>}
      <ul className="list">
        {dongles?.map((d) => (
          <li key={d.id} className="list-row dongle-row" data-testid="dongle-row">
            <span>{t('wallet.dongle.row', { serial: d.serial, time: time(d.pairedAt) })}</span>
            {unpairing === d.id && (
              <span className="small-text dongle-unpair-ask" role="alert">
                {t('wallet.dongle.unpairConfirm', { serial: d.serial })}
              </span>
            )}
            <button type="button" className={unpairing === d.id ? 'danger' : 'secondary'} data-testid="dongle-unpair" disabled={offline} onClick={() => void unpair(d)}>
              {t('wallet.dongle.unpair')}
            </button>
          </li>
        ))}
      </ul>
      <form className="form" onSubmit={(e) => void pair(e)}>
        <label>
          {t('wallet.dongle.serial')}
          <input name="serial" value={serial} required pattern="[A-Za-z0-9]{4}(-[A-Za-z0-9]{4}){3}" autoComplete="off" onChange={(e) => setSerial(e.target.value)} />
        </label>
        <label>
          {t('wallet.dongle.code')}
          <input name="code" value={code} required inputMode="numeric" pattern="[0-9]{6}" maxLength={6} autoComplete="one-time-code" onChange={(e) => setCode(e.target.value)} />
        </label>
        {message && (
          <p className={message.ok ? 'form-ok' : 'form-error'} role="status">
            {message.text}
          </p>
        )}
        <button type="submit" className="primary" disabled={offline}>
          {t('wallet.dongle.pair')}
        </button>
      </form>
    </section>
  );
}
