import { countryName } from '../countries/index.js';
import { formatFuzzyDate, precisionOf, type FuzzyDate } from './dates.js';

type Dates = { from: FuzzyDate; to?: FuzzyDate | null } | null | undefined;

export function presentDates(dates: Dates): { from: string; to: string; precision: string } {
  if (!dates) return { from: '', to: '', precision: 'year' };
  return { from: formatFuzzyDate(dates.from), to: dates.to ? formatFuzzyDate(dates.to) : '', precision: precisionOf(dates.from) };
}

export function presentSources(sources: { kind: string; url?: string | null; title: string; publisher?: string | null; date?: Date | null }[]) {
  return sources.map((s, i) => ({
    number: i + 1,
    kind: s.kind,
    url: s.url ?? '',
    title: s.title,
    publisher: s.publisher ?? '',
    date: s.date ? s.date.toISOString().slice(0, 10) : '',
  }));
}

export function presentCountry(code: string, lng: string): { code: string; name: string } {
  return { code, name: countryName(code, lng) };
}
