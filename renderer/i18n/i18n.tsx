/**
 * The language of a screen, switchable at any time (a customer may prefer
 * English in a Korean shop), kept across reloads (localStorage; a `?lang=`
 * in the address wins until the person switches, which removes it). Every word comes from the
 * message catalogue through i18next (plurals by `count`, CLDR rules per
 * language); errors by their stable code and decline reasons by theirs, never
 * the gateway's English text. Amounts and times follow the site's locale and
 * time zone (setSite), in the screen's language.
 */
import i18next, { type i18n as I18nInstance } from 'i18next';
import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from 'react';
import { I18nextProvider, initReactI18next, useTranslation } from 'react-i18next';
import { formatMoney, isEdgePayError, type Money } from '../../core/index.ts';
import { LOCALES, MESSAGES, type Lang, type MessageKey } from './messages.ts';

export type SiteFormat = { locale?: string; timeZone?: string };

export type I18n = {
  lang: Lang;
  locale: string;
  setLang(lang: Lang): void;
  t(key: MessageKey, values?: Record<string, string | number>): string;
  money(m: Money): string;
  /** Date and time in the site's time zone. */
  time(iso: string): string;
  /** An error as the catalogue words it (by its code). */
  errorText(err: unknown): string;
  /** A decline reason as the catalogue words it. */
  declineText(reason: string): string;
  /** The site's locale and time zone (the kiosk's state, the console's overview). */
  setSite(site: SiteFormat): void;
  site: SiteFormat;
};

const Context = createContext<I18n | null>(null);
const STORAGE_KEY = 'edgepay.lang';

/** An explicit `?lang=` first (a link made for one language), then the last choice on this device, then Korean. */
function initialLang(): Lang {
  const q = new URLSearchParams(location.search).get('lang');
  if (q === 'ko' || q === 'en') return q;
  const saved = localStorage.getItem(STORAGE_KEY);
  if (saved === 'en' || saved === 'ko') return saved;
  return 'ko';
}

/** A switch is the person's choice: kept, and the address no longer names another language (a reload keeps the choice). */
function rememberLang(lang: Lang): void {
  localStorage.setItem(STORAGE_KEY, lang);
  const url = new URL(location.href);
  if (url.searchParams.has('lang')) {
    url.searchParams.delete('lang');
    history.replaceState(history.state, '', url);
  }
}

/** One i18next instance per page; `{name}` placeholders as the catalogue writes them; keys are flat (dots are part of the key). */
export function createI18next(lang: Lang): I18nInstance {
  const instance = i18next.createInstance();
  void instance.use(initReactI18next).init({
    lng: lang,
    fallbackLng: 'en',
    resources: { en: { translation: MESSAGES.en }, ko: { translation: MESSAGES.ko } },
    keySeparator: false,
    nsSeparator: false,
    interpolation: { prefix: '{', suffix: '}', escapeValue: false },
    returnNull: false,
    initAsync: false,
  });
  return instance;
}

export function I18nProvider({ children }: { children: ReactNode }) {
  const [instance] = useState(() => {
    const lang = initialLang();
    localStorage.setItem(STORAGE_KEY, lang);
    return createI18next(lang);
  });
  return (
    <I18nextProvider i18n={instance}>
      <Inner instance={instance}>{children}</Inner>
    </I18nextProvider>
  );
}

function Inner({ instance, children }: { instance: I18nInstance; children: ReactNode }) {
  const { i18n } = useTranslation();
  const lang = (i18n.language === 'en' ? 'en' : 'ko') as Lang;
  const [site, setSiteState] = useState<SiteFormat>({});
  const setLang = useCallback(
    (l: Lang) => {
      rememberLang(l);
      void instance.changeLanguage(l);
    },
    [instance],
  );
  const setSite = useCallback((s: SiteFormat) => {
    setSiteState((prev) => (prev.locale === s.locale && prev.timeZone === s.timeZone ? prev : s));
  }, []);
  const value = useMemo<I18n>(() => {
    // The site's own locale when it speaks the screen's language (ko-KR in Korean); else the language's.
    const locale = site.locale && site.locale.toLowerCase().startsWith(lang) ? site.locale : LOCALES[lang];
    document.documentElement.lang = lang;
    let timeFormat: Intl.DateTimeFormat;
    try {
      timeFormat = new Intl.DateTimeFormat(locale, { dateStyle: 'short', timeStyle: 'medium', ...(site.timeZone ? { timeZone: site.timeZone } : {}) });
    } catch {
      timeFormat = new Intl.DateTimeFormat(locale, { dateStyle: 'short', timeStyle: 'medium' });
    }
    const t = (key: MessageKey, values?: Record<string, string | number>) => instance.t(key, { lng: lang, ...values }) as string;
    const has = (key: string) => instance.exists(key, { lng: lang });
    return {
      lang,
      locale,
      setLang,
      t,
      money: (m) => formatMoney(m, locale),
      time: (iso) => timeFormat.format(new Date(iso)),
      errorText(err) {
        if (isEdgePayError(err)) return has(`error.${err.code}`) ? t(`error.${err.code}` as MessageKey) : t('error.unknown', { code: err.code });
        const code = (err as { code?: unknown } | null)?.code;
        if (typeof code === 'string' && /^[A-Z_]+$/.test(code)) return has(`error.${code}`) ? t(`error.${code}` as MessageKey) : t('error.unknown', { code });
        return t('error.network');
      },
      declineText: (reason) => (has(`decline.${reason}`) ? t(`decline.${reason}` as MessageKey) : t('decline.other')),
      setSite,
      site,
    };
  }, [lang, setLang, instance, site, setSite]);
  return <Context.Provider value={value}>{children}</Context.Provider>;
}

export function useI18n(): I18n {
  const v = useContext(Context);
  if (!v) throw new Error('useI18n outside I18nProvider');
  return v;
}

export function LanguageSwitch({ className }: { className?: string }) {
  const { lang, setLang, t } = useI18n();
  return (
    <button type="button" className={className ?? 'lang-switch'} aria-label={t('lang.switch.label')} lang={lang === 'ko' ? 'en' : 'ko'} onClick={() => setLang(lang === 'ko' ? 'en' : 'ko')}>
      {t('lang.switch')}
    </button>
  );
}
