import { createRequire } from 'node:module';
import countries from 'i18n-iso-countries';

// The maintained ISO 3166-1 list with its English and Arabic names (i18n-iso-countries).
const require = createRequire(import.meta.url);
countries.registerLocale(require('i18n-iso-countries/langs/en.json') as countries.LocaleData);
countries.registerLocale(require('i18n-iso-countries/langs/ar.json') as countries.LocaleData);

export const COUNTRY_CODES: readonly string[] = Object.keys(countries.getAlpha2Codes()).sort();
const valid = new Set(COUNTRY_CODES);

export function isCountryCode(code: string): boolean {
  return valid.has(code);
}

export function countryName(code: string, lng: string): string {
  return countries.getName(code, lng === 'ar' ? 'ar' : 'en', { select: 'official' }) ?? code;
}

const optionsByLanguage = new Map<string, readonly Readonly<{ code: string; name: string }>[]>();

/**
 * Options for a <select>, sorted by the name in the page's language: made once per language (a
 * collator and a sort of 249 names on every form and list page was a twelfth of the list's time),
 * and frozen, since every page shares them.
 */
export function countryOptions(lng: string): readonly Readonly<{ code: string; name: string }>[] {
  const language = lng === 'ar' ? 'ar' : 'en';
  let options = optionsByLanguage.get(language);
  if (!options) {
    const collator = new Intl.Collator(language);
    options = Object.freeze(COUNTRY_CODES.map((code) => Object.freeze({ code, name: countryName(code, language) })).sort((a, b) => collator.compare(a.name, b.name)));
    optionsByLanguage.set(language, options);
  }
  return options;
}
