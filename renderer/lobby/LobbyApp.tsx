/**
 * The lobby terminal: the courier enters their courier code (or scans their
 * company app's QR code into the same field), the unit and the amount, then
 * sees every step until the goods are delivered or the delivery ends. The
 * screen never shows who lives at the unit. The gateway holds the state; the
 * screen polls it and sends what the courier touches.
 */
import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { LOBBY_FINAL_STEPS, type LobbyState } from '../../core/index.ts';
import { useClient } from '../api/client.ts';
import { LanguageSwitch, useI18n } from '../i18n/i18n.tsx';
import { LABELS, STEP_TEXT } from './lobby-messages.ts';

const POLL_MS = Number(new URLSearchParams(location.search).get('poll') ?? 250);

export function LobbyApp() {
  const client = useClient();
  const { lang, money } = useI18n();
  const [state, setState] = useState<LobbyState | null>(null);
  const [code, setCode] = useState('');
  const [unit, setUnit] = useState('');
  const [amount, setAmount] = useState('');
  const [error, setError] = useState<string | null>(null);
  const text = STEP_TEXT[lang];
  const label = LABELS[lang];

  useEffect(() => {
    let alive = true;
    const tick = async () => {
      try {
        const s = await client.lobbyState();
        if (alive) setState((old) => (old && old.version === s.version && old.step === s.step ? old : s));
      } catch {
        // the gateway is restarting: keep the last screen
      }
      if (alive) setTimeout(tick, POLL_MS);
    };
    void tick();
    return () => {
      alive = false;
    };
  }, [client]);

  // An entry the gateway kept (server unreachable) comes back into the fields.
  useEffect(() => {
    if (state?.step === 'server-unreachable' && state.entry) {
      setCode(state.entry.courierCode);
      setUnit(state.entry.unit);
      setAmount(String(state.entry.amount));
    }
  }, [state?.step, state?.entry]);

  const act = useCallback(async (f: () => Promise<LobbyState>) => {
    try {
      setState(await f());
      setError(null);
    } catch (err) {
      setError((err as Error).message);
    }
  }, []);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    void act(() => client.lobbyRequest({ courierCode: code, unit, amount: Number(amount) }));
  };

  if (!state) return <main className="lobby" aria-busy="true" />;
  const editing = state.step === 'idle' || state.step === 'server-unreachable';
  const final = LOBBY_FINAL_STEPS.includes(state.step) && state.step !== 'idle';
  return (
    <main className="lobby">
      <header className="kiosk-header">
        <h1>{text.idle}</h1>
        <LanguageSwitch />
      </header>
      <section className="lobby-main">
        {editing && (
          <form className="lobby-form" onSubmit={submit}>
            <label>
              {label.code}
              <input value={code} onChange={(e) => setCode(e.target.value)} autoComplete="off" required />
            </label>
            <label>
              {label.unit}
              <input value={unit} onChange={(e) => setUnit(e.target.value)} inputMode="numeric" autoComplete="off" required />
            </label>
            <label>
              {label.amount}
              <input value={amount} onChange={(e) => setAmount(e.target.value.replace(/[^0-9]/g, ''))} inputMode="numeric" autoComplete="off" required />
            </label>
            <button type="submit" className="primary">{state.step === 'server-unreachable' ? label.retry : label.send}</button>
          </form>
        )}
        {state.step !== 'idle' && (
          <div className={`lobby-step step-${state.step}`} role="status" data-step={state.step}>
            {state.entry && !editing && (
              <p className="lobby-summary">
                {state.merchantName ? `${state.merchantName} · ` : ''}
                {state.entry.unit} · {money({ amount: state.entry.amount, currency: state.currency as never })}
              </p>
            )}
            <p className="lobby-text">{text[state.step]}</p>
            {state.car && !final && (
              <p className="lobby-car">
                {label.car} {state.car.car} · {state.car.floor}
                {label.floor}
              </p>
            )}
            {state.refunded && <p className="lobby-refunded">{label.refunded}</p>}
          </div>
        )}
        {state.step === 'load-goods' && (
          <button type="button" className="primary" onClick={() => void act(() => client.lobbyConfirmLoad())}>
            {label.loaded}
          </button>
        )}
        {final && state.step !== 'server-unreachable' && (
          <button type="button" onClick={() => void act(() => client.lobbyReset())}>
            {label.again}
          </button>
        )}
        {error && <p className="lobby-error" role="alert">{error}</p>}
      </section>
    </main>
  );
}
