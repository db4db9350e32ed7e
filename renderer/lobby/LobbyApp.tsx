/**
 * The lobby terminal: the courier enters their courier code (or shows their
 * company app's QR code to the lobby's scanner, which fills it), the unit and
 * the amount on a keypad, then sees every step until the goods are delivered
 * or the delivery ends. Built for a portrait touch screen: the entry and its
 * keypad, or the delivery's steps, fill the height. The screen never shows
 * who lives at the unit. The gateway holds the state; the screen polls it and
 * sends what the courier touches.
 */
import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { LOBBY_FINAL_STEPS, type LobbyState, type LobbyStep } from '../../core/index.ts';
import { useClient } from '../api/client.ts';
import { LanguageSwitch, useI18n } from '../i18n/i18n.tsx';
import { LABELS, PROGRESS_STEPS, PROGRESS_TEXT, STEP_TEXT } from './lobby-messages.ts';

const POLL_MS = Number(new URLSearchParams(location.search).get('poll') ?? 250);
const KEYS = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '00', '0', 'del'] as const;

/** Where a step sits in the list of a delivery that goes well (failures end at the step they left). */
function progressIndex(step: LobbyStep): number {
  if (step === 'card-ready') return PROGRESS_STEPS.indexOf('charging');
  return (PROGRESS_STEPS as readonly LobbyStep[]).indexOf(step);
}

export function LobbyApp() {
  const client = useClient();
  const { lang, money } = useI18n();
  const [state, setState] = useState<LobbyState | null>(null);
  const [code, setCode] = useState('');
  const [unit, setUnit] = useState('');
  const [amount, setAmount] = useState('');
  const [field, setField] = useState<'unit' | 'amount'>('unit');
  const [reached, setReached] = useState(-1);
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

  // A company app's QR code read by the scanner fills the courier code (once per read).
  // biome-ignore lint/correctness/useExhaustiveDependencies: once per read (its counter n), not on every state poll
  useEffect(() => {
    if (state?.scan) setCode(state.scan.courierCode);
  }, [state?.scan?.n]);

  // The furthest step of this delivery (a failure keeps the list where it stopped).
  // biome-ignore lint/correctness/useExhaustiveDependencies: recomputed when the step or the delivery changes, not on every state poll
  useEffect(() => {
    if (!state || state.step === 'idle' || state.step === 'sending') return setReached(-1);
    const i = progressIndex(state.step);
    if (i >= 0) setReached((r) => Math.max(r, i));
  }, [state?.step, state?.deliveryId]);

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
  const press = (key: (typeof KEYS)[number]) => {
    const set = field === 'unit' ? setUnit : setAmount;
    set((v) => (key === 'del' ? v.slice(0, -1) : (v + key).slice(0, field === 'unit' ? 6 : 9)));
  };

  if (!state) return <main className="lobby" aria-busy="true" />;
  const editing = state.step === 'idle' || state.step === 'server-unreachable';
  const final = LOBBY_FINAL_STEPS.includes(state.step) && state.step !== 'idle';
  const scanned = state.scan !== null && state.scan.courierCode === code;
  return (
    <main className="lobby">
      <header className="kiosk-header">
        <h1 className="lobby-title">{text.idle}</h1>
        <LanguageSwitch />
      </header>
      <section className="lobby-main">
        {editing && (
          <form className="lobby-form" onSubmit={submit}>
            <label>
              {label.code}
              <input value={code} onChange={(e) => setCode(e.target.value)} autoComplete="off" required />
            </label>
            <p className={scanned ? 'lobby-scanned' : 'lobby-hint'} role={scanned ? 'status' : undefined}>
              {scanned ? label.scanned : label.scanHint}
            </p>
            <div className="lobby-pair">
              <label>
                {label.unit}
                <input value={unit} onChange={(e) => setUnit(e.target.value)} onFocus={() => setField('unit')} inputMode="numeric" autoComplete="off" required data-active={field === 'unit'} />
              </label>
              <label>
                {label.amount}
                <input
                  value={amount}
                  onChange={(e) => setAmount(e.target.value.replace(/[^0-9]/g, ''))}
                  onFocus={() => setField('amount')}
                  inputMode="numeric"
                  autoComplete="off"
                  required
                  data-active={field === 'amount'}
                />
              </label>
            </div>
            {/* biome-ignore lint/a11y/useSemanticElements: a keypad is a group of buttons, not of form fields; a fieldset's own box would break the grid */}
            <div className="lobby-keypad" role="group" aria-label={label.keypad}>
              {KEYS.map((k) => (
                <button key={k} type="button" onClick={() => press(k)} aria-label={k === 'del' ? label.delete : undefined}>
                  {k === 'del' ? '⌫' : k}
                </button>
              ))}
            </div>
            <button type="submit" className="primary lobby-send">
              {state.step === 'server-unreachable' ? label.retry : label.send}
            </button>
          </form>
        )}
        {state.step !== 'idle' && (
          <div className={`lobby-step step-${state.step}${final && state.step !== 'delivered' ? ' lobby-failed' : ''}`} role="status" data-step={state.step}>
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
            {state.settlementQueued && <p className="lobby-queued">{label.queued}</p>}
          </div>
        )}
        {!editing && (
          <ol className="lobby-progress" aria-label={label.steps}>
            {PROGRESS_STEPS.map((s, i) => (
              <li key={s} className={i < reached || (i === reached && state.step === 'delivered') ? 'done' : i === reached ? 'now' : 'todo'} aria-current={i === reached ? 'step' : undefined}>
                {PROGRESS_TEXT[lang][s]}
              </li>
            ))}
          </ol>
        )}
        <div className="lobby-actions">
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
        </div>
        {error && (
          <p className="lobby-error" role="alert">
            {error}
          </p>
        )}
      </section>
    </main>
  );
}
