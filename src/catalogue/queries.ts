import { earliest, latest } from '../facts/dates.js';
import type { Catalogue, ResolvedFilter } from './index.js';
import type { Entry } from './entry.js';

/**
 * The questions the public pages ask of the published incidents, as one interface with two
 * implementations:
 * - `CatalogueQueries` (this file): the in-process read model (catalogue/index.ts), what the
 *   embedded engine needs, since FerretDB 1.24 scans the whole collection for every filter;
 * - `MongoIncidentQueries` (catalogue/mongo-queries.ts): for deployments on MongoDB, a projection
 *   collection with one indexed document per published incident, queried by the engine.
 * Both take the same filter (search/query.ts resolveFilter) and answer the same (the contract test,
 * test/catalogue/queries.test.ts, runs one set of questions against both). Results are references,
 * newest first (then by id), so a page is the same whichever answers it.
 */
export interface IncidentQueries {
  /** One page of the matching references, newest first, and how many match. */
  page(filter: ResolvedFilter, page: number, perPage: number): Promise<{ refs: string[]; total: number }>;
  count(filter: ResolvedFilter): Promise<number>;
  /** Matching incidents per vendor, product, government, country, target category and year (an incident counts once per key). */
  facets(filter: ResolvedFilter): Promise<Facets>;
  /** A published incident's reference and title, or undefined. */
  byRef(ref: string): Promise<{ ref: string; title: string; year: number } | undefined>;
  /** Totals of the matching incidents: all, per year (ascending), and the span of years. */
  stats(filter: ResolvedFilter): Promise<{ total: number; perYear: { year: number; n: number }[] }>;
}

export interface Facets {
  vendors: Count[];
  products: Count[];
  governments: Count[];
  countries: Count[];
  categories: Count[];
  years: Count[];
}

export interface Count {
  key: string;
  n: number;
}

/** Most first, then by key: the order both implementations give. */
export function byCount(counts: Map<string, number>): Count[] {
  return [...counts.entries()].map(([key, n]) => ({ key, n })).sort((a, b) => b.n - a.n || a.key.localeCompare(b.key));
}

/** The fields of an entry that filters and counts read: what the MongoDB projection stores per incident. */
export function indexFieldsOf(e: Entry) {
  return {
    ref: e.ref,
    title: e.title,
    start: e.start,
    earliest: earliest(e.from).getTime(),
    latest: latest(e.to ?? e.from).getTime(),
    year: e.year,
    countries: e.countries,
    categories: e.categories,
    productIds: e.productIds,
    vendorIds: e.vendorIds,
    governmentIds: e.governmentIds,
    confidenceRank: e.confidenceRank,
    tokens: e.tokens,
  };
}

/** The in-process implementation: the catalogue's memoised selections. */
export class CatalogueQueries implements IncidentQueries {
  constructor(private readonly catalogue: () => Promise<Catalogue>) {}

  async page(filter: ResolvedFilter, page: number, perPage: number) {
    const entries = (await this.catalogue()).select(filter);
    return { refs: entries.slice((page - 1) * perPage, page * perPage).map((e) => e.ref), total: entries.length };
  }

  async count(filter: ResolvedFilter) {
    return (await this.catalogue()).select(filter).length;
  }

  async facets(filter: ResolvedFilter): Promise<Facets> {
    const entries = (await this.catalogue()).select(filter);
    const countBy = (keysOf: (e: Entry) => (string | number)[]) => {
      const counts = new Map<string, number>();
      for (const e of entries) for (const k of new Set(keysOf(e).map(String))) counts.set(k, (counts.get(k) ?? 0) + 1);
      return byCount(counts);
    };
    return {
      vendors: countBy((e) => e.vendorIds),
      products: countBy((e) => e.productIds),
      governments: countBy((e) => e.governmentIds),
      countries: countBy((e) => e.countries),
      categories: countBy((e) => e.categories),
      years: countBy((e) => [e.year]),
    };
  }

  async byRef(ref: string) {
    const e = (await this.catalogue()).byRef.get(ref);
    return e ? { ref: e.ref, title: e.title, year: e.year } : undefined;
  }

  async stats(filter: ResolvedFilter) {
    const entries = (await this.catalogue()).select(filter);
    const counts = new Map<number, number>();
    for (const e of entries) counts.set(e.year, (counts.get(e.year) ?? 0) + 1);
    return { total: entries.length, perYear: [...counts].map(([year, n]) => ({ year, n })).sort((a, b) => a.year - b.year) };
  }
}
