/**
 * The operator console: sign in, then the store at a glance (sync, unsent
 * payments, the demo's network switch, devices, a chart), payments with
 * details, the declined-after-forward list, the site's limits and the
 * products taught to recognition. Live
 * events refresh what changed.
 */
import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { isEdgePayError, type ConsoleOverview, type OperatorSession, type PaymentDoc, type PaymentFilter, type RefusedDocument } from '../../core/index.ts';
import { useClient } from '../api/client.ts';
import { LanguageSwitch, useI18n } from '../i18n/i18n.tsx';
import { DeclinedList, DevicesTable, LimitsCard, NetworkCard, RefusedCard, SyncCard, UnsentCard } from './Panels.tsx';
import { PaymentsChart } from './PaymentsChart.tsx';
import { BacklogChart, CatalogueTab, LimitsEditor, PaymentsPerCurrencyChart, ReportTab, SyncNowButton } from './ShopPanels.tsx';
import { PaymentDetails, PaymentsTable } from './PaymentsView.tsx';
import { RecognitionPanel } from './RecognitionPanel.tsx';
import { RelayPanel } from './RelayPanel.tsx';
import { SignIn } from './SignIn.tsx';

type Tab = 'overview' | 'payments' | 'devices' | 'declined' | 'limits' | 'catalogue' | 'report' | 'recognition' | 'relay';
const TABS: Tab[] = ['overview', 'payments', 'devices', 'declined', 'limits', 'catalogue', 'report', 'recognition', 'relay'];
const SESSION_KEY = 'edgepay.console.session';

function savedSession(): OperatorSession | null {
  try {
    const s = JSON.parse(sessionStorage.getItem(SESSION_KEY) ?? 'null') as OperatorSession | null;
    return s && Date.parse(s.expiresAt) > Date.now() ? s : null;
  } catch {
    return null;
  }
}

export function ConsoleApp() {
  const client = useClient();
  const { t, errorText, setSite } = useI18n();
  const [session, setSession] = useState<OperatorSession | null>(savedSession);
  const [tab, setTab] = useState<Tab>('overview');
  const [overview, setOverview] = useState<ConsoleOverview | null>(null);
  const [payments, setPayments] = useState<PaymentDoc[]>([]);
  const [chartPayments, setChartPayments] = useState<PaymentDoc[]>([]);
  const [declined, setDeclined] = useState<PaymentDoc[]>([]);
  const [refused, setRefused] = useState<RefusedDocument[]>([]);
  const [filter, setFilter] = useState<PaymentFilter>({ limit: 200 });
  const [open, setOpen] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const token = session?.token ?? '';

  const onSession = (s: OperatorSession) => {
    sessionStorage.setItem(SESSION_KEY, JSON.stringify(s));
    setSession(s);
  };
  const signOut = useCallback(() => {
    if (token) void client.signOut(token).catch(() => undefined);
    sessionStorage.removeItem(SESSION_KEY);
    setSession(null);
  }, [client, token]);

  const guard = useCallback(
    async (f: () => Promise<void>) => {
      try {
        await f();
        setError(null);
      } catch (err) {
        if (isEdgePayError(err, 'GATEWAY_API_SESSION_REQUIRED')) signOut();
        else setError(errorText(err));
      }
    },
    [signOut, errorText],
  );

  const loadOverview = useCallback(
    () =>
      guard(async () => {
        const [o, r] = await Promise.all([client.overview(token), client.refusedDocuments(token)]);
        setOverview(o);
        setRefused(r);
        setSite({ ...(o.site.locale ? { locale: o.site.locale } : {}), ...(o.site.timezone ? { timeZone: o.site.timezone } : {}) });
      }),
    [client, token, guard, setSite],
  );
  const loadPayments = useCallback(
    () =>
      guard(async () => {
        const [list, all, dec] = await Promise.all([client.payments(token, filter), client.payments(token, { limit: 1000 }), client.declinedAfterForward(token)]);
        setPayments(list);
        setChartPayments(all);
        setDeclined(dec);
      }),
    [client, token, filter, guard],
  );

  useEffect(() => {
    if (!token) return;
    void loadOverview();
    void loadPayments();
  }, [token, loadOverview, loadPayments]);

  useEffect(() => {
    if (!token) return;
    client.authenticateEvents(token);
    const off = client.onEvent((e) => {
      if (e.type === 'sync') {
        setOverview((o) => (o ? { ...o, sync: e.status, network: e.network } : o));
        // A refusal comes with a push, which changes the sync status, not the payments.
        void client.refusedDocuments(token).then(setRefused, () => undefined);
      }
      if (e.type === 'devices') setOverview((o) => (o ? { ...o, devices: e.devices } : o));
      if (e.type === 'payments-changed') {
        void loadPayments();
        void loadOverview();
      }
    });
    return () => {
      off();
      client.authenticateEvents(null);
    };
  }, [client, token, loadPayments, loadOverview]);

  if (!session) return <SignIn onSession={onSession} />;

  const setNetwork = (enabled: boolean) =>
    void guard(async () => {
      const network = await client.setNetwork(token, enabled);
      setOverview((o) => (o ? { ...o, network } : o));
    });

  return (
    <div className="console">
      <header className="console-header">
        <h1>
          EdgePay · {t('console.title')}
          {overview?.site.name ? <span className="muted"> · {overview.site.name}</span> : null}
        </h1>
        <div className="header-actions">
          <LanguageSwitch />
          <button type="button" className="btn" onClick={signOut}>
            {t('console.signOut')}
          </button>
        </div>
      </header>
      <div className="tabs" role="tablist" aria-label={t('console.title')}>
        {TABS.map((x) => (
          <button key={x} type="button" role="tab" aria-selected={tab === x} className={`tab ${tab === x ? 'active' : ''}`} onClick={() => setTab(x)} data-testid={`tab-${x}`}>
            {t(`console.nav.${x}`)}
            {x === 'declined' && declined.length > 0 ? <span className="badge">{declined.length}</span> : null}
          </button>
        ))}
      </div>
      {error ? (
        <p className="error banner" role="alert">
          {error}
        </p>
      ) : null}
      {!overview ? null : (
        <main className="console-main" role="tabpanel">
          {tab === 'overview' ? (
            <div className="grid">
              <SyncCard sync={overview.sync} />
              <UnsentCard unsent={overview.unsent} />
              <RefusedCard refused={refused} />
              <NetworkCard overview={overview} onSet={setNetwork} />
              <section className="card" aria-label={t('console.syncNow')}>
                <SyncNowButton token={token} onDone={() => void loadOverview()} />
              </section>
              <section className="card wide">
                <PaymentsChart payments={chartPayments} />
              </section>
              <section className="card wide">
                <PaymentsPerCurrencyChart payments={chartPayments} />
              </section>
              <section className="card wide">
                <BacklogChart token={token} />
              </section>
              <DevicesTable devices={overview.devices} />
              <ScannerCard />
            </div>
          ) : null}
          {tab === 'payments' ? <PaymentsTable payments={payments} filter={filter} onFilter={setFilter} onOpen={setOpen} /> : null}
          {tab === 'devices' ? (
            <div className="grid">
              <DevicesTable devices={overview.devices} />
            </div>
          ) : null}
          {tab === 'declined' ? (
            <div className="grid">
              <DeclinedList payments={declined} onOpen={setOpen} />
            </div>
          ) : null}
          {tab === 'limits' ? (
            <div className="grid">
              <LimitsCard site={overview.site} />
              <LimitsEditor token={token} site={overview.site} onSaved={() => void loadOverview()} />
              <UnsentCard unsent={overview.unsent} />
            </div>
          ) : null}
          {tab === 'catalogue' ? (
            <div className="grid">
              <CatalogueTab token={token} />
            </div>
          ) : null}
          {tab === 'report' ? (
            <div className="grid">
              <ReportTab token={token} />
            </div>
          ) : null}
          {tab === 'recognition' ? <RecognitionPanel token={token} /> : null}
          {tab === 'relay' ? <RelayPanel token={token} /> : null}
        </main>
      )}
      {open ? <PaymentDetails token={token} id={open} onClose={() => setOpen(null)} /> : null}
    </div>
  );
}

/** The demo's scanner: a barcode typed here lands in the kiosk's basket (the kiosk API answers only this machine). */
function ScannerCard() {
  const client = useClient();
  const { t } = useI18n();
  const [code, setCode] = useState('');
  const [msg, setMsg] = useState<string | null>(null);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    try {
      const s = await client.scan(code.trim());
      setMsg(`✓ ${s.basket.lines.at(-1)?.name ?? ''}`);
      setCode('');
    } catch (err) {
      setMsg((err as Error).message);
    }
  };
  return (
    <section className="card" aria-labelledby="scanner-title">
      <h2 id="scanner-title">{t('console.scanner')}</h2>
      <form onSubmit={(e) => void submit(e)} className="scanner-form">
        <label htmlFor="barcode">{t('console.scanner.barcode')}</label>
        <input id="barcode" inputMode="numeric" value={code} onChange={(e) => setCode(e.target.value)} />
        <button type="submit" className="btn primary" disabled={!code.trim()}>
          {t('console.scanner.scan')}
        </button>
      </form>
      {msg ? (
        <p className="muted" role="status">
          {msg}
        </p>
      ) : null}
    </section>
  );
}
