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

/**
 * The operator governments an incident states *for this profile*, from findings only: on a vendor's
 * profile the operator claims that name the vendor (or its subsidiaries, or one of their products), on
 * a product's those that name the product; never an operator the incident links to something else.
 */
export function scopeOperators(c: Catalogue, scope: Scope, slug: string): (e: Entry) => string[] {
  if (scope === 'global') return (e) => e.governmentIds;
  const entity = c.entities.bySlug(scope, slug);
  if (!entity) return () => [];
  if (scope === 'government') return (e) => e.governmentIds.filter((g) => g === entity.id);
  if (scope === 'product') return (e) => e.operations.filter((o) => o.finding && o.product === entity.id).map((o) => o.government);
  const family = c.entities.vendorFamily(entity.id);
  return (e) => e.operations.filter((o) => o.finding && o.vendor !== undefined && family.has(o.vendor)).map((o) => o.government);
}

/** Countries of the operator governments (see scopeOperators). */
export function operatorCountries(c: Catalogue, entries: readonly Entry[], operatorsOf: (e: Entry) => string[]): Map<string, number> {
  return countMap(entries, (e) => operatorsOf(e).map((g) => c.entities.byId.get(g)?.country).filter((x): x is string => Boolean(x)));
}
