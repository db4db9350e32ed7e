/**
 * The full-screen states of a payment: waiting at the terminal, then the
 * outcome in words a customer understands. Approved (or accepted offline):
 * the amount, the approval code, the card's last digits, the e-receipt's QR
 * code and a button to print the receipt.
 */
import { useEffect, useRef, useState } from 'react';
import type { PayOutcome } from '../../core/index.ts';
import { useClient } from '../api/client.ts';
import { useI18n } from '../i18n/i18n.tsx';
import { QrCode } from './QrCode.tsx';

export type PaymentView = { phase: 'waiting' } | { phase: 'done'; outcome: PayOutcome };

const TONE: Record<PayOutcome['state'], string> = { approved: 'good', stored: 'good', declined: 'bad', refused: 'warn', failed: 'bad' };
const ICON: Record<PayOutcome['state'], string> = { approved: '✓', stored: '✓', declined: '✕', refused: '!', failed: '!' };

type Print = 'idle' | 'printing' | 'printed' | { error: unknown };

export function PaymentOverlay({ view, onClose, autoCloseMs }: { view: PaymentView; onClose(): void; autoCloseMs: number }) {
  const { t, money, declineText, errorText } = useI18n();
  const client = useClient();
  const button = useRef<HTMLButtonElement>(null);
  const [print, setPrint] = useState<Print>('idle');
  useEffect(() => {
    if (view.phase !== 'done') return;
    button.current?.focus();
    setPrint('idle');
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
    o.state === 'declined'
      ? t('kiosk.declined.text', { reason: declineText(o.reason) })
      : o.state === 'refused' && o.limit
        ? t(`kiosk.refused.limit.${o.limit}` as const)
        : o.state === 'failed'
          ? errorText({ code: o.code })
          : t(`kiosk.${o.state}.text` as const);
  const taken = o.state === 'approved' || o.state === 'stored' ? o : undefined;
  const card = taken?.payment.cardDisplay;
  const printReceipt = async () => {
    if (!taken) return;
    setPrint('printing');
    try {
      await client.printReceipt(taken.payment.id);
      setPrint('printed');
    } catch (error) {
      setPrint({ error });
    }
  };
  return (
    <div className={`overlay tone-${TONE[o.state]}`} role="alertdialog" aria-modal="true" aria-labelledby="pay-title" data-state={o.state}>
      <div className={`overlay-card${taken ? ' with-receipt' : ''}`}>
        <div className="overlay-icon" aria-hidden="true">
          {ICON[o.state]}
        </div>
        <h2 id="pay-title">{t(`kiosk.${o.state}.title` as const)}</h2>
        {taken ? (
          <p className="paid-amount" data-testid="paid-amount">
            {t(o.state === 'approved' ? 'kiosk.approved.amount' : 'kiosk.stored.amount', { amount: money({ amount: taken.payment.amount, currency: taken.payment.currency }) })}
          </p>
        ) : null}
        <p>{text}</p>
        {taken?.payment.approvalCode ? (
          <p className="approval-code" data-testid="approval-code">
            {t('kiosk.approval.code', { code: taken.payment.approvalCode })}
          </p>
        ) : null}
        {card ? <p className="receipt-card">{t('kiosk.receipt', { bin: card.bin, last4: card.last4 })}</p> : null}
        {taken?.receiptUrl ? (
          <figure className="e-receipt">
            <QrCode text={taken.receiptUrl} label={t('kiosk.receipt.qr.alt')} size={180} />
            <figcaption>{t('kiosk.receipt.qr')}</figcaption>
          </figure>
        ) : null}
        {taken ? (
          <>
            <button type="button" className="big-btn secondary" disabled={print === 'printing' || print === 'printed'} onClick={() => void printReceipt()}>
              {print === 'printing' ? t('kiosk.receipt.printing') : t('kiosk.receipt.print')}
            </button>
            <p role="status" className="print-status">
              {print === 'printed' ? t('kiosk.receipt.printed') : typeof print === 'object' ? errorText(print.error) : ''}
            </p>
          </>
        ) : null}
        <button ref={button} type="button" className="big-btn primary" onClick={onClose}>
          {taken ? t('kiosk.done') : t('kiosk.tryAgain')}
        </button>
      </div>
    </div>
  );
}
