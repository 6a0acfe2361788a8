import { LANGUAGES, directionOf, resolvedLanguage, type Language } from './index.js';

/**
 * A text kept in several languages, as a page shows it: the version in the page's language where
 * there is one, else a version that exists, marked so the page says which language it is in
 * (`lang` on the element, and a note). Nothing is machine-translated.
 */
export interface ShownText {
  text: string;
  lang: Language;
  dir: 'ltr' | 'rtl';
  /** The page's language has no version: this is another language's. */
  fallback: boolean;
}

export type Versions = Partial<Record<Language, string>>;

export function textIn(versions: Versions, lng: string): ShownText {
  const page = resolvedLanguage(lng);
  const lang = versions[page] ? page : (LANGUAGES.find((l) => versions[l]) ?? page);
  return { text: versions[lang] ?? '', lang, dir: directionOf(lang), fallback: lang !== page };
}

/** The other language of a two-language site: what a translation of a text written in `lng` is in. */
export function otherLanguage(lng: Language): Language {
  return LANGUAGES.find((l) => l !== lng) ?? lng;
}

const ARABIC = /[\u0600-\u06FF\u0750-\u077F\u08A0-\u08FF\uFB50-\uFDFF\uFE70-\uFEFF]/gu;
const LATIN = /[A-Za-z\u00C0-\u024F]/gu;

/**
 * The language a submitted text is written in, for records made without a form that asks (a report
 * made into an incident, a spreadsheet row): Arabic when Arabic letters outnumber Latin ones.
 */
export function writtenIn(text: string): Language {
  return (text.match(ARABIC)?.length ?? 0) > (text.match(LATIN)?.length ?? 0) ? 'ar' : 'en';
}

/**
 * An incident's title and summary in each language: as written (the text the reviewers verified)
 * and its translation, if a reviewer added one (incidents/translation.ts).
 */
export interface IncidentTexts {
  lang?: string | null;
  title: string;
  summary: string;
  translation?: { lang?: string | null; title?: string | null; summary?: string | null; updatedAt?: Date | null } | null;
}

export function incidentVersions(doc: IncidentTexts, field: 'title' | 'summary'): Versions {
  const lang = resolvedLanguage(doc.lang ?? 'en');
  const t = doc.translation;
  // The text as written wins over a translation that claims its language.
  return { ...(t?.lang && t[field] ? { [resolvedLanguage(t.lang)]: t[field] } : {}), [lang]: doc[field] };
}
