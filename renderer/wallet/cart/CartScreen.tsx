/**
 * The wallet's Cart tab (smart cart flow): pairing with a cart by its QR code
 * (opening the QR's address lands here with the code; without a camera the
 * address is pasted), the cart's basket live (a long poll on the server's
 * phone view: it answers as soon as the basket changes), and, at checkout,
 * the way to the request to pay (approved on the Requests tab with the
 * wallet's payment method, as every request to pay is).
 */
import { useCallback, useEffect, useRef, useState, type FormEvent } from 'react';
import { cartFlow, isEdgePayError } from '../../../core/index.ts';
import { cartLang, LABELS, parsePairing, PROMPT_TEXT } from '../../cart/cart-messages.ts';
import { useI18n } from '../../i18n/i18n.tsx';
import { call, Offline } from '../api.ts';
import { errorText } from '../errors.ts';

/** The pairing a QR code's address carried (#/cart/pair?s=…&c=…), taken once from the address. */
export function pairingFromHash(hash: string): { sessionId: string; code: string } | null {
  return hash.startsWith('#/cart/pair') ? parsePairing(hash) : null;
}

export function CartScreen({
  offline,
  pairing,
  onSessionLost,
  onOpenRequests,
}: {
  offline: boolean;
  pairing: { sessionId: string; code: string } | null;
  onSessionLost: () => void;
  onOpenRequests: () => void;
}) {
  const { t, lang, money } = useI18n();
  const l = LABELS[cartLang(lang)];
  const [cart, setCart] = useState<cartFlow.PhoneCartView | null | undefined>(undefined);
  const [text, setText] = useState('');
  const [message, setMessage] = useState<string | null>(null);
  const paired = useRef<string | null>(null);

  const lost = useCallback(
    (err: unknown) => {
      if (isEdgePayError(err, 'WALLET_SESSION_REQUIRED')) onSessionLost();
    },
    [onSessionLost],
  );

  const pair = useCallback(
    async (p: { sessionId: string; code: string }) => {
      try {
        const answer = await call<{ cart: cartFlow.PhoneCartView }>('POST', cartFlow.CART_PATHS.phonePair, p);
        setCart(answer.cart);
        setMessage(null);
        setText('');
      } catch (err) {
        lost(err);
        setMessage(errorText(err, t));
      }
    },
    [lost, t],
  );

  // The QR code's address: pair once, then drop the code from the address (a reload must not pair again).
  useEffect(() => {
    if (!pairing || offline || paired.current === pairing.sessionId) return;
    paired.current = pairing.sessionId;
    history.replaceState(history.state, '', location.pathname + location.search + '#/cart');
    void pair(pairing);
  }, [pairing, offline, pair]);

  // The basket, live: each answer comes when the basket's version moves past the one shown (or after 20 s).
  useEffect(() => {
    let alive = true;
    let version = -1;
    const loop = async () => {
      while (alive) {
        try {
          const q = version < 0 ? '' : `?after=${version}&wait=20`;
          const answer = await call<{ cart: cartFlow.PhoneCartView | null }>('GET', cartFlow.CART_PATHS.phoneCart + q);
          if (!alive) return;
          setCart(answer.cart);
          if (answer.cart) version = answer.cart.version;
          // No cart yet: ask again in a moment (pairing elsewhere shows up here).
          if (!answer.cart) await new Promise((r) => setTimeout(r, 1_000));
        } catch (err) {
          lost(err);
          if (err instanceof Offline || !alive) await new Promise((r) => setTimeout(r, 2_000));
          else await new Promise((r) => setTimeout(r, 1_000));
        }
      }
    };
    void loop();
    return () => {
      alive = false;
    };
  }, [lost]);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const p = parsePairing(text);
    if (!p) return setMessage(l['phone.bad']);
    void pair(p);
  };

  const m = (amount: number, currency: string) => money({ amount, currency: currency as never });
  const active = cart && cart.state !== 'released';
  return (
    <section className="card-panel" data-screen="cart">
      <h1>{l['phone.title']}</h1>
      {cart === undefined && <p className="muted">{t('wallet.loading')}</p>}
      {active && (
        <>
          <p className="muted small-text">{l['phone.paired'].replace('{cart}', cart.cartId)}</p>
          <p className="cart-phone-prompt" role="status" data-prompt={cart.prompt}>
            {PROMPT_TEXT[cartLang(lang)][cart.prompt]}
          </p>
          {cart.state === 'checkout' && (
            <div className="cart-phone-pay">
              <p>{l['phone.request'].replace('{amount}', m(cart.total, cart.currency))}</p>
              <button type="button" className="primary" onClick={onOpenRequests}>
                {l['phone.openRequest']}
              </button>
            </div>
          )}
          <h2 className="small-heading">{l.basket}</h2>
          {cart.items.length === 0 ? (
            <p className="muted">{l.empty}</p>
          ) : (
            <ul className="list" data-testid="phone-basket">
              {cart.items.map((line) => (
                <li key={line.productId} className="list-row" data-product={line.productId}>
                  <span>
                    {line.name} {l.qty}
                    {line.quantity}
                  </span>
                  <span className="num">{m(line.amount, cart.currency)}</span>
                </li>
              ))}
            </ul>
          )}
          <p className="cart-phone-total">
            <span>{l.total}</span>{' '}
            <span className="num" data-testid="phone-total">
              {m(cart.total, cart.currency)}
            </span>
          </p>
        </>
      )}
      {cart !== undefined && !active && <p className="muted">{l['phone.none']}</p>}
      {(cart === null || cart?.state === 'released') && (
        <form className="form" onSubmit={submit}>
          <label>
            {l['phone.pairField']}
            <input name="pairing" value={text} required autoComplete="off" onChange={(e) => setText(e.target.value)} />
          </label>
          <button type="submit" className="primary" disabled={offline}>
            {l['phone.pairButton']}
          </button>
        </form>
      )}
      {message && (
        <p className="form-error" role="alert">
          {message}
        </p>
      )}
    </section>
  );
}
