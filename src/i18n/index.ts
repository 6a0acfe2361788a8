import { readFileSync } from 'node:fs';
import path from 'node:path';
import i18next, { type TFunction } from 'i18next';
import type { RequestHandler } from 'express';

export const LANGUAGES = ['en', 'ar'] as const;
export type Language = (typeof LANGUAGES)[number];
const RTL = new Set<string>(['ar']);

function load(lng: Language): Record<string, unknown> {
  return JSON.parse(readFileSync(path.join(import.meta.dirname, 'locales', `${lng}.json`), 'utf8')) as Record<string, unknown>;
}

/**
 * A label in every language, read from the locale files (not i18next, which the catalogue may be
 * built before): what search indexes so "صحفي" finds journalists and "journalist" finds them too.
 */
const labels = new Map<string, string[]>();
export function labelsOf(key: string): string[] {
  if (!labels.has(key)) {
    labels.set(
      key,
      LANGUAGES.map((lng) => key.split('.').reduce<unknown>((node, part) => (node && typeof node === 'object' ? (node as Record<string, unknown>)[part] : undefined), load(lng))).filter((v): v is string => typeof v === 'string'),
    );
  }
  return labels.get(key)!;
}

let ready: Promise<unknown> | undefined;

/** i18next with both languages' texts; each request's language is found by detectLanguage. */
export function initI18n(): Promise<unknown> {
  ready ??= i18next.init({
    resources: Object.fromEntries(LANGUAGES.map((lng) => [lng, { translation: load(lng) }])),
    fallbackLng: 'en',
    supportedLngs: [...LANGUAGES],
    nonExplicitSupportedLngs: true,
    load: 'languageOnly',
    returnNull: false,
    interpolation: { escapeValue: false }, // EJS escapes on output (<%= %>)
  });
  return ready;
}

function isLanguage(value: unknown): value is Language {
  return typeof value === 'string' && (LANGUAGES as readonly string[]).includes(value);
}

/**
 * The language the browser prefers most among ours, by the weights of its Accept-Language header
 * (`en;q=0.5, ar` is Arabic); the first written wins a tie, a weight of 0 refuses, and English
 * when it names none of ours.
 */
function preferredLanguage(header: string | undefined): Language {
  let best: Language = 'en';
  let bestWeight = 0;
  for (const part of (header ?? '').split(',')) {
    const [tag = '', ...params] = part.split(';');
    const base = tag.trim().split('-')[0]!.toLowerCase();
    if (!isLanguage(base)) continue;
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    const weight = q === undefined ? 1 : Number(q.slice(2));
    if (Number.isFinite(weight) && weight > bestWeight) {
      best = base;
      bestWeight = weight;
    }
  }
  return best;
}

/**
 * A request's language: `?lng=` (a choice from the language links), then the `lng` cookie, then the
 * browser's Accept-Language. The cookie is written only when a visitor chooses a language
 * (rememberLanguageChoice), and lasts as long as the browser session: a year-long cookie would be
 * one more trace left on an at-risk visitor's device. One function for the pages and for the
 * rendered-page cache's key, so a cached page is always in the language it is kept under.
 */
export function detectLanguage(req: { query: unknown; headers: { cookie?: string; 'accept-language'?: string } }): Language {
  const asked = (req.query as Record<string, unknown>).lng;
  return isLanguage(asked) ? asked : chosenOrPreferred(req.headers);
}

/** The language chosen earlier (the `lng` cookie), else the browser's preference. */
function chosenOrPreferred(headers: { cookie?: string; 'accept-language'?: string }): Language {
  const cookie = languageCookie(headers.cookie);
  return isLanguage(cookie) ? cookie : preferredLanguage(headers['accept-language']);
}

/** The translators fixed to each language, made once (the locale files do not change while the app runs). */
const fixedTranslators = new Map<Language, TFunction>();
function translatorOf(lng: Language): TFunction {
  let t = fixedTranslators.get(lng);
  if (!t) {
    t = i18next.getFixedT(lng);
    fixedTranslators.set(lng, t);
  }
  return t;
}

/**
 * Each request's language (detectLanguage) and a `t` fixed to it. i18next-http-middleware's
 * `handle`, used before, cloned an i18next instance for every request, which cost an eighth of a
 * signed-in page's time under load; nothing changes a language after detection, so one translator
 * per language serves every request.
 */
export const i18nMiddleware: RequestHandler = (req, res, next) => {
  const lng = detectLanguage(req);
  req.language = lng;
  req.t = translatorOf(lng);
  res.setHeader('Content-Language', lng);
  next();
};

/** Texts already made, per language (heldTranslations): at most this many each, then begun again. */
const translated = new Map<string, Map<string, string>>(LANGUAGES.map((lng) => [lng, new Map<string, string>()]));
const HELD_TEXTS = 10_000;

/**
 * What a `t` call's options add to its key, when its text can be held: only values that are strings
 * or numbers (a count, a reference, a name), so the text is a function of the key and these alone.
 * Anything else (`returnObjects`, a function, a nested object) is asked of i18next each time.
 */
function optionsPart(options: unknown): string | undefined {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) return undefined;
  for (const value of Object.values(options)) if (typeof value !== 'string' && typeof value !== 'number') return undefined;
  return JSON.stringify(options);
}

/**
 * A request's `t` for views, with the texts it makes kept after the first time: the locale files do
 * not change while the app runs, and i18next takes 7–15 µs for one text (a count's plural form and
 * interpolation at the high end), more than the rest of a table row. Keyed by the language `t` was
 * fixed to, the key, and the options' values when they are plain (optionsPart).
 */
export function heldTranslations(t: TFunction, lng: string): TFunction {
  const any = t as unknown as (...args: unknown[]) => unknown;
  const texts = translated.get(resolvedLanguage(lng))!;
  const held = ((key: unknown, ...rest: unknown[]) => {
    if (typeof key !== 'string' || rest.length > 1) return any(key, ...rest);
    const options = rest.length ? optionsPart(rest[0]) : '';
    if (options === undefined) return any(key, ...rest);
    const id = options ? `${key}\u0000${options}` : key;
    let text = texts.get(id);
    if (text === undefined) {
      const made = any(key, ...rest);
      if (typeof made !== 'string') return made;
      text = made;
      if (texts.size >= HELD_TEXTS) texts.clear();
      texts.set(id, text);
    }
    return text;
  }) as unknown as TFunction;
  return held;
}

/** The `lng` cookie's value, as sent (whether it names one of our languages is for the caller). */
export function languageCookie(header: string | undefined): string | undefined {
  return /(?:^|;\s*)lng=([a-z]{2})(?:;|$)/.exec(header ?? '')?.[1];
}

/** After an explicit ?lng= choice: keep it for the browser session (no expiry date, HttpOnly). */
export const rememberLanguageChoice: RequestHandler = (req, res, next) => {
  const chosen = typeof req.query.lng === 'string' ? req.query.lng : undefined;
  const current = languageCookie(req.headers.cookie);
  if (chosen && (LANGUAGES as readonly string[]).includes(chosen) && chosen !== current) {
    res.cookie('lng', chosen, { path: '/', httpOnly: true, sameSite: 'lax', secure: req.secure });
  }
  next();
};

/**
 * The language of a request that failed before the i18n middleware ran (a refused query string, a
 * body too large): the chosen `lng` cookie, else the browser's preference, else English.
 */
export function languageOfRequest(req: { language?: string; headers: { cookie?: string; 'accept-language'?: string } }): Language {
  return req.language ? resolvedLanguage(req.language) : chosenOrPreferred(req.headers);
}

export function directionOf(lng: string): 'rtl' | 'ltr' {
  return RTL.has(lng) ? 'rtl' : 'ltr';
}

export function resolvedLanguage(lng: string | undefined): Language {
  if (lng === 'en' || lng === 'ar') return lng;
  const base = (lng ?? 'en').split('-')[0];
  return (LANGUAGES as readonly string[]).includes(base ?? '') ? (base as Language) : 'en';
}

/**
 * A URL for the same page in another language: the path with empty and dot segments dropped (so
 * `/.//evil.example` can never become the protocol-relative `//evil.example`), the other query keys
 * kept, a CSRF token never carried over.
 */
export function languageSwitchUrl(originalUrl: string, lng: Language): string {
  const url = new URL(originalUrl, 'http://localhost');
  const segments = url.pathname.split('/').filter((s) => s !== '' && s !== '.' && s !== '..');
  const params = new URLSearchParams(url.search);
  params.delete('_csrf');
  params.set('lng', lng);
  return `/${segments.join('/')}?${params.toString()}`;
}

export { i18next };
