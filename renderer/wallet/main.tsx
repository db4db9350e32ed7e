/** The wallet page's entry (/wallet/): the app, and the service worker that keeps its shell for offline use. */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { I18nProvider } from '../i18n/i18n.tsx';
import { WalletApp } from './WalletApp.tsx';
// The shipped font (Korean never depends on the phone's fonts).
import '@fontsource/noto-sans-kr/400.css';
import '@fontsource/noto-sans-kr/700.css';
import './wallet.css';

if ('serviceWorker' in navigator) {
  void navigator.serviceWorker.register('/wallet/sw.js', { scope: '/wallet/' }).catch(() => undefined);
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <I18nProvider>
      <WalletApp />
    </I18nProvider>
  </StrictMode>,
);
