/**
 * The wallet on a phone: register or sign in with a passkey, then requests
 * to pay, cards, homes (units) and the payment password. Offline, it shows
 * the last known state, clearly marked, and waits for the connection.
 */
import { useCallback, useEffect, useState } from 'react';
import { isEdgePayError, WALLET_API, type WalletSessionView } from '../../core/index.ts';
import { LanguageSwitch, useI18n } from '../i18n/i18n.tsx';
import { call, Offline, setCsrfToken } from './api.ts';
import { clearLastState, readLastState, saveLastState, type LastState } from './last-state.ts';
import { CardsScreen } from './screens/CardsScreen.tsx';
import { CreditScreen } from './screens/CreditScreen.tsx';
import { PasswordScreen } from './screens/PasswordScreen.tsx';
import { RegisterScreen } from './screens/RegisterScreen.tsx';
import { RequestsScreen } from './screens/RequestsScreen.tsx';
import { SignInScreen } from './screens/SignInScreen.tsx';
import { UnitsScreen } from './screens/UnitsScreen.tsx';
import { DongleScreen } from './screens/DongleScreen.tsx';
import { RelayScreen, relayNavLabel } from './relay/RelayScreen.tsx';
import { CartScreen, pairingFromHash } from './cart/CartScreen.tsx';
import { cartLang, LABELS as CART_LABELS } from '../cart/cart-messages.ts';
import { DeliveriesPanel } from './elevator/DeliveriesPanel.tsx';

type Tab = 'requests' | 'pay' | 'cart' | 'credit' | 'cards' | 'units' | 'password' | 'dongle';
type Status = { kind: 'loading' } | { kind: 'signed-out' } | { kind: 'signed-in'; session: WalletSessionView } | { kind: 'offline'; last: LastState | null };

export function WalletApp() {
  const { t, time, lang } = useI18n();
  const [status, setStatus] = useState<Status>({ kind: 'loading' });
  const [authScreen, setAuthScreen] = useState<'sign-in' | 'register'>('sign-in');
  // A cart's QR code opens the wallet at #/cart/pair?s=…&c=…: the Cart tab pairs with it once signed in.
  // (Also when the wallet is already open: the QR's address then only changes the hash.)
  const [cartPairing, setCartPairing] = useState(() => pairingFromHash(location.hash));
  const [tab, setTab] = useState<Tab>(cartPairing || location.hash.startsWith('#/cart') ? 'cart' : 'requests');
  useEffect(() => {
    const onHash = () => {
      const p = pairingFromHash(location.hash);
      if (!p) return;
      setCartPairing(p);
      setTab('cart');
    };
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);

  const signedIn = useCallback((session: WalletSessionView) => {
    setCsrfToken(session.csrfToken);
    saveLastState({ session });
    setStatus({ kind: 'signed-in', session });
  }, []);

  const load = useCallback(async () => {
    try {
      signedIn(await call<WalletSessionView>('GET', WALLET_API.session));
    } catch (err) {
      if (err instanceof Offline) setStatus({ kind: 'offline', last: readLastState() });
      else if (isEdgePayError(err, 'WALLET_SESSION_REQUIRED')) {
        setCsrfToken(null);
        setStatus({ kind: 'signed-out' });
      } else setStatus({ kind: 'signed-out' });
    }
  }, [signedIn]);

  useEffect(() => {
    void load();
    const again = () => void load();
    window.addEventListener('online', again);
    window.addEventListener('offline', again);
    return () => {
      window.removeEventListener('online', again);
      window.removeEventListener('offline', again);
    };
  }, [load]);

  const signOut = async (path: string) => {
    await call('POST', path).catch(() => undefined);
    setCsrfToken(null);
    clearLastState();
    setAuthScreen('sign-in');
    setStatus({ kind: 'signed-out' });
  };
  /** A call refused for want of a session (signed out elsewhere, revoked): back to sign-in. */
  const onSessionLost = useCallback(() => {
    setCsrfToken(null);
    setStatus({ kind: 'signed-out' });
  }, []);

  const offline = status.kind === 'offline';
  const user = status.kind === 'signed-in' ? status.session.user : status.kind === 'offline' ? status.last?.session?.user : undefined;

  return (
    <div className="wallet">
      <header className="wallet-header">
        <span className="brand">{t('wallet.title')}</span>
        <LanguageSwitch className="wallet-lang" />
      </header>
      {offline && (
        <div className="wallet-offline" role="status" data-testid="offline-banner">
          {status.last ? t('wallet.offline', { time: time(status.last.savedAt) }) : t('wallet.offline.never')}
        </div>
      )}
      <main className="wallet-main">
        {status.kind === 'loading' && <p className="muted">{t('wallet.loading')}</p>}
        {status.kind === 'signed-out' &&
          (authScreen === 'register' ? (
            <RegisterScreen onDone={signedIn} onSignIn={() => setAuthScreen('sign-in')} />
          ) : (
            <SignInScreen onDone={signedIn} onRegister={() => setAuthScreen('register')} />
          ))}
        {user && (status.kind === 'signed-in' || status.kind === 'offline') && (
          <>
            <p className="wallet-hello">{t('wallet.hello', { name: user.name })}</p>
            {/* A delivery on its way comes first: its "goods taken out" must be at hand. */}
            {tab === 'requests' && <DeliveriesPanel offline={offline} onSessionLost={onSessionLost} />}
            {tab === 'requests' && <RequestsScreen offline={offline} hasPasskey={(status.kind === 'signed-in' ? status.session.passkeys : 0) > 0} onSessionLost={onSessionLost} />}
            {tab === 'cart' && <CartScreen offline={offline} pairing={cartPairing} onSessionLost={onSessionLost} onOpenRequests={() => setTab('requests')} />}
            {tab === 'credit' && <CreditScreen offline={offline} onSessionLost={onSessionLost} />}
            {tab === 'pay' && <RelayScreen onSessionLost={onSessionLost} />}
            {tab === 'cards' && <CardsScreen offline={offline} onSessionLost={onSessionLost} />}
            {tab === 'units' && <UnitsScreen offline={offline} onSessionLost={onSessionLost} />}
            {tab === 'dongle' && <DongleScreen offline={offline} onSessionLost={onSessionLost} />}
            {tab === 'password' && (
              <PasswordScreen
                offline={offline}
                isSet={status.kind === 'signed-in' ? status.session.hasPaymentPassword : !!status.last?.session?.hasPaymentPassword}
                onSaved={() => void load()}
                onSessionLost={onSessionLost}
              />
            )}
            {status.kind === 'signed-in' && (
              <div className="wallet-signout">
                <button type="button" className="link" onClick={() => void signOut(WALLET_API.signOut)}>
                  {t('wallet.signOut')}
                </button>
                <button type="button" className="link" onClick={() => void signOut(WALLET_API.revokeAll)}>
                  {t('wallet.revokeAll')}
                </button>
              </div>
            )}
          </>
        )}
        {offline && !user && <p className="muted">{t('wallet.offline.never')}</p>}
      </main>
      {user && (
        <nav className="wallet-tabs" aria-label="wallet">
          {(['requests', 'pay', 'cart', 'credit', 'cards', 'units', 'password', 'dongle'] as const).map((k) => (
            <button key={k} type="button" aria-current={tab === k ? 'page' : undefined} onClick={() => setTab(k)} data-tab={k}>
              {k === 'pay' ? relayNavLabel(lang) : k === 'cart' ? CART_LABELS[cartLang(lang)]['phone.title'] : t(`wallet.nav.${k}`)}
            </button>
          ))}
        </nav>
      )}
    </div>
  );
}
