import { User } from '../auth/model.js';
import { unreadCount } from '../notifications/service.js';
import type { Request, RequestHandler, Response } from 'express';
import { abilities } from '../policies/index.js';
import { LANGUAGES, directionOf, heldTranslations, i18next, languageOfRequest, languageSwitchUrl, resolvedLanguage } from '../i18n/index.js';

/** Date and time as pages show them, per language (a formatter is costly to make: one each, made once). */
const DATE_FORMATS: Record<(typeof LANGUAGES)[number], Intl.DateTimeFormat> = {
  en: new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' }),
  ar: new Intl.DateTimeFormat('ar-u-nu-latn', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' }),
};

/**
 * Dates as pages show them, per language. The texts already made are kept, up to a bound, then
 * begun again: the same report's and incident's times are shown on every view of them, and ICU's
 * formatting was 13 µs of a report page's request under load.
 */
const formattedDates = new Map(LANGUAGES.map((lng) => [lng, new Map<number, string>()]));
function dateFormatter(lng: (typeof LANGUAGES)[number]): (d: Date | string | undefined) => string {
  const format = DATE_FORMATS[lng];
  const made = formattedDates.get(lng)!;
  return (d) => {
    if (!d) return '';
    const date = new Date(d);
    const ms = date.getTime();
    let text = made.get(ms);
    if (text === undefined) {
      // An invalid date throws here, as it did before anything was kept.
      text = format.format(date);
      if (made.size >= 10_000) made.clear();
      made.set(ms, text);
    }
    return text;
  };
}

/** What every view may use: translation, language and direction, the user and their abilities. */
export const viewLocals: RequestHandler = (req, res, next) => {
  const lng = resolvedLanguage(req.language);
  res.locals.t = heldTranslations(req.t, lng);
  res.locals.lng = lng;
  res.locals.dir = directionOf(lng);
  res.locals.currentUser = req.user;
  res.locals.can = abilities(req.user, Boolean(req.session.totpVerified));
  res.locals.path = req.path;
  res.locals.languageLinks = LANGUAGES.filter((l) => l !== lng).map((l) => ({ lng: l, url: languageSwitchUrl(req.originalUrl, l) }));
  res.locals.values ??= {};
  res.locals.errors ??= {};
  // Repeated form sections show the rows already filled plus one blank row (at least `min`).
  res.locals.rowCount = (rows: unknown, min: number) => Math.max((rows && typeof rows === 'object' ? Object.keys(rows).length : 0) + 1, min);
  res.locals.asList = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : typeof v === 'string' && v !== '' ? [v] : []);
  res.locals.formatDate = dateFormatter(lng);
  next();
};

/**
 * For error pages raised before the normal locals were set (for example by a body parser): give
 * the layout what it needs, without a session-bound CSRF token if there is no session.
 */
export function ensureViewLocals(req: Request, res: Response): void {
  if (res.locals.lng) return;
  const lng = languageOfRequest(req);
  res.locals.t = typeof req.t === 'function' ? req.t : i18next.getFixedT(lng);
  res.locals.lng = lng;
  res.locals.dir = directionOf(lng);
  res.locals.currentUser = undefined;
  res.locals.can = {};
  res.locals.path = req.path;
  res.locals.languageLinks = [];
  res.locals.flash = [];
  res.locals.csrfToken = () => '';
  res.locals.formatDate = () => '';
}

/**
 * For signed-in pages: unread notices (navigation badge), and for admins the accounts waiting for
 * approval. Both are counts on small collections; anonymous pages (cached) never ask.
 */
export const noticeCounts: RequestHandler = (req, res, next) => {
  res.locals.unreadNotices = 0;
  res.locals.pendingAccounts = 0;
  if (!req.user || req.method !== 'GET') return next();
  const can = res.locals.can as Record<string, boolean>;
  Promise.all([unreadCount(req.user.id), can.manageUsers ? User.countDocuments({ status: 'pending' }) : 0]).then(([unread, pending]) => {
    res.locals.unreadNotices = unread;
    res.locals.pendingAccounts = pending;
    next();
  }, next);
};
