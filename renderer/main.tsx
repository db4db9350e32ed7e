/** The UI's entry: /kiosk is the checkout, /console the operator console, /lobby the lobby terminal, /cart a smart cart's screen (same bundle, one origin). */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { ClientContext, createClient } from './api/client.ts';
import { CartApp } from './cart/CartApp.tsx';
import { ConsoleApp } from './console/ConsoleApp.tsx';
import { I18nProvider } from './i18n/i18n.tsx';
import { KioskApp } from './kiosk/KioskApp.tsx';
// The shipped font (regular and bold; Korean and Latin subsets load by unicode-range as text needs them).
import '@fontsource/noto-sans-kr/400.css';
import '@fontsource/noto-sans-kr/700.css';
import { LobbyApp } from './lobby/LobbyApp.tsx';
import './styles.css';

const client = createClient();
const path = location.pathname.replace(/\/+$/, '');
const isConsole = path.endsWith('/console');
const isLobby = path.endsWith('/lobby');
const isCart = path.endsWith('/cart');
document.body.classList.add(isConsole ? 'is-console' : 'is-kiosk');

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <ClientContext.Provider value={client}>
      <I18nProvider>{isConsole ? <ConsoleApp /> : isLobby ? <LobbyApp /> : isCart ? <CartApp /> : <KioskApp />}</I18nProvider>
    </ClientContext.Provider>
  </StrictMode>,
);
