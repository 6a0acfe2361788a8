import type { Catalogue, ResolvedFilter } from '../catalogue/index.js';
import type { Entry } from '../catalogue/entry.js';

export type Scope = 'global' | 'vendor' | 'product' | 'government';

/** The published incidents of a profile (a vendor includes its subsidiaries). */
export function scopeEntries(c: Catalogue, scope: Scope, slug: string): readonly Entry[] | undefined {
  if (scope === 'global') return c.all;
  const entity = c.entities.bySlug(scope, slug);
  if (!entity) return undefined;
  const filter: ResolvedFilter =
    scope === 'vendor' ? { vendorIds: c.entities.vendorFamily(entity.id) } : scope === 'product' ? { productId: entity.id } : { governmentId: entity.id };
  return c.select(filter);
}

export function countMap<T extends string | number>(entries: readonly Entry[], keys: (e: Entry) => T[]): Map<T, number> {
  const counts = new Map<T, number>();
  for (const e of entries) for (const k of new Set(keys(e))) counts.set(k, (counts.get(k) ?? 0) + 1);
  return counts;
}

/** Incidents per year, with empty years in between shown as zero. */
export function perYear(entries: readonly Entry[]): { year: number; n: number }[] {
  const counts = countMap(entries, (e) => [e.year]);
  if (!counts.size) return [];
  const years = [...counts.keys()];
  const out = [];
  for (let y = Math.min(...years); y <= Math.max(...years); y++) out.push({ year: y, n: counts.get(y) ?? 0 });
  return out;
}

/** Countries of the governments attributed as operators. */
export function operatorCountries(c: Catalogue, entries: readonly Entry[]): Map<string, number> {
  return countMap(entries, (e) => e.governmentIds.map((g) => c.entities.byId.get(g)?.country).filter((x): x is string => Boolean(x)));
}
