/**
 * Payments over time as an inline SVG bar chart: one bar per time bucket,
 * height by amount, online and offline stacked so a backlog stands out. No
 * chart library: a dozen rectangles do not need one.
 */
import type { PaymentDoc } from '../../core/index.ts';
import { useI18n } from '../i18n/i18n.tsx';

const W = 640;
const H = 180;
const PAD = 28;

export function bucketPayments(payments: readonly PaymentDoc[], buckets: number, now: number, spanMs: number) {
  const size = spanMs / buckets;
  const start = now - spanMs;
  const out = Array.from({ length: buckets }, (_, i) => ({ at: start + i * size, online: 0, offline: 0, count: 0 }));
  for (const p of payments) {
    const i = Math.floor((Date.parse(p.createdAt) - start) / size);
    const b = out[Math.min(Math.max(i, 0), buckets - 1)];
    if (!b || Date.parse(p.createdAt) < start) continue;
    if (p.offline) b.offline += p.amount;
    else b.online += p.amount;
    b.count++;
  }
  return out;
}

export function PaymentsChart({ payments, now = Date.now() }: { payments: readonly PaymentDoc[]; now?: number }) {
  const { t, money, locale } = useI18n();
  const currency = payments[0]?.currency ?? 'KRW';
  const mine = payments.filter((p) => p.currency === currency);
  // The last hour in 5-minute buckets, or since the first payment if sooner.
  const buckets = bucketPayments(mine, 12, now, 60 * 60_000);
  const max = Math.max(1, ...buckets.map((b) => b.online + b.offline));
  const bw = (W - PAD * 2) / buckets.length;
  const hm = new Intl.DateTimeFormat(locale, { hour: '2-digit', minute: '2-digit' });
  const total = mine.reduce((s, p) => s + p.amount, 0);
  return (
    <figure className="chart" aria-labelledby="chart-title">
      <figcaption id="chart-title">
        {t('console.payments.chart')} <span className="muted">· {money({ amount: total, currency })}</span>
      </figcaption>
      {mine.length === 0 ? (
        <p className="muted">{t('console.payments.chart.empty')}</p>
      ) : (
        <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={t('console.payments.chart')} className="chart-svg">
          <line x1={PAD} y1={H - PAD} x2={W - PAD} y2={H - PAD} stroke="#c9ced6" />
          {buckets.map((b, i) => {
            const hOn = ((H - PAD * 2) * b.online) / max;
            const hOff = ((H - PAD * 2) * b.offline) / max;
            const x = PAD + i * bw + 3;
            return (
              <g key={b.at}>
                <title>{`${hm.format(b.at)} · ${b.count} · ${money({ amount: b.online + b.offline, currency })}`}</title>
                <rect x={x} y={H - PAD - hOn} width={bw - 6} height={hOn} fill="#2f6fed" rx="2" />
                <rect x={x} y={H - PAD - hOn - hOff} width={bw - 6} height={hOff} fill="#f59e0b" rx="2" />
                {i % 3 === 0 ? (
                  <text x={x} y={H - 8} fontSize="11" fill="#5b6472">
                    {hm.format(b.at)}
                  </text>
                ) : null}
              </g>
            );
          })}
        </svg>
      )}
      <div className="legend">
        <span>
          <i style={{ background: '#2f6fed' }} /> {t('console.filter.online')}
        </span>
        <span>
          <i style={{ background: '#f59e0b' }} /> {t('console.filter.offline')}
        </span>
      </div>
    </figure>
  );
}
