/** Payments with filters (status, online/offline), newest first, and a details dialog with the state history. */
import { useEffect, useRef, useState } from 'react';
import { paymentStatuses, type PaymentDoc, type PaymentFilter, type PaymentStatus } from '../../core/index.ts';
import { useClient } from '../api/client.ts';
import { MoneyBackForm } from './ShopPanels.tsx';
import { useI18n } from '../i18n/i18n.tsx';

export function PaymentsTable({ payments, filter, onFilter, onOpen }: { payments: readonly PaymentDoc[]; filter: PaymentFilter; onFilter(f: PaymentFilter): void; onOpen(id: string): void }) {
  const { t, money, time } = useI18n();
  return (
    <section className="card wide" aria-labelledby="payments-title">
      <h2 id="payments-title">{t('console.payments')}</h2>
      <div className="filters">
        <label>
          {t('console.filter.status')}
          <select
            value={filter.status ?? ''}
            onChange={(e) => onFilter({ ...filter, ...(e.target.value ? { status: e.target.value as PaymentStatus } : { status: undefined }) })}
            data-testid="filter-status"
          >
            <option value="">{t('console.filter.any')}</option>
            {paymentStatuses.map((s) => (
              <option key={s} value={s}>
                {t(`status.${s}`)}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t('console.filter.mode')}
          <select
            value={filter.offline === undefined ? '' : String(filter.offline)}
            onChange={(e) => onFilter({ ...filter, offline: e.target.value === '' ? undefined : e.target.value === 'true' })}
            data-testid="filter-mode"
          >
            <option value="">{t('console.filter.any')}</option>
            <option value="false">{t('console.filter.online')}</option>
            <option value="true">{t('console.filter.offline')}</option>
          </select>
        </label>
      </div>
      {payments.length === 0 ? (
        <p className="muted">{t('console.payments.none')}</p>
      ) : (
        <table className="table" data-testid="payments-table">
          <thead>
            <tr>
              <th>{t('console.col.time')}</th>
              <th>{t('console.col.amount')}</th>
              <th>{t('console.col.status')}</th>
              <th>{t('console.col.mode')}</th>
              <th>{t('console.col.card')}</th>
              <th>{t('console.col.items')}</th>
            </tr>
          </thead>
          <tbody>
            {payments.map((p) => (
              <tr key={p.id} className="clickable" tabIndex={0} onClick={() => onOpen(p.id)} onKeyDown={(e) => (e.key === 'Enter' ? onOpen(p.id) : undefined)} data-testid="payment-row">
                <td>{time(p.createdAt)}</td>
                <td className="num">{money({ amount: p.amount, currency: p.currency })}</td>
                <td>
                  <span className={`pill status-${p.status}`}>{t(`status.${p.status}`)}</span>
                </td>
                <td>{p.offline ? t('console.filter.offline') : t('console.filter.online')}</td>
                <td className="mono">{p.cardDisplay ? `${p.cardDisplay.bin}…${p.cardDisplay.last4}` : '—'}</td>
                <td>{p.lineItems.map((l) => `${l.name}×${l.quantity}`).join(', ')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

export function PaymentDetails({ token, id, onClose }: { token: string; id: string; onClose(): void }) {
  const client = useClient();
  const { t, money, time, declineText, errorText } = useI18n();
  const [p, setP] = useState<PaymentDoc | null>(null);
  const [error, setError] = useState<string | null>(null);
  const dialog = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    dialog.current?.showModal();
    client.payment(token, id).then(setP, (e: unknown) => setError(errorText(e)));
  }, [client, token, id, errorText]);
  return (
    <dialog ref={dialog} className="details" aria-labelledby="details-title" onClose={onClose} data-testid="payment-details">
      <h2 id="details-title">{t('console.details')}</h2>
      {error ? <p className="error">{error}</p> : null}
      {p ? (
        <>
          <p className="big-number">{money({ amount: p.amount, currency: p.currency })}</p>
          <p className="mono muted">{p.id}</p>
          <p>
            <span className={`pill status-${p.status}`}>{t(`status.${p.status}`)}</span> {p.offline ? t('console.filter.offline') : t('console.filter.online')}
            {p.cardDisplay ? ` · ${p.cardDisplay.bin}…${p.cardDisplay.last4}` : ''}
          </p>
          {p.declineReason ? (
            <p>
              {t('console.details.reason')}: {declineText(p.declineReason)}
            </p>
          ) : null}
          <ul className="items">
            {p.lineItems.map((l, i) => (
              <li key={i}>
                {l.name} × {l.quantity} — {money({ amount: l.lineAmount, currency: p.currency })}
              </li>
            ))}
          </ul>
          <MoneyBackForm token={token} payment={p} onDone={setP} />
          <h3>{t('console.details.history')}</h3>
          <ol className="history" data-testid="history">
            {p.statusHistory.map((h, i) => (
              <li key={i}>
                <span className={`pill status-${h.status}`}>{t(`status.${h.status}`)}</span> {time(h.at)} · {t('console.details.by', { who: h.by })}
                {h.reason ? ` · ${h.reason}` : ''}
              </li>
            ))}
          </ol>
        </>
      ) : null}
      <form method="dialog">
        <button className="btn" type="submit">
          {t('console.details.close')}
        </button>
      </form>
    </dialog>
  );
}
