import type { Catalogue } from '../catalogue/index.js';
import type { Entry } from '../catalogue/entry.js';
import { countMap, operatorCountries, perYear } from '../charts/stats.js';
import { countryName } from '../countries/index.js';
import { formatFuzzyDate } from '../facts/dates.js';
import { displayName } from '../reference/presenter.js';

/** The evidence summary of a profile, from its published incidents (the same set /incidents shows). */
export function evidenceSummary(c: Catalogue, entries: readonly Entry[], lng: string) {
  const byCountry = [...countMap(entries, (e) => e.countries)].sort((a, b) => b[1] - a[1]);
  const byOperator = [...countMap(entries, (e) => e.governmentIds)].sort((a, b) => b[1] - a[1]);
  const byOperatorCountry = [...operatorCountries(c, entries)].sort((a, b) => b[1] - a[1]);
  const byCategory = [...countMap(entries, (e) => e.categories)].sort((a, b) => b[1] - a[1]);
  const oldest = entries.at(-1);
  const newest = entries.at(0);
  const entity = (id: string) => {
    const e = c.entities.byId.get(id);
    return e ? { name: displayName(e, lng), slug: e.slug } : { name: id, slug: '' };
  };
  return {
    incidents: entries.length,
    countries: byCountry.map(([code, n]) => ({ code, name: countryName(code, lng), n })),
    operators: byOperator.map(([id, n]) => ({ ...entity(id), n })),
    operatorCountries: byOperatorCountry.map(([code, n]) => ({ code, name: countryName(code, lng), n })),
    categories: byCategory.map(([key, n]) => ({ key, n })),
    years: perYear(entries),
    first: oldest ? formatFuzzyDate(oldest.from) : '',
    latest: newest ? formatFuzzyDate(newest.from) : '',
  };
}

/** Who else an entity appears with, and at what confidence (e.g. a government's vendors and products). */
export function attributedWith(c: Catalogue, entries: readonly Entry[], kind: 'product' | 'vendor' | 'government', lng: string) {
  const rows = new Map<string, { name: string; slug: string; n: number; confidence: Record<string, number> }>();
  for (const e of entries) {
    const ids = kind === 'vendor' ? e.vendorIds : kind === 'product' ? e.productIds : e.governmentIds;
    for (const id of new Set(ids)) {
      const entity = c.entities.byId.get(id);
      if (!entity) continue;
      const row = rows.get(id) ?? { name: displayName(entity, lng), slug: entity.slug, n: 0, confidence: {} };
      row.n += 1;
      for (const a of e.attributions.filter((x) => x.id === id)) row.confidence[a.confidence] = (row.confidence[a.confidence] ?? 0) + 1;
      rows.set(id, row);
    }
  }
  return [...rows.values()].sort((a, b) => b.n - a.n);
}
