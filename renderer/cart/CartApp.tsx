/**
 * The smart cart's own screen (a small portrait screen on the cart handle,
 * /cart?cart=<device id>): the QR code that pairs the shopper's phone, the
 * basket as the gateway fused it, what to do now (scan an item, staff coming,
 * approve on the phone, pay at a kiosk while the server is unreachable) and
 * the paid state with its exit pass. The gateway holds all of it (the
 * session in its ledger); the screen polls `cartState` and sends only "pay".
 */
import { useCallback, useEffect, useState } from 'react';
import { isEdgePayError, type cartFlow } from '../../core/index.ts';
import { useClient } from '../api/client.ts';
import { LanguageSwitch, useI18n } from '../i18n/i18n.tsx';
import { QrCode } from '../kiosk/QrCode.tsx';
import { cartLang, LABELS, PROMPT_TEXT } from './cart-messages.ts';
import './cart.css';

const params = new URLSearchParams(location.search);
const CART_ID = params.get('cart') ?? 'cart-1';
// The lobby's pace: a quarter second keeps the basket "live" without a push channel per cart.
const POLL_MS = Number(params.get('poll') ?? 250);
const ALERT_PROMPTS: readonly cartFlow.CartPrompt[] = ['scan', 'staff', 'declined', 'expired', 'pay-at-kiosk'];

export function CartApp() {
  const client = useClient();
  const { lang, money, errorText } = useI18n();
  const [view, setView] = useState<cartFlow.CartView | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const l = LABELS[cartLang(lang)];
  const prompts = PROMPT_TEXT[cartLang(lang)];

  useEffect(() => {
    let alive = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const tick = async () => {
      try {
        const v = await client.cartState(CART_ID);
        if (alive) setView((old) => (old && old.version === v.version && old.sessionId === v.sessionId && old.online === v.online ? old : v));
      } catch {
        // the gateway is restarting: keep the last screen
      }
      if (alive) timer = setTimeout(tick, POLL_MS);
    };
    void tick();
    return () => {
      alive = false;
      clearTimeout(timer);
    };
  }, [client]);

  const pay = useCallback(async () => {
    setBusy(true);
    try {
      setView(await client.cartCheckout(CART_ID));
      setError(null);
    } catch (err) {
      // Offline: the gateway already set the prompt to pay at a kiosk; the next poll shows it.
      setError(isEdgePayError(err, 'CART_SERVER_UNREACHABLE') ? null : errorText(err));
    } finally {
      setBusy(false);
    }
  }, [client, errorText]);

  if (!view) return <main className="cart-screen" aria-busy="true" />;
  const m = (amount: number) => money({ amount, currency: view.currency as never });
  const canPay = view.state === 'shopping' && view.items.length > 0 && view.prompt !== 'scan' && view.prompt !== 'staff';
  const alert = ALERT_PROMPTS.includes(view.prompt);
  return (
    <main className="cart-screen" data-state={view.state} data-prompt={view.prompt}>
      <header className="cart-header">
        <h1>{l.title}</h1>
        <span className={view.paired ? 'cart-chip ok' : 'cart-chip'}>{view.paired ? l.paired : CART_ID}</span>
        <LanguageSwitch />
      </header>
      {!view.online && (
        <p className="cart-offline" role="status">
          {l.offline}
        </p>
      )}
      <p className={`cart-prompt prompt-${view.prompt}`} role={alert ? 'alert' : 'status'} data-testid="cart-prompt">
        {view.heldReason ? `${l.held}: ` : ''}
        {prompts[view.prompt]}
      </p>
      {view.staffCalls.length > 0 && (
        <ul className="cart-calls" aria-label={l.staffCalled}>
          {view.staffCalls.map((c) => (
            <li key={c.id}>
              {l.staffCalled}: {l[`reason.${c.reason}` as keyof typeof l] ?? c.reason}
            </li>
          ))}
        </ul>
      )}
      {view.pairingUrl && (
        <section className="cart-pair" aria-labelledby="cart-pair-title">
          <h2 id="cart-pair-title">{l.pair}</h2>
          <QrCode text={view.pairingUrl} label={l.pair} size={220} />
          <p>{l.pairHint}</p>
          <p className="cart-pair-address">
            {l.pairAddress}{' '}
            <span className="mono" data-testid="pairing-url">
              {view.pairingUrl}
            </span>
          </p>
        </section>
      )}
      <section className="cart-basket" aria-labelledby="cart-basket-title">
        <h2 id="cart-basket-title">{l.basket}</h2>
        {view.items.length === 0 ? (
          <p className="muted">{l.empty}</p>
        ) : (
          <ul className="cart-lines">
            {view.items.map((line) => (
              <li key={line.productId} data-product={line.productId}>
                <span className="cart-line-name">{line.name}</span>
                <span className="cart-line-qty">
                  {l.qty}
                  {line.quantity}
                </span>
                <span className="num">{m(line.amount)}</span>
              </li>
            ))}
          </ul>
        )}
        <p className="cart-total">
          <span>{l.total}</span>
          <span className="num" data-testid="cart-total">
            {m(view.total)}
          </span>
        </p>
      </section>
      {view.state === 'paid' && (
        <p className="cart-paid" role="status" data-testid="exit-pass">
          {l.paid} {m(view.paidTotal ?? view.total)} · {l.exitPass}
        </p>
      )}
      {view.state === 'shopping' && (
        <button type="button" className="cart-pay" disabled={!canPay || busy} onClick={() => void pay()}>
          {l.pay}
        </button>
      )}
      {error && (
        <p className="cart-error" role="alert">
          {error}
        </p>
      )}
    </main>
  );
}
