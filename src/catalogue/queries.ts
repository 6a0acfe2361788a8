import { earliest, latest } from '../facts/dates.js';
import { CONFIDENCE_RANK, type Entry } from './entry.js';
import type { EntityIndex } from './entities.js';
import { catalogue, filterKey, verifiedEntries, type Catalogue, type ResolvedFilter } from './index.js';

/**
 * The questions the incident lists ask of the verified incidents, as one interface with two
 * implementations:
 * - `CatalogueQueries` (this file): the in-process read model (catalogue/index.ts), what the
 *   embedded engine needs, since FerretDB 1.24 scans the whole collection for every filter;
 * - `MongoIncidentQueries` (catalogue/mongo-queries.ts): for deployments on MongoDB, a projection
 *   collection with one indexed document per published incident, queried by the engine.
 * Both take the same filter (search/query.ts resolveFilter) and answer the same (the contract test,
 * test/catalogue/queries.test.ts, runs one set of questions against both). Results are references,
 * newest first (then by id) unless asked oldest first, so a page is the same whichever answers it;
 * the pages show the entries of those references (`Catalogue.byRef`).
 *
 * Asked by: /incidents and its facets, /incidents.csv and /claims.csv, the home page's figures, a
 * profile's incidents table and what its filter counts (incidents, per year, target countries and
 * categories: charts/stats.ts countedIn, for its summary and charts), the incidents per entity on the
 * vendors' and governments' indexes and in the API (`publishedPer`), the API's list of incidents (`publishedQueries()`; `verifiedQueries`, with the restricted
 * ones, for API token holders).
 */
export interface IncidentQueries {
  /** One page of the matching references and how many match: by page number, or after a cursor (`next` of the page before). */
  page(filter: ResolvedFilter, at: PageRequest, perPage: number): Promise<RefPage>;
  /** Every matching reference, newest first, in batches as they are read (a CSV streams them). */
  refs(filter: ResolvedFilter): AsyncIterable<string[]>;
  count(filter: ResolvedFilter): Promise<number>;
  /** The counts a list shows beside its results, by each dimension a filter can take. */
  facets(filter: ResolvedFilter): Promise<Facets>;
  /** A verified incident's reference and title, or undefined. */
  byRef(ref: string): Promise<{ ref: string; title: string; year: number } | undefined>;
  /** Totals of the matching incidents: all, and per year (ascending). */
  stats(filter: ResolvedFilter): Promise<{ total: number; perYear: { year: number; n: number }[] }>;
}

export interface PageRequest {
  /** 1-based; ignored when `after` is given. */
  page?: number;
  /** A cursor (`<start ms>_<id>`): the page begins with the first incident past it, so pages stay exact while incidents are published. */
  after?: string;
  sort?: 'newest' | 'oldest';
}

export interface RefPage {
  refs: string[];
  total: number;
  /** How many matching incidents come before this page. */
  startAt: number;
  /** The cursor of the next page, if there is one. */
  next?: string;
}

/** The page of a query that can match nothing (a slug no entity has). */
export const NO_RESULTS: RefPage = Object.freeze({ refs: [], total: 0, startAt: 0 });

export interface Facets {
  /** A vendor counts the incidents of its subsidiaries too, as its filter selects them. */
  vendors: Count[];
  products: Count[];
  governments: Count[];
  countries: Count[];
  categories: Count[];
  /** Newest year first. */
  years: Count[];
  /** "At least" counts (the confidence filter is a minimum): confirmed, high, medium, low. */
  confidence: Count[];
  /** Incidents naming a vendor listed under any regime, and the others. */
  listing: Count[];
}

export interface Count {
  key: string;
  n: number;
}

/** How many references `refs` hands over at a time. */
export const REFS_BATCH = 1_000;

export const CONFIDENCE_LEVELS = ['confirmed', 'high', 'medium', 'low'] as const;

/** Most first, then by key: the order both implementations give. */
export function byCount(counts: Map<string, number>): Count[] {
  return [...counts.entries()].map(([key, n]) => ({ key, n })).sort((a, b) => b.n - a.n || a.key.localeCompare(b.key));
}

/** Newest year first. */
export function byYear(counts: Map<string, number>): Count[] {
  return [...counts.entries()].map(([key, n]) => ({ key, n })).sort((a, b) => Number(b.key) - Number(a.key));
}

/** A vendor's incidents and its parents' (an incident counts once for each). */
export function vendorKeys(vendorIds: readonly string[], entities: EntityIndex): Set<string> {
  return new Set(vendorIds.flatMap((v) => [v, ...entities.vendorAncestors(v)]));
}

/** The confidence facet from counts per highest rank. */
export function confidenceCounts(perRank: Map<number, number>): Count[] {
  return CONFIDENCE_LEVELS.map((key) => {
    let n = 0;
    for (const [rank, count] of perRank) if (rank >= CONFIDENCE_RANK[key]!) n += count;
    return { key, n };
  });
}

/** A page's cursor: where the next page begins. */
export function cursorOf(e: { start: number; id: string }): string {
  return `${e.start}_${e.id}`;
}

export function parseCursor(cursor: string): { start: number; id: string } {
  const [start, id] = cursor.split('_') as [string, string];
  return { start: Number(start), id };
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

/**
 * The in-process implementation: the catalogue's memoised selections. With `includeRestricted`, the
 * verified restricted incidents too (API token holders).
 */
export class CatalogueQueries implements IncidentQueries {
  constructor(
    private readonly catalogue: () => Promise<Catalogue>,
    private readonly includeRestricted = false,
  ) {}

  private async selected(filter: ResolvedFilter): Promise<{ c: Catalogue; entries: readonly Entry[] }> {
    const c = await this.catalogue();
    return { c, entries: this.includeRestricted ? await verifiedEntries(filter, true) : c.select(filter) };
  }

  async page(filter: ResolvedFilter, at: PageRequest, perPage: number): Promise<RefPage> {
    const { entries } = await this.selected(filter);
    const oldest = at.sort === 'oldest';
    const nth = (i: number) => entries[oldest ? entries.length - 1 - i : i]!;
    let startAt = ((at.page ?? 1) - 1) * perPage;
    if (at.after) {
      const cut = parseCursor(at.after);
      // The first entry past the cursor: older than it newest first, newer than it oldest first.
      const past = (e: Entry) => (oldest ? e.start > cut.start || (e.start === cut.start && e.id > cut.id) : e.start < cut.start || (e.start === cut.start && e.id < cut.id));
      startAt = 0;
      while (startAt < entries.length && !past(nth(startAt))) startAt++;
    }
    const rows: Entry[] = [];
    for (let i = startAt; i < Math.min(entries.length, startAt + perPage); i++) rows.push(nth(i));
    const last = rows.at(-1);
    return { refs: rows.map((e) => e.ref), total: entries.length, startAt, next: last && startAt + rows.length < entries.length ? cursorOf(last) : undefined };
  }

  async *refs(filter: ResolvedFilter) {
    const { entries } = await this.selected(filter);
    for (let at = 0; at < entries.length; at += REFS_BATCH) yield entries.slice(at, at + REFS_BATCH).map((e) => e.ref);
  }

  async count(filter: ResolvedFilter) {
    return (await this.selected(filter)).entries.length;
  }

  async facets(filter: ResolvedFilter): Promise<Facets> {
    const { c, entries } = await this.selected(filter);
    const compute = () => facetsOfEntries(entries, c.entities);
    return this.includeRestricted ? compute() : c.memo(`facets:${filterKey(filter)}`, compute);
  }

  async byRef(ref: string) {
    const c = await this.catalogue();
    const e = c.byRef.get(ref) ?? (this.includeRestricted ? c.restricted().byRef.get(ref) : undefined);
    return e ? { ref: e.ref, title: e.title, year: e.year } : undefined;
  }

  async stats(filter: ResolvedFilter) {
    const { entries } = await this.selected(filter);
    const counts = new Map<number, number>();
    for (const e of entries) counts.set(e.year, (counts.get(e.year) ?? 0) + 1);
    return { total: entries.length, perYear: [...counts].map(([year, n]) => ({ year, n })).sort((a, b) => a.year - b.year) };
  }
}

/** The facets of entries held in memory. */
export function facetsOfEntries(entries: readonly Entry[], entities: EntityIndex): Facets {
  const countBy = (keysOf: (e: Entry) => Iterable<string>) => {
    const counts = new Map<string, number>();
    for (const e of entries) for (const k of new Set(keysOf(e))) counts.set(k, (counts.get(k) ?? 0) + 1);
    return counts;
  };
  const perRank = new Map<number, number>();
  for (const e of entries) perRank.set(e.confidenceRank, (perRank.get(e.confidenceRank) ?? 0) + 1);
  const listed = entities.listedVendors();
  const listedN = entries.filter((e) => e.vendorIds.some((v) => listed.has(v))).length;
  return {
    vendors: byCount(countBy((e) => vendorKeys(e.vendorIds, entities))),
    products: byCount(countBy((e) => e.productIds)),
    governments: byCount(countBy((e) => e.governmentIds)),
    countries: byCount(countBy((e) => e.countries)),
    categories: byCount(countBy((e) => e.categories)),
    years: byYear(countBy((e) => [String(e.year)])),
    confidence: confidenceCounts(perRank),
    listing: [
      { key: 'listed', n: listedN },
      { key: 'not-listed', n: entries.length - listedN },
    ],
  };
}

let published: IncidentQueries = new CatalogueQueries(catalogue);

/** The published incidents: what every public list asks (the catalogue, or the MongoDB projection: READ_MODEL). */
export function publishedQueries(): IncidentQueries {
  return published;
}

/** What answers the public lists from now on (the server's start, by READ_MODEL); returns what answered before. */
export function answerPublishedWith(queries: IncidentQueries): IncidentQueries {
  const before = published;
  published = queries;
  return before;
}

/**
 * Published incidents per vendor (with its subsidiaries', as its profile and its filter count them),
 * per product or per government: the facets of everything, asked of what answers the public lists.
 */
export async function publishedPer(dimension: 'vendors' | 'products' | 'governments'): Promise<Map<string, number>> {
  return new Map((await publishedQueries().facets({}))[dimension].map(({ key, n }) => [key, n]));
}

/** The published and the verified restricted incidents: for API token holders (always the catalogue: the projection holds only what is public). */
export const verifiedQueries: IncidentQueries = new CatalogueQueries(catalogue, true);
