import { readFileSync } from 'node:fs';
import path from 'node:path';
import i18next from 'i18next';
import { LanguageDetector, handle } from 'i18next-http-middleware';
import type { RequestHandler } from 'express';

export const LANGUAGES = ['en', 'ar'] as const;
export type Language = (typeof LANGUAGES)[number];
const RTL = new Set<string>(['ar']);

function load(lng: Language): Record<string, unknown> {
  return JSON.parse(readFileSync(path.join(import.meta.dirname, 'locales', `${lng}.json`), 'utf8')) as Record<string, unknown>;
}

let ready: Promise<unknown> | undefined;

/** Language from ?lng=, then the `lng` cookie, then Accept-Language; the choice is kept in the cookie. */
export function initI18n(): Promise<unknown> {
  ready ??= i18next.use(LanguageDetector).init({
    resources: Object.fromEntries(LANGUAGES.map((lng) => [lng, { translation: load(lng) }])),
    fallbackLng: 'en',
    supportedLngs: [...LANGUAGES],
    nonExplicitSupportedLngs: true,
    load: 'languageOnly',
    returnNull: false,
    interpolation: { escapeValue: false }, // EJS escapes on output (<%= %>)
    detection: {
      order: ['querystring', 'cookie', 'header'],
      lookupQuerystring: 'lng',
      lookupCookie: 'lng',
      caches: ['cookie'],
      cookieSameSite: 'lax',
      cookieExpirationDate: new Date(Date.now() + 365 * 86_400_000),
    },
  });
  return ready;
}

export const i18nMiddleware: RequestHandler = handle(i18next);

export function directionOf(lng: string): 'rtl' | 'ltr' {
  return RTL.has(lng) ? 'rtl' : 'ltr';
}

export function resolvedLanguage(lng: string | undefined): Language {
  const base = (lng ?? 'en').split('-')[0];
  return (LANGUAGES as readonly string[]).includes(base ?? '') ? (base as Language) : 'en';
}

/** A URL for the same page in another language (keeps the path and the other query keys). */
export function languageSwitchUrl(originalUrl: string, lng: Language): string {
  const url = new URL(originalUrl, 'http://localhost');
  url.searchParams.set('lng', lng);
  return `${url.pathname}${url.search}`;
}

export { i18next };
