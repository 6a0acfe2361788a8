import type { Catalogue } from '../catalogue/index.js';
import { entryTitle, type Entry } from '../catalogue/entry.js';
import { countMap, leadEntries, operatorCountries, type Counted } from '../charts/stats.js';
import { countryName } from '../countries/index.js';
import { formatFuzzyDate } from '../facts/dates.js';
import { displayName } from '../reference/presenter.js';

/**
 * The evidence summary of a profile, from its published incidents (the same set /incidents shows):
 * `counted`, what its filter counts (charts/stats.ts countedIn); `operatorsOf`, the operators each
 * incident states for this profile (charts/stats.ts scopeOperators), counted from the entries.
 */
export function evidenceSummary(c: Catalogue, entries: readonly Entry[], lng: string, operatorsOf: (e: Entry) => string[], counted: Counted) {
  const byOperator = [...countMap(entries, operatorsOf)].sort((a, b) => b[1] - a[1]);
  const byOperatorCountry = [...operatorCountries(c, entries, operatorsOf)].sort((a, b) => b[1] - a[1]);
  const oldest = entries.at(-1);
  const newest = entries.at(0);
  const entity = (id: string) => {
    const e = c.entities.byId.get(id);
    return e ? { name: displayName(e, lng), slug: e.slug } : { name: id, slug: '' };
  };
  return {
    incidents: counted.total,
    countries: counted.countries.map(({ key, n }) => ({ code: key, name: countryName(key, lng), n })),
    operators: byOperator.map(([id, n]) => ({ ...entity(id), n })),
    operatorCountries: byOperatorCountry.map(([code, n]) => ({ code, name: countryName(code, lng), n })),
    categories: counted.categories,
    years: counted.years,
    first: oldest ? formatFuzzyDate(oldest.from) : '',
    latest: newest ? formatFuzzyDate(newest.from) : '',
  };
}

/**
 * Who an entity is linked with by operator claims, and at what confidence (a government's vendors and
 * products, a product's operators): `linked` picks, per incident, the linked entities of its findings.
 */
export function attributedWith(c: Catalogue, entries: readonly Entry[], linked: (e: Entry) => { id: string; confidence: string }[], lng: string) {
  const rows = new Map<string, { name: string; slug: string; n: number; confidence: Record<string, number> }>();
  for (const e of entries) {
    const links = linked(e);
    for (const id of new Set(links.map((l) => l.id))) {
      const entity = c.entities.byId.get(id);
      if (!entity) continue;
      const row = rows.get(id) ?? { name: displayName(entity, lng), slug: entity.slug, n: 0, confidence: {} };
      row.n += 1;
      for (const l of links.filter((x) => x.id === id)) row.confidence[l.confidence] = (row.confidence[l.confidence] ?? 0) + 1;
      rows.set(id, row);
    }
  }
  return [...rows.values()].sort((a, b) => b.n - a.n);
}

/** Published incidents that name the entity (or, for a vendor, its family) only in leads: shown apart, never counted. */
export function leadsOf(c: Catalogue, ids: ReadonlySet<string>, lng: string) {
  return leadEntries(c, ids)
    .map((e) => ({
      ref: e.ref,
      ...entryTitle(e, lng),
      date: formatFuzzyDate(e.from),
      claims: e.attributions.filter((a) => !a.finding && (ids.has(a.id) || (a.kind === 'product' && ids.has(e.productVendors[a.id] ?? '')))).map((a) => ({ kind: a.kind, name: c.entities.byId.get(a.id) ? displayName(c.entities.byId.get(a.id)!, lng) : '', confidence: a.confidence })),
    }));
}
