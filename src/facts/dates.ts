/**
 * Incident dates are known to a day, a month or only a year: "2021", "2021-07" or "2021-07-18".
 * A range has a start and an optional end of any precision.
 */
export interface FuzzyDate {
  y: number;
  m?: number;
  d?: number;
}

export function parseFuzzyDate(text: string): FuzzyDate | undefined {
  const match = /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$/.exec(text.trim());
  if (!match) return undefined;
  const y = Number(match[1]);
  const m = match[2] ? Number(match[2]) : undefined;
  const d = match[3] ? Number(match[3]) : undefined;
  if (y < 1990 || y > 2100) return undefined;
  if (m !== undefined && (m < 1 || m > 12)) return undefined;
  if (d !== undefined) {
    const date = new Date(Date.UTC(y, m! - 1, d));
    if (date.getUTCMonth() !== m! - 1) return undefined;
  }
  return { y, ...(m ? { m } : {}), ...(d ? { d } : {}) };
}

export function formatFuzzyDate(date: FuzzyDate | undefined | null): string {
  if (!date) return '';
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.y}${date.m ? `-${pad(date.m)}` : ''}${date.d ? `-${pad(date.d)}` : ''}`;
}

/** First and last instant a fuzzy date can mean: for ordering and for overlap tests. */
export function earliest(date: FuzzyDate): Date {
  return new Date(Date.UTC(date.y, (date.m ?? 1) - 1, date.d ?? 1));
}

export function latest(date: FuzzyDate): Date {
  if (date.d) return new Date(Date.UTC(date.y, date.m! - 1, date.d, 23, 59, 59));
  if (date.m) return new Date(Date.UTC(date.y, date.m, 0, 23, 59, 59));
  return new Date(Date.UTC(date.y, 11, 31, 23, 59, 59));
}

export function precisionOf(date: FuzzyDate): 'day' | 'month' | 'year' {
  return date.d ? 'day' : date.m ? 'month' : 'year';
}
