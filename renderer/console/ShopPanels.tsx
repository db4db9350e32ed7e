/**
 * The shop-ready console (issue 26): refund and void with a reason and the
 * operator's name, the catalogue and the offline limits edited through the
 * server, "sync now", the end-of-day report with its CSV, and uPlot charts of
 * payments over time per currency and of the sync backlog.
 */
import { useCallback, useEffect, useMemo, useRef, useState, type FormEvent } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import {
  endOfDayCsv,
  parseMoney,
  productName,
  toDecimalString,
  type BacklogSample,
  type EndOfDayReport,
  type OfflineLimits,
  type PaymentDoc,
  type ProductDoc,
  type SiteView,
} from '../../core/index.ts';
import { useClient } from '../api/client.ts';
import { useI18n } from '../i18n/i18n.tsx';

const OPERATOR_KEY = 'edgepay.console.operator';

/** Refund (captured) or void (authorised) a payment: the reason and the operator's name go to the server's audit log. */
export function MoneyBackForm({ token, payment, onDone }: { token: string; payment: PaymentDoc; onDone(p: PaymentDoc): void }) {
  const client = useClient();
  const { t, money, errorText } = useI18n();
  const [operator, setOperator] = useState(() => localStorage.getItem(OPERATOR_KEY) ?? '');
  const [reason, setReason] = useState('');
  const left = payment.amount - (payment.refundedAmount ?? 0);
  const [amount, setAmount] = useState(() => toDecimalString({ amount: left, currency: payment.currency }));
  const [msg, setMsg] = useState<{ ok: boolean; text: string } | null>(null);
  const canRefund = (payment.status === 'captured' || payment.status === 'partially-refunded') && left > 0;
  const canVoid = payment.status === 'authorised';
  if (!canRefund && !canVoid) return null;
  const run = async (e: FormEvent, kind: 'refund' | 'void') => {
    e.preventDefault();
    localStorage.setItem(OPERATOR_KEY, operator);
    try {
      const p =
        kind === 'refund'
          ? await client.refundPayment(token, payment.id, parseMoney(amount, payment.currency).amount, reason, operator)
          : await client.voidPayment(token, payment.id, reason, operator);
      setMsg({ ok: true, text: t(kind === 'refund' ? 'console.refund.done' : 'console.void.done', { status: t(`status.${p.status}`) }) });
      onDone(p);
    } catch (err) {
      setMsg({ ok: false, text: errorText(err) });
    }
  };
  return (
    <form className="money-back" onSubmit={(e) => void run(e, canRefund ? 'refund' : 'void')} data-testid="money-back">
      <h3>{canRefund ? t('console.refund') : t('console.void')}</h3>
      <label>
        {t('console.operator')}
        <input required maxLength={80} value={operator} onChange={(e) => setOperator(e.target.value)} autoComplete="name" />
      </label>
      <label>
        {t('console.reason')}
        <input required maxLength={200} value={reason} onChange={(e) => setReason(e.target.value)} />
      </label>
      {canRefund ? (
        <label>
          {t('console.refund.amount', { left: money({ amount: left, currency: payment.currency }) })}
          <input required inputMode="decimal" value={amount} onChange={(e) => setAmount(e.target.value)} />
        </label>
      ) : null}
      <button type="submit" className="btn danger">
        {canRefund ? t('console.refund') : t('console.void')}
      </button>
      <p role="status" className={msg && !msg.ok ? 'error-text' : ''}>
        {msg?.text ?? ''}
      </p>
    </form>
  );
}

export function SyncNowButton({ token, onDone }: { token: string; onDone(): void }) {
  const client = useClient();
  const { t, errorText } = useI18n();
  const [busy, setBusy] = useState(false);
  const [msg, setMsg] = useState('');
  return (
    <>
      <button
        type="button"
        className="btn primary"
        disabled={busy}
        onClick={() => {
          setBusy(true);
          client
            .syncNow(token)
            .then(
              (s) => {
                setMsg(s?.online ? t('console.syncNow.online') : t('console.syncNow.offline'));
                onDone();
              },
              (err) => setMsg(errorText(err)),
            )
            .finally(() => setBusy(false));
        }}
      >
        {t('console.syncNow')}
      </button>
      <p role="status" className="muted">
        {msg}
      </p>
    </>
  );
}

/** A line chart drawn by uPlot; `series` share the x values (seconds). */
function UChart({ title, x, series, testId }: { title: string; x: number[]; series: { label: string; values: number[]; colour: string }[]; testId: string }) {
  const box = useRef<HTMLDivElement>(null);
  const { locale, site } = useI18n();
  useEffect(() => {
    if (!box.current) return;
    const width = Math.max(320, box.current.clientWidth);
    const plot = new uPlot(
      {
        width,
        height: 220,
        ...(site.timeZone ? { tzDate: (ts: number) => uPlot.tzDate(new Date(ts * 1000), site.timeZone!) } : {}),
        series: [
          {},
          ...series.map((s) => ({ label: s.label, stroke: s.colour, width: 2, fill: s.colour + '22', value: (_u: uPlot, v: number | null) => (v == null ? '—' : v.toLocaleString(locale)) })),
        ],
        axes: [{}, { values: (_u: uPlot, vals: number[]) => vals.map((v) => v.toLocaleString(locale)) }],
        legend: { show: true },
      },
      [x, ...series.map((s) => s.values)],
      box.current,
    );
    return () => plot.destroy();
  }, [x, series, locale, site.timeZone]);
  return (
    <figure className="chart uchart" data-testid={testId} role="img" aria-label={title}>
      <figcaption>{title}</figcaption>
      <div ref={box} />
    </figure>
  );
}

const COLOURS = ['#2f6fed', '#0e9f6e', '#d97706', '#e02424', '#7c3aed'];

/** Sums of payments per hour, one series per currency (each in its major units). */
export function PaymentsPerCurrencyChart({ payments }: { payments: readonly PaymentDoc[] }) {
  const { t } = useI18n();
  const data = useMemo(() => {
    const hours = [...new Set(payments.map((p) => Math.floor(Date.parse(p.createdAt) / 3_600_000)))].sort((a, b) => a - b);
    const currencies = [...new Set(payments.map((p) => p.currency))].sort();
    const index = new Map(hours.map((h, i) => [h, i]));
    const series = currencies.map((c, i) => {
      const values = hours.map(() => 0);
      for (const p of payments)
        if (p.currency === c && p.status !== 'declined' && p.status !== 'expired')
          values[index.get(Math.floor(Date.parse(p.createdAt) / 3_600_000))!]! += Number(toDecimalString({ amount: p.amount, currency: p.currency }));
      return { label: c, values, colour: COLOURS[i % COLOURS.length]! };
    });
    return { x: hours.map((h) => h * 3600), series };
  }, [payments]);
  if (!data.x.length) return <p className="muted">{t('console.payments.chart.empty')}</p>;
  return <UChart title={t('console.chart.perCurrency')} x={data.x} series={data.series} testId="chart-currency" />;
}

export function BacklogChart({ token }: { token: string }) {
  const client = useClient();
  const { t } = useI18n();
  const [samples, setSamples] = useState<BacklogSample[]>([]);
  useEffect(() => {
    const load = () => void client.syncBacklog(token).then(setSamples, () => undefined);
    load();
    const timer = setInterval(load, 5_000);
    return () => clearInterval(timer);
  }, [client, token]);
  const data = useMemo(
    () => ({ x: samples.map((s) => Date.parse(s.at) / 1000), series: [{ label: t('console.chart.unsent'), values: samples.map((s) => s.count), colour: '#d97706' }] }),
    [samples, t],
  );
  if (samples.length < 2) return <p className="muted">{t('console.chart.backlog.empty')}</p>;
  return <UChart title={t('console.chart.backlog')} x={data.x} series={data.series} testId="chart-backlog" />;
}

/** The catalogue, each product editable; saved through the server, back here by replication. */
export function CatalogueTab({ token }: { token: string }) {
  const client = useClient();
  const { t, money, lang, errorText } = useI18n();
  const [products, setProducts] = useState<ProductDoc[]>([]);
  const [edit, setEdit] = useState<ProductDoc | null>(null);
  const [msg, setMsg] = useState<{ ok: boolean; text: string } | null>(null);
  const load = useCallback(() => void client.catalogue(token).then(setProducts, (err) => setMsg({ ok: false, text: errorText(err) })), [client, token, errorText]);
  useEffect(load, [load]);
  const save = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    if (!edit) return;
    const f = new FormData(e.currentTarget);
    const text = (k: string) => String(f.get(k) ?? '').trim();
    try {
      const price = parseMoney(text('price'), edit.price.currency);
      await client.saveProduct(token, edit.id, {
        sku: edit.sku,
        barcode: text('barcode'),
        name: text('ko') || text('en') || edit.name,
        names: { ...(text('ko') ? { ko: text('ko') } : {}), ...(text('en') ? { en: text('en') } : {}) },
        ...(edit.picture ? { picture: edit.picture } : {}),
        price,
        active: f.get('active') === 'on',
      });
      setMsg({ ok: true, text: t('console.catalogue.saved', { name: text(lang) || edit.name }) });
      setEdit(null);
      // The change comes back by replication: read again shortly.
      setTimeout(load, 800);
    } catch (err) {
      setMsg({ ok: false, text: errorText(err) });
    }
  };
  return (
    <section className="card wide" aria-labelledby="catalogue-title">
      <h2 id="catalogue-title">{t('console.catalogue')}</h2>
      <p role="status" className={msg && !msg.ok ? 'error-text' : 'muted'}>
        {msg?.text ?? ''}
      </p>
      <table className="table" data-testid="catalogue-table">
        <thead>
          <tr>
            <th>{t('console.catalogue.product')}</th>
            <th>{t('console.catalogue.barcode')}</th>
            <th>{t('console.catalogue.price')}</th>
            <th>{t('console.catalogue.active')}</th>
            <th>
              <span className="visually-hidden">{t('console.catalogue.edit')}</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {products.map((p) => (
            <tr key={p.id} data-testid={`product-${p.id}`}>
              <td>
                {p.picture ? <img src={p.picture} alt="" width={32} height={32} className="thumb" /> : null} {productName(p, lang)}
              </td>
              <td className="mono">{p.barcode}</td>
              <td className="num">{money(p.price)}</td>
              <td>{p.active ? '✓' : '—'}</td>
              <td>
                <button type="button" className="btn" onClick={() => setEdit(p)} aria-label={t('console.catalogue.editOne', { name: productName(p, lang) })}>
                  {t('console.catalogue.edit')}
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {edit ? (
        <form className="edit-form" onSubmit={(e) => void save(e)} data-testid="product-form" key={edit.id}>
          <h3>{productName(edit, lang)}</h3>
          <label>
            {t('console.catalogue.nameKo')}
            <input name="ko" defaultValue={edit.names?.ko ?? edit.name} maxLength={200} lang="ko" />
          </label>
          <label>
            {t('console.catalogue.nameEn')}
            <input name="en" defaultValue={edit.names?.en ?? ''} maxLength={200} lang="en" />
          </label>
          <label>
            {t('console.catalogue.barcode')}
            <input name="barcode" defaultValue={edit.barcode} maxLength={64} />
          </label>
          <label>
            {t('console.catalogue.price')} ({edit.price.currency})<input name="price" required inputMode="decimal" defaultValue={toDecimalString(edit.price)} />
          </label>
          <label className="check">
            <input type="checkbox" name="active" defaultChecked={edit.active} /> {t('console.catalogue.active')}
          </label>
          <div className="row">
            <button type="submit" className="btn primary">
              {t('console.save')}
            </button>
            <button type="button" className="btn" onClick={() => setEdit(null)}>
              {t('console.cancel')}
            </button>
          </div>
        </form>
      ) : null}
    </section>
  );
}

/** The offline limits in the site's currency, saved through the server. */
export function LimitsEditor({ token, site, onSaved }: { token: string; site: SiteView; onSaved(): void }) {
  const client = useClient();
  const { t, errorText } = useI18n();
  const currency = (site.currency ?? 'KRW') as PaymentDoc['currency'];
  const limits = site.offlineLimits;
  const amountOf = (list: OfflineLimits['perPayment'] | undefined) => {
    const m = list?.find((x) => x.currency === currency);
    return m ? toDecimalString(m) : '';
  };
  const [msg, setMsg] = useState<{ ok: boolean; text: string } | null>(null);
  const save = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const f = new FormData(e.currentTarget);
    try {
      const keep = (list: OfflineLimits['perPayment'] | undefined) => (list ?? []).filter((m) => m.currency !== currency);
      const next: OfflineLimits = {
        perPayment: [...keep(limits?.perPayment), parseMoney(String(f.get('perPayment')), currency)],
        totalStored: [...keep(limits?.totalStored), parseMoney(String(f.get('totalStored')), currency)],
        maxAgeMinutes: Number(f.get('maxAge')),
      };
      await client.setOfflineLimits(token, next);
      setMsg({ ok: true, text: t('console.limits.saved') });
      setTimeout(onSaved, 800);
    } catch (err) {
      setMsg({ ok: false, text: errorText(err) });
    }
  };
  return (
    <section className="card" aria-labelledby="limits-edit-title">
      <h2 id="limits-edit-title">{t('console.limits.edit')}</h2>
      <form className="edit-form" onSubmit={(e) => void save(e)} data-testid="limits-form">
        <label>
          {t('console.limits.perPayment')} ({currency})<input name="perPayment" required inputMode="decimal" defaultValue={amountOf(limits?.perPayment)} />
        </label>
        <label>
          {t('console.limits.totalStored')} ({currency})<input name="totalStored" required inputMode="decimal" defaultValue={amountOf(limits?.totalStored)} />
        </label>
        <label>
          {t('console.limits.maxAge')}
          <input name="maxAge" type="number" min={0} max={43200} required defaultValue={limits?.maxAgeMinutes ?? 60} />
        </label>
        <button type="submit" className="btn primary">
          {t('console.save')}
        </button>
        <p role="status" className={msg && !msg.ok ? 'error-text' : 'muted'}>
          {msg?.text ?? ''}
        </p>
      </form>
    </section>
  );
}

/** Today's (or any day's) report per terminal, and its CSV. */
export function ReportTab({ token }: { token: string }) {
  const client = useClient();
  const { t, money, errorText, site } = useI18n();
  const today = useMemo(() => new Intl.DateTimeFormat('en-CA', { timeZone: site.timeZone ?? 'UTC', year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date()), [site.timeZone]);
  const [date, setDate] = useState(today);
  const [report, setReport] = useState<EndOfDayReport | null>(null);
  const [error, setError] = useState('');
  useEffect(() => {
    client.endOfDay(token, date).then(
      (r) => {
        setReport(r);
        setError('');
      },
      (err) => setError(errorText(err)),
    );
  }, [client, token, date, errorText]);
  const csvHref = useMemo(() => (report ? URL.createObjectURL(new Blob([endOfDayCsv(report)], { type: 'text/csv;charset=utf-8' })) : undefined), [report]);
  useEffect(() => () => void (csvHref && URL.revokeObjectURL(csvHref)), [csvHref]);
  return (
    <section className="card wide" aria-labelledby="report-title">
      <h2 id="report-title">{t('console.report')}</h2>
      <div className="filters">
        <label>
          {t('console.report.date')}
          <input type="date" value={date} onChange={(e) => e.target.value && setDate(e.target.value)} />
        </label>
        {csvHref ? (
          <a className="btn" href={csvHref} download={`edgepay-end-of-day-${date}.csv`} data-testid="csv">
            {t('console.report.csv')}
          </a>
        ) : null}
      </div>
      {error ? (
        <p className="error-text" role="alert">
          {error}
        </p>
      ) : null}
      {report ? (
        <>
          <table className="table" data-testid="report-terminals">
            <thead>
              <tr>
                <th>{t('console.report.terminal')}</th>
                <th>{t('console.report.count')}</th>
                <th>{t('console.report.offlineShare')}</th>
              </tr>
            </thead>
            <tbody>
              {report.terminals.map((x) => (
                <tr key={x.terminal}>
                  <td className="mono">{x.terminal}</td>
                  <td className="num">{t('console.report.payments', { count: x.count })}</td>
                  <td className="num">{Math.round(x.offlineShare * 100)}%</td>
                </tr>
              ))}
            </tbody>
          </table>
          <table className="table" data-testid="report-rows">
            <thead>
              <tr>
                <th>{t('console.report.terminal')}</th>
                <th>{t('console.report.method')}</th>
                <th>{t('console.col.status')}</th>
                <th>{t('console.report.count')}</th>
                <th>{t('console.report.sum')}</th>
                <th>{t('console.report.offline')}</th>
              </tr>
            </thead>
            <tbody>
              {report.rows.map((r) => (
                <tr key={[r.terminal, r.method, r.status, r.currency].join('/')}>
                  <td className="mono">{r.terminal}</td>
                  <td>{r.method}</td>
                  <td>
                    <span className={`pill status-${r.status}`}>{t(`status.${r.status}` as never)}</span>
                  </td>
                  <td className="num">{r.count}</td>
                  <td className="num">{money({ amount: r.sum, currency: r.currency as PaymentDoc['currency'] })}</td>
                  <td className="num">{r.offline}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {report.rows.length === 0 ? <p className="muted">{t('console.report.none')}</p> : null}
        </>
      ) : null}
    </section>
  );
}
