/** The full-screen states of a payment: waiting at the terminal, then the outcome in words a customer understands. */
import { useEffect, useRef } from 'react';
import type { PayOutcome } from '../../core/index.ts';
import { useI18n } from '../i18n/i18n.tsx';

export type PaymentView = { phase: 'waiting' } | { phase: 'done'; outcome: PayOutcome };

const TONE: Record<PayOutcome['state'], string> = { approved: 'good', stored: 'good', declined: 'bad', refused: 'warn', failed: 'bad' };
const ICON: Record<PayOutcome['state'], string> = { approved: '✓', stored: '✓', declined: '✕', refused: '!', failed: '!' };

export function PaymentOverlay({ view, onClose, autoCloseMs }: { view: PaymentView; onClose(): void; autoCloseMs: number }) {
  const { t } = useI18n();
  const button = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (view.phase !== 'done') return;
    button.current?.focus();
    // A finished sale clears itself for the next customer.
    const timer = setTimeout(onClose, autoCloseMs);
    return () => clearTimeout(timer);
  }, [view, onClose, autoCloseMs]);

  if (view.phase === 'waiting') {
    return (
      <div className="overlay tone-wait" role="alertdialog" aria-modal="true" aria-labelledby="pay-title" data-state="waiting">
        <div className="overlay-card">
          <div className="spinner" aria-hidden="true" />
          <h2 id="pay-title">{t('kiosk.waiting.title')}</h2>
          <p>{t('kiosk.waiting.text')}</p>
        </div>
      </div>
    );
  }
  const o = view.outcome;
  const text =
    o.state === 'declined' ? t('kiosk.declined.text', { reason: o.reason }) : t(`kiosk.${o.state}.text` as const);
  const card = (o.state === 'approved' || o.state === 'stored') && o.payment.cardDisplay;
  const happy = o.state === 'approved' || o.state === 'stored';
  return (
    <div className={`overlay tone-${TONE[o.state]}`} role="alertdialog" aria-modal="true" aria-labelledby="pay-title" data-state={o.state}>
      <div className="overlay-card">
        <div className="overlay-icon" aria-hidden="true">{ICON[o.state]}</div>
        <h2 id="pay-title">{t(`kiosk.${o.state}.title` as const)}</h2>
        <p>{text}</p>
        {card ? <p className="receipt-card">{t('kiosk.receipt', { bin: card.bin, last4: card.last4 })}</p> : null}
        <button ref={button} type="button" className="big-btn primary" onClick={onClose}>
          {happy ? t('kiosk.done') : t('kiosk.tryAgain')}
        </button>
      </div>
    </div>
  );
}
