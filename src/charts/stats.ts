import { filterKey, type Catalogue, type ResolvedFilter } from '../catalogue/index.js';
import { publishedQueries, type Count } from '../catalogue/queries.js';
import type { Entry } from '../catalogue/entry.js';
import type { Operation } from '../incidents/claims.js';

export type Scope = 'global' | 'vendor' | 'product' | 'government';

/** The published incidents of a profile (a vendor includes its subsidiaries). */
export function scopeEntries(c: Catalogue, scope: Scope, slug: string): readonly Entry[] | undefined {
  const filter = scopeFilter(c, scope, slug);
  return filter && c.select(filter);
}

/** The filter that selects a profile's incidents, or undefined when there is no such profile. */
export function scopeFilter(c: Catalogue, scope: Scope, slug: string): ResolvedFilter | undefined {
  if (scope === 'global') return {};
  const entity = c.entities.bySlug(scope, slug);
  if (!entity) return undefined;
  return scope === 'vendor' ? { vendorIds: c.entities.vendorFamily(entity.id) } : scope === 'product' ? { productId: entity.id } : { governmentId: entity.id };
}

/** Published incidents that name one of these entities only in leads (claims that are not findings): shown apart, never counted. */
export function leadEntries(c: Catalogue, ids: ReadonlySet<string>): readonly Entry[] {
  return c.all.filter((e) => e.leadIds.some((id) => ids.has(id)));
}

/** The entity ids a profile covers: a vendor with its subsidiaries, or the one product or government. */
export function scopeIds(c: Catalogue, scope: Exclude<Scope, 'global'>, slug: string): ReadonlySet<string> {
  const entity = c.entities.bySlug(scope, slug);
  if (!entity) return new Set();
  return scope === 'vendor' ? c.entities.vendorFamily(entity.id) : new Set([entity.id]);
}

export function countMap<T extends string | number>(entries: readonly Entry[], keys: (e: Entry) => T[]): Map<T, number> {
  const counts = new Map<T, number>();
  for (const e of entries) for (const k of new Set(keys(e))) counts.set(k, (counts.get(k) ?? 0) + 1);
  return counts;
}

/** Incidents per year (ascending, as `IncidentQueries.stats` gives them), with the empty years in between shown as zero. */
export function everyYear(perYear: readonly { year: number; n: number }[]): { year: number; n: number }[] {
  if (!perYear.length) return [];
  const counts = new Map(perYear.map((y) => [y.year, y.n]));
  const out = [];
  for (let y = perYear[0]!.year; y <= perYear.at(-1)!.year; y++) out.push({ year: y, n: counts.get(y) ?? 0 });
  return out;
}

export interface Counted {
  total: number;
  years: { year: number; n: number }[];
  countries: Count[];
  categories: Count[];
}

/** What a filter no profile has counts. */
export const NOTHING_COUNTED: Counted = Object.freeze({ total: 0, years: [], countries: [], categories: [] });

/**
 * What a profile or chart counts that a filter counts, asked of `IncidentQueries` as the lists ask
 * it (so a figure is counted one way, whichever read model answers): how many incidents, per year,
 * and their target countries and categories. What only a profile's claims say (the operators it
 * states for this profile, `scopeOperators`) is counted from the entries.
 */
export function countedIn(c: Catalogue, filter: ResolvedFilter): Promise<Counted> {
  return c.memoAsync(`counted:${filterKey(filter)}`, async () => {
    const queries = publishedQueries();
    const [stats, facets] = await Promise.all([queries.stats(filter), queries.facets(filter)]);
    return { total: stats.total, years: everyYear(stats.perYear), countries: facets.countries, categories: facets.categories };
  });
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
  const linked = linkedOperations(c, scope, entity.id);
  return (e) => linked(e).map((o) => o.government);
}

/** The operations (operator findings) that name a product, or a vendor's family or its products. */
export function linkedOperations(c: Catalogue, kind: 'vendor' | 'product', id: string): (e: Entry) => Operation[] {
  if (kind === 'product') return (e) => e.operations.filter((o) => o.finding && o.product === id);
  const family = c.entities.vendorFamily(id);
  return (e) => e.operations.filter((o) => o.finding && o.vendor !== undefined && family.has(o.vendor));
}

/** Countries of the operator governments (see scopeOperators). */
export function operatorCountries(c: Catalogue, entries: readonly Entry[], operatorsOf: (e: Entry) => string[]): Map<string, number> {
  return countMap(entries, (e) => operatorsOf(e).map((g) => c.entities.byId.get(g)?.country).filter((x): x is string => Boolean(x)));
}
