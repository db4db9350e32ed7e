/** The console's read-only panels: sync, documents the server refused, unsent, devices, site limits, declined-after-forward. */
import type { ConsoleOverview, DeviceView, PaymentDoc, RefusedDocument, SiteView, SyncStatus, UnsentSummary } from '../../core/index.ts';
import { useI18n } from '../i18n/i18n.tsx';

export function SyncCard({ sync }: { sync: SyncStatus | null }) {
  const { t, money, time } = useI18n();
  const online = !!sync?.online;
  return (
    <section className="card" aria-labelledby="sync-title" data-testid="sync-card">
      <h2 id="sync-title">{t('console.sync')}</h2>
      <p className={`pill ${online ? 'pill-good' : 'pill-bad'}`} data-testid="sync-state">
        {online ? t('console.sync.online') : t('console.sync.offline')}
      </p>
      <dl className="facts">
        <dt>{t('console.sync.pending')}</dt>
        <dd>{sync ? `${sync.pending.count} · ${sync.pending.sums.map(money).join(' + ') || money({ amount: 0, currency: 'KRW' })}` : '—'}</dd>
        <dt>{t('console.sync.lastSync')}</dt>
        <dd>{sync?.lastSuccessAt ? time(sync.lastSuccessAt) : '—'}</dd>
        {sync?.nextAttemptAt ? (
          <>
            <dt>{t('console.sync.nextAttempt')}</dt>
            <dd>{time(sync.nextAttemptAt)}</dd>
          </>
        ) : null}
        {sync?.lastError ? (
          <>
            <dt>{t('console.sync.lastError')}</dt>
            <dd className="error-text">
              {time(sync.lastError.at)} · {sync.lastError.message}
            </dd>
          </>
        ) : null}
      </dl>
    </section>
  );
}

/** Documents the server refused on push (issue 25): set aside with the server's reason; shown only when there are any. */
export function RefusedCard({ refused }: { refused: readonly RefusedDocument[] }) {
  const { t, time } = useI18n();
  if (refused.length === 0) return null;
  return (
    <section className="card wide" aria-labelledby="refused-title" data-testid="refused-card">
      <h2 id="refused-title">
        {t('console.refused')} <span className="badge">{refused.length}</span>
      </h2>
      <p className="muted">{t('console.refused.help')}</p>
      <table className="table" data-testid="refused-table">
        <thead>
          <tr>
            <th>{t('console.refused.document')}</th>
            <th>{t('console.refused.reason')}</th>
            <th>{t('console.refused.at')}</th>
          </tr>
        </thead>
        <tbody>
          {refused.map((r) => (
            <tr key={`${r.collection}/${r.documentId}`}>
              <td>
                <code>
                  {r.collection}/{r.documentId}
                </code>
              </td>
              <td className="error-text">
                <code>{r.code}</code> · {r.message}
              </td>
              <td>{time(r.refusedAt)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

export function UnsentCard({ unsent }: { unsent: UnsentSummary }) {
  const { t, money } = useI18n();
  return (
    <section className="card" aria-labelledby="unsent-title">
      <h2 id="unsent-title">{t('console.unsent')}</h2>
      <p className="big-number" data-testid="unsent-count">
        {unsent.count}
      </p>
      <p className="muted" data-testid="unsent-sum">
        {unsent.sums.map(money).join(' + ') || money({ amount: 0, currency: 'KRW' })}
      </p>
    </section>
  );
}

export function NetworkCard({ overview, onSet }: { overview: ConsoleOverview; onSet(enabled: boolean): void }) {
  const { t } = useI18n();
  const on = overview.network.enabled;
  return (
    <section className="card" aria-labelledby="net-title">
      <h2 id="net-title">{t('console.network')}</h2>
      <p className={`pill ${on ? 'pill-good' : 'pill-bad'}`}>{on ? t('console.network.on') : t('console.network.off')}</p>
      <button type="button" className={`btn ${on ? 'danger' : 'primary'}`} onClick={() => onSet(!on)} data-testid="network-switch">
        {on ? t('console.network.cut') : t('console.network.restore')}
      </button>
    </section>
  );
}

export function DevicesTable({ devices }: { devices: readonly DeviceView[] }) {
  const { t, locale } = useI18n();
  const rel = new Intl.RelativeTimeFormat(locale, { numeric: 'auto' });
  return (
    <section className="card wide" aria-labelledby="devices-title">
      <h2 id="devices-title">{t('console.devices')}</h2>
      <table className="table" data-testid="devices-table">
        <thead>
          <tr>
            <th>{t('console.device.id')}</th>
            <th>{t('console.device.kind')}</th>
            <th>{t('console.device.driver')}</th>
            <th>{t('console.device.restarts')}</th>
            <th>{t('console.device.lastSeen')}</th>
            <th>{t('console.device.status')}</th>
          </tr>
        </thead>
        <tbody>
          {devices.map((d) => {
            const state = d.driver?.state ?? '—';
            return (
              <tr key={d.deviceId}>
                <td className="mono">{d.deviceId}</td>
                <td>{d.kind}</td>
                <td>
                  <span className={`pill ${state === 'running' ? 'pill-good' : state === 'failed' ? 'pill-bad' : 'pill-warn'}`}>{state}</span>
                  {d.driver?.error ? <span className="error-text"> {d.driver.error.message}</span> : null}
                </td>
                <td>{d.driver?.restarts ?? '—'}</td>
                <td>{d.lastSeen ? rel.format(Math.round((d.lastSeen - Date.now()) / 1000), 'second') : t('console.device.never')}</td>
                <td data-testid={`device-status-${d.deviceId}`}>
                  {d.status ? (
                    <span className={`pill ${d.status === 'online' ? 'pill-good' : d.status === 'starting' ? 'pill-warn' : 'pill-bad'}`}>{t(`console.device.status.${d.status}` as const)}</span>
                  ) : (
                    '—'
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </section>
  );
}

export function LimitsCard({ site }: { site: SiteView }) {
  const { t, money } = useI18n();
  const l = site.offlineLimits;
  return (
    <section className="card" aria-labelledby="limits-title" data-testid="limits-card">
      <h2 id="limits-title">
        {t('console.limits')}
        {site.name ? <span className="muted"> · {site.name}</span> : null}
      </h2>
      {!l || (l.perPayment.length === 0 && l.totalStored.length === 0) ? (
        <p>{t('console.limits.none')}</p>
      ) : (
        <dl className="facts">
          <dt>{t('console.limits.perPayment')}</dt>
          <dd>{l.perPayment.map(money).join(', ') || '—'}</dd>
          <dt>{t('console.limits.totalStored')}</dt>
          <dd>{l.totalStored.map(money).join(', ') || '—'}</dd>
          <dt>{t('console.limits.maxAge')}</dt>
          <dd>{t('console.limits.minutes', { n: l.maxAgeMinutes })}</dd>
        </dl>
      )}
    </section>
  );
}

export function DeclinedList({ payments, onOpen }: { payments: readonly PaymentDoc[]; onOpen(id: string): void }) {
  const { t, money, time } = useI18n();
  return (
    <section className="card wide" aria-labelledby="declined-title" data-testid="declined-list">
      <h2 id="declined-title">{t('console.declined')}</h2>
      <p className="muted">{t('console.declined.hint')}</p>
      {payments.length === 0 ? (
        <p>{t('console.declined.none')}</p>
      ) : (
        <ul className="declined">
          {payments.map((p) => (
            <li key={p.id}>
              <button type="button" className="link-btn" onClick={() => onOpen(p.id)}>
                {time(p.createdAt)} · <strong>{money({ amount: p.amount, currency: p.currency })}</strong> · {p.declineReason ?? ''}
                {p.cardDisplay ? ` · ${p.cardDisplay.bin}…${p.cardDisplay.last4}` : ''}
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
