import type { Catalogue } from '../catalogue/index.js';
import { CONFIDENCE_RANK, entryTitle, type Entry } from '../catalogue/entry.js';
import { countryName } from '../countries/index.js';
import { formatFuzzyDate } from '../facts/dates.js';
import { displayName } from '../reference/presenter.js';
import type { Count } from '../catalogue/queries.js';

export interface NamedCount {
  key: string;
  label: string;
  slug?: string;
  n: number;
}

/** A row of an incidents table: the public fields only. */
export function presentEntry(e: Entry, c: Catalogue, lng: string) {
  const name = (id: string) => {
    const entity = c.entities.byId.get(id);
    return entity ? { name: displayName(entity, lng), slug: entity.slug, kind: entity.kind } : undefined;
  };
  // Findings only (incidents/claims.ts): a vendor through its identified product carries that claim's confidence.
  const confidenceOf = (id: string) =>
    e.attributions.filter((a) => a.finding && (a.id === id || (a.kind === 'product' && e.productVendors[a.id] === id))).map((a) => a.confidence).sort((x, y) => (CONFIDENCE_RANK[y] ?? 0) - (CONFIDENCE_RANK[x] ?? 0))[0] ?? '';
  const operatedBy = (government: string) =>
    [...new Set(e.operations.filter((x) => x.finding && x.government === government).map((x) => name(x.product ?? x.vendor ?? '')?.name).filter((x): x is string => Boolean(x)))];
  const best = (ids: string[]) => ids.map((id) => ({ ...name(id), confidence: confidenceOf(id) })).filter((x) => x.name);
  return {
    ref: e.ref,
    ...entryTitle(e, lng),
    from: formatFuzzyDate(e.from),
    to: e.to ? formatFuzzyDate(e.to) : '',
    countries: e.countries.map((code) => ({ code, name: countryName(code, lng) })),
    categories: e.categories,
    products: best(e.productIds),
    vendors: best(e.vendorIds),
    // Each operator with what its findings say it operated (never the incident's other products).
    operators: e.governmentIds.flatMap((id) => best([id]).map((o) => ({ ...o, operated: operatedBy(id) }))),
    leads: e.leadIds.map((id) => name(id)).filter((x) => x !== undefined),
  };
}

export function nameCounts(counts: Count[], c: Catalogue, lng: string, limit = 12): NamedCount[] {
  return counts.slice(0, limit).map(({ key, n }) => {
    const entity = c.entities.byId.get(key);
    return { key, n, label: entity ? displayName(entity, lng) : key, ...(entity ? { slug: entity.slug } : {}) };
  });
}

export function countryCounts(counts: Count[], lng: string, limit = 300): NamedCount[] {
  return counts.slice(0, limit).map(({ key, n }) => ({ key, n, label: countryName(key, lng) }));
}
