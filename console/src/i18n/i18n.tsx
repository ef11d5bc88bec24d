// English and Simplified Chinese: every key of the English catalog must exist in the Chinese one
// (zh-CN.ts is typed by en.ts), so a page cannot show a missing translation.
import { createContext, type ReactNode, useCallback, useContext, useMemo, useState } from 'react';
import { en, type MessageKey } from './en';
import { zhCN } from './zh-CN';

export type Locale = 'en' | 'zh-CN';
export const LOCALES: readonly { value: Locale; label: string }[] = [
  { value: 'en', label: 'English' },
  { value: 'zh-CN', label: '简体中文' },
];
const catalogs: Record<Locale, Record<MessageKey, string>> = { en, 'zh-CN': zhCN };
const STORAGE_KEY = 'growthloop.locale';

export type Translate = (key: MessageKey, values?: Record<string, string | number>) => string;

type I18n = {
  locale: Locale;
  setLocale: (locale: Locale) => void;
  t: Translate;
  number: (value: number, options?: Intl.NumberFormatOptions) => string;
  percent: (value: number | null | undefined, digits?: number) => string;
  dateTime: (iso: string | null | undefined) => string;
  /** Integer minor units in the currency (cents, fen; yen have none). */
  money: (minor: number, currency: string) => string;
};

const I18nContext = createContext<I18n | null>(null);

function initialLocale(): Locale {
  const saved = localStorage.getItem(STORAGE_KEY);
  if (saved === 'en' || saved === 'zh-CN') return saved;
  return navigator.language.toLowerCase().startsWith('zh') ? 'zh-CN' : 'en';
}

export function I18nProvider({ children }: { children: ReactNode }) {
  const [locale, setLocaleState] = useState<Locale>(initialLocale);
  const setLocale = useCallback((next: Locale) => {
    localStorage.setItem(STORAGE_KEY, next);
    document.documentElement.lang = next;
    setLocaleState(next);
  }, []);
  const value = useMemo<I18n>(() => {
    const catalog = catalogs[locale];
    const numbers = new Intl.NumberFormat(locale);
    const dates = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' });
    return {
      locale,
      setLocale,
      t: (key, values) =>
        (catalog[key] ?? en[key]).replace(/\{(\w+)\}/g, (whole, name: string) =>
          values && name in values ? String(values[name]) : whole,
        ),
      number: (n, options) => (options ? new Intl.NumberFormat(locale, options).format(n) : numbers.format(n)),
      percent: (n, digits = 1) =>
        n === null || n === undefined || Number.isNaN(n)
          ? '–'
          : new Intl.NumberFormat(locale, {
              style: 'percent',
              minimumFractionDigits: digits,
              maximumFractionDigits: digits,
            }).format(n),
      dateTime: (iso) => (iso ? dates.format(new Date(iso)) : '–'),
      money: (minor, currency) => {
        const format = new Intl.NumberFormat(locale, { style: 'currency', currency });
        return format.format(minor / 10 ** (format.resolvedOptions().maximumFractionDigits ?? 2));
      },
    };
  }, [locale, setLocale]);
  return <I18nContext.Provider value={value}>{children}</I18nContext.Provider>;
}

export function useI18n(): I18n {
  const i18n = useContext(I18nContext);
  if (!i18n) throw new Error('useI18n outside I18nProvider');
  return i18n;
}
