/**
 * The language of a screen, switchable at any time (a customer may prefer
 * English in a Korean shop). Amounts and dates follow the language's locale
 * through core's formatMoney and Intl.
 */
import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from 'react';
import { formatMoney, type Money } from '../../core/index.ts';
import { LOCALES, MESSAGES, type Lang, type MessageKey } from './messages.ts';

export type I18n = {
  lang: Lang;
  locale: string;
  setLang(lang: Lang): void;
  t(key: MessageKey, values?: Record<string, string | number>): string;
  money(m: Money): string;
  time(iso: string): string;
};

const Context = createContext<I18n | null>(null);

function initialLang(): Lang {
  const q = new URLSearchParams(location.search).get('lang');
  if (q === 'ko' || q === 'en') return q;
  const saved = localStorage.getItem('edgepay.lang');
  return saved === 'en' || saved === 'ko' ? saved : 'ko';
}

export function I18nProvider({ children }: { children: ReactNode }) {
  const [lang, setLangState] = useState<Lang>(initialLang);
  const setLang = useCallback((l: Lang) => {
    setLangState(l);
    localStorage.setItem('edgepay.lang', l);
    document.documentElement.lang = l;
  }, []);
  const value = useMemo<I18n>(() => {
    const locale = LOCALES[lang];
    document.documentElement.lang = lang;
    const timeFormat = new Intl.DateTimeFormat(locale, { dateStyle: 'short', timeStyle: 'medium' });
    return {
      lang,
      locale,
      setLang,
      t: (key, values) => {
        const template = MESSAGES[lang][key];
        return values ? template.replace(/\{(\w+)\}/g, (w, n: string) => (n in values ? String(values[n]) : w)) : template;
      },
      money: (m) => formatMoney(m, locale),
      time: (iso) => timeFormat.format(new Date(iso)),
    };
  }, [lang, setLang]);
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
    <button type="button" className={className ?? 'lang-switch'} aria-label={t('lang.switch.label')} onClick={() => setLang(lang === 'ko' ? 'en' : 'ko')}>
      {t('lang.switch')}
    </button>
  );
}
