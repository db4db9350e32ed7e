/**
 * Pay later: the buyer's credit line, and each loan with its approval
 * number, items, plan, dues, payments and refunds. The buyer confirms
 * delivery here (the instalments start) and pays an instalment. The loan
 * itself is confirmed on the Requests tab (a request to pay), like any other
 * approval. Refreshed every few seconds while shown: the merchant ships,
 * refunds and reports returns from elsewhere.
 */
import { useCallback, useEffect, useState } from 'react';
import { CREDIT_PATHS, isCurrencyCode, isEdgePayError, type BuyerCreditView, type BuyerLoanView } from '../../../core/index.ts';
import { useI18n } from '../../i18n/i18n.tsx';
import { call, Offline } from '../api.ts';
import { errorText } from '../errors.ts';
import '../credit.css';

export function CreditScreen({ offline, onSessionLost }: { offline: boolean; onSessionLost: () => void }) {
  const { t, money, time } = useI18n();
  const [view, setView] = useState<BuyerCreditView | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const show = (amount: number, currency: string) => (isCurrencyCode(currency) ? money({ amount, currency }) : `${amount} ${currency}`);

  const load = useCallback(async () => {
    try {
      setView(await call<BuyerCreditView>('GET', CREDIT_PATHS.walletLoans));
    } catch (err) {
      if (isEdgePayError(err, 'WALLET_SESSION_REQUIRED')) onSessionLost();
      else if (!(err instanceof Offline)) setMessage({ ok: false, text: errorText(err, t) });
    }
  }, [onSessionLost, t]);

  useEffect(() => {
    void load();
    const timer = setInterval(() => void load(), 2000);
    return () => clearInterval(timer);
  }, [load]);

  const act = async (key: string, path: string, done: string) => {
    setBusy(key);
    setMessage(null);
    try {
      setView(await call<BuyerCreditView>('POST', path));
      setMessage({ ok: true, text: done });
    } catch (err) {
      if (isEdgePayError(err, 'WALLET_SESSION_REQUIRED')) onSessionLost();
      else setMessage({ ok: false, text: errorText(err, t) });
    } finally {
      setBusy(null);
    }
  };

  const loanCard = (l: BuyerLoanView) => (
    <li key={l.id} className="request credit-loan" data-testid="loan" data-loan-id={l.id} data-state={l.state}>
      <div className="request-head">
        <span>{l.merchantName}</span>
        <span className="request-amount">{show(l.amount, l.currency)}</span>
      </div>
      <p className={`credit-state credit-state-${l.state}`} data-testid="loan-state">
        {t(`credit.state.${l.state}`)}
      </p>
      {l.approvalNumber && (
        <p className="muted small-text mono" data-testid="approval-number">
          {t('credit.approval', { number: l.approvalNumber })}
        </p>
      )}
      <ul className="request-items">
        {l.items.map((i, n) => (
          <li key={n}>
            {i.name} × {i.quantity} <span className="muted">{show(i.amount, l.currency)}</span>
          </li>
        ))}
      </ul>
      <p className="muted">{l.instalments === 1 ? t('credit.plan.one') : t('credit.plan', { count: l.instalments })}</p>
      {l.paused && (
        <p className="credit-paused" role="status" data-testid="paused">
          {t('credit.paused')}
        </p>
      )}
      {l.refunded > 0 && <p data-testid="refunded">{t('credit.refunded', { amount: show(l.refunded, l.currency) })}</p>}
      {l.state === 'captured' && (
        <button type="button" className="primary" disabled={offline || busy !== null} onClick={() => void act('d' + l.id, CREDIT_PATHS.walletDelivered(l.id), t('credit.done.delivered'))}>
          {t('credit.delivered')}
        </button>
      )}
      {l.plan.length > 0 && (
        <>
          <p data-testid="paid-left">{t('credit.paid', { paid: show(l.paid, l.currency), left: show(l.outstanding, l.currency) })}</p>
          <ul className="list">
            {l.plan.map((p) => (
              <li key={p.seq} className={`list-row credit-inst credit-inst-${p.state}`} data-testid="instalment" data-seq={p.seq} data-state={p.state}>
                <span>
                  <strong>{show(p.amount, l.currency)}</strong>
                  <br />
                  <span className="muted small-text">{p.state === 'paid' && p.paidAt ? time(p.paidAt) : t('credit.due', { time: time(p.dueAt) })}</span>
                </span>
                {(p.state === 'due' || p.state === 'late') && !l.paused ? (
                  <span className="credit-inst-actions">
                    {p.state === 'late' && <span className="badge credit-late">{t('credit.inst.late')}</span>}
                    <button
                      type="button"
                      className="secondary small"
                      disabled={offline || busy !== null}
                      onClick={() => void act(`p${l.id}${p.seq}`, CREDIT_PATHS.walletPay(l.id, p.seq), t('credit.done.paid'))}
                    >
                      {t('credit.pay', { amount: show(p.amount, l.currency) })}
                    </button>
                  </span>
                ) : (
                  <span className="badge">
                    {t(`credit.inst.${p.state}`)}
                    {p.wasLate && p.state === 'paid' ? ` · ${t('credit.inst.wasLate')}` : ''}
                  </span>
                )}
              </li>
            ))}
          </ul>
        </>
      )}
    </li>
  );

  return (
    <section className="card-panel" data-screen="credit">
      <h1>{t('credit.title')}</h1>
      {view && view.lines.length === 0 && <p className="muted">{t('credit.line.none')}</p>}
      {view?.lines.map((line) => (
        <p key={line.currency} className="credit-line" data-testid="credit-line" data-currency={line.currency} data-available={line.available}>
          {t('credit.line', { available: show(line.available, line.currency), limit: show(line.limit, line.currency) })}
        </p>
      ))}
      {message && (
        <p className={message.ok ? 'form-ok' : 'form-error'} role="status">
          {message.text}
        </p>
      )}
      {view && view.loans.length === 0 && <p className="muted">{t('credit.none')}</p>}
      <ul className="list">{view?.loans.map(loanCard)}</ul>
    </section>
  );
}
