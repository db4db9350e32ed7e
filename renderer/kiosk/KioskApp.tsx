/**
 * The kiosk checkout screen: the basket (items appear as they are scanned),
 * quantities, totals, pay by card terminal, and the payment's outcome. The
 * gateway owns the basket; this screen shows what the gateway says and sends
 * what the customer touches.
 */
import { useCallback, useEffect, useState } from 'react';
import type { CameraView, KioskState } from '../../core/index.ts';
import { useClient } from '../api/client.ts';
import { LanguageSwitch, useI18n } from '../i18n/i18n.tsx';
import { BasketList } from './BasketList.tsx';
import { CameraPanel } from './CameraPanel.tsx';
import { PaymentOverlay, type PaymentView } from './PaymentOverlay.tsx';
import { PayLaterOverlay } from './PayLaterOverlay.tsx';
import { useIdleReset } from './use-idle-reset.ts';
import { useKeyboardScanner } from './use-keyboard-scanner.ts';

const params = new URLSearchParams(location.search);
const IDLE_WARN_MS = Number(params.get('idle') ?? 90_000);
const IDLE_GRACE_MS = Number(params.get('grace') ?? 15_000);
const RESULT_MS = Number(params.get('result') ?? 8_000);

export function KioskApp() {
  const client = useClient();
  const { t, money, errorText, setSite } = useI18n();
  const [state, setState] = useState<KioskState | null>(null);
  const [camera, setCamera] = useState<CameraView | null>(null);
  const [payment, setPayment] = useState<PaymentView | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  // Pay later (flow `credit`): its own overlay, beside the card payment's.
  const [payingLater, setPayingLater] = useState(false);
  const [connected, setConnected] = useState(true);

  useEffect(() => {
    const offEvents = client.onEvent((e) => {
      if (e.type === 'kiosk') setState(e.state);
      if (e.type === 'camera') setCamera(e.view);
      if (e.type === 'payment') setPayment(e.phase === 'waiting' ? { phase: 'waiting' } : { phase: 'done', outcome: e.outcome });
    });
    const offConn = client.onConnection((c) => {
      setConnected(c);
      // After a reconnect the state may have moved on: read it whole.
      if (c) void client.kioskState().then(setState, () => undefined);
    });
    void client.kioskState().then(setState, () => undefined);
    return () => {
      offEvents();
      offConn();
    };
  }, [client]);

  // The site's locale and zone, not the whole state: a basket change must not reset the formatters.
  const known = state !== null;
  const siteLocale = state?.siteLocale;
  const siteTimeZone = state?.siteTimeZone;
  useEffect(() => {
    if (known) setSite({ ...(siteLocale ? { locale: siteLocale } : {}), ...(siteTimeZone ? { timeZone: siteTimeZone } : {}) });
  }, [known, siteLocale, siteTimeZone, setSite]);

  const act = useCallback(
    async (f: () => Promise<KioskState>) => {
      try {
        setState(await f());
        setNotice(null);
      } catch (err) {
        // Every message from the catalogue, by the error's code.
        setNotice(errorText(err));
      }
    },
    [errorText],
  );

  useKeyboardScanner((code) => void act(() => client.scan(code)));

  const pay = async () => {
    setPayment({ phase: 'waiting' });
    try {
      const outcome = await client.pay();
      setPayment({ phase: 'done', outcome });
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      setPayment({ phase: 'done', outcome: { state: 'failed', code: typeof code === 'string' ? (code as never) : 'INTERNAL', message: '' } });
    }
  };

  const closeResult = useCallback(() => {
    setPayment(null);
    setCamera(null);
  }, []);
  const closePayLater = useCallback(() => {
    setPayingLater(false);
    void client.kioskState().then(setState, () => undefined);
  }, [client]);
  const lines = state?.basket.lines ?? [];
  const busy = !!state?.paying || payment?.phase === 'waiting' || payingLater;
  const idle = useIdleReset(lines.length > 0 && !busy && !payment && !payingLater, IDLE_WARN_MS, IDLE_GRACE_MS, () => void act(() => client.clear()));
  const unsent = state?.unsent;

  return (
    <div className="kiosk" data-online={state?.online ? 'true' : 'false'}>
      <header className="kiosk-header">
        <div className="brand">EdgePay</div>
        <LanguageSwitch />
      </header>
      {state && !state.online ? (
        <div className="offline-banner" role="status" data-testid="offline-banner">
          <span>{t('kiosk.offline')}</span>
          {unsent && unsent.count > 0 ? <span className="offline-unsent">{t('kiosk.offline.unsent', { count: unsent.count, sum: unsent.sums.map(money).join(' + ') })}</span> : null}
        </div>
      ) : null}
      {!connected ? (
        <div className="reconnecting" role="status">
          {t('kiosk.reconnecting')}
        </div>
      ) : null}
      <div className="kiosk-body">
        <main className="kiosk-main">
          {lines.length === 0 ? (
            <section className="welcome" aria-live="polite">
              <div className="scan-illustration" aria-hidden="true">
                <svg viewBox="0 0 120 80" aria-hidden="true">
                  {[8, 14, 18, 26, 30, 38, 44, 48, 56, 62, 66, 74, 80, 86, 90, 98, 104, 110].map((x, i) => (
                    <rect key={x} x={x} y="10" width={i % 3 === 0 ? 4 : 2} height="60" fill="currentColor" />
                  ))}
                  <rect x="0" y="38" width="120" height="3" fill="#ff5a5f" />
                </svg>
              </div>
              <h1>{t('kiosk.welcome')}</h1>
              <p>{t('kiosk.welcome.hint')}</p>
            </section>
          ) : (
            <section className="basket-section">
              <h1 className="basket-title">
                {t('kiosk.basket')} <span className="count">{t('kiosk.items', { count: state?.itemCount ?? 0 })}</span>
              </h1>
              <BasketList lines={lines} disabled={busy} onQuantity={(id, q) => void act(() => client.setQuantity(id, q))} onRemove={(id) => void act(() => client.remove(id))} />
            </section>
          )}
          {notice ? (
            <p className="notice" role="alert">
              {notice}
            </p>
          ) : null}
        </main>
        <aside className="kiosk-side">
          {camera ? <CameraPanel view={camera} /> : null}
          <footer className="kiosk-footer">
            <div className="total-row">
              <span>{t('kiosk.total')}</span>
              <output className="total" data-testid="total" aria-live="polite">
                {state ? money(state.total) : '—'}
              </output>
            </div>
            <div className="actions">
              <button type="button" className="big-btn secondary" disabled={busy || lines.length === 0} onClick={() => void act(() => client.clear())}>
                {t('kiosk.clear')}
              </button>
              <button type="button" className="big-btn primary pay-btn" disabled={busy || lines.length === 0} onClick={() => void pay()}>
                {state && lines.length ? t('kiosk.pay.label', { total: money(state.total) }) : t('kiosk.pay')}
              </button>
              <button type="button" className="big-btn secondary paylater-btn" data-testid="paylater-button" disabled={busy || lines.length === 0} onClick={() => setPayingLater(true)}>
                {t('kiosk.paylater')}
              </button>
            </div>
          </footer>
        </aside>
      </div>
      {payment ? <PaymentOverlay view={payment} onClose={closeResult} autoCloseMs={RESULT_MS} /> : null}
      {payingLater && state ? <PayLaterOverlay total={state.total} onClose={closePayLater} autoCloseMs={RESULT_MS} /> : null}
      {idle.warning ? (
        <div className="overlay tone-wait" role="alertdialog" aria-modal="true" aria-labelledby="idle-title">
          <div className="overlay-card">
            <h2 id="idle-title">{t('kiosk.idle')}</h2>
            <button type="button" className="big-btn primary" onClick={idle.stay}>
              {t('kiosk.idle.stay')}
            </button>
          </div>
        </div>
      ) : null}
    </div>
  );
}
