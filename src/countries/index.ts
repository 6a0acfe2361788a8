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

/** Options for a <select>, sorted by the name in the page's language. */
export function countryOptions(lng: string): { code: string; name: string }[] {
  const collator = new Intl.Collator(lng === 'ar' ? 'ar' : 'en');
  return COUNTRY_CODES.map((code) => ({ code, name: countryName(code, lng) })).sort((a, b) => collator.compare(a.name, b.name));
}
