import { z } from 'zod';
import type { Catalogue, ResolvedFilter } from '../catalogue/index.js';
import { CONFIDENCE_RANK, type Entry } from '../catalogue/entry.js';
import type { RefPage } from '../catalogue/queries.js';
import { isCountryCode } from '../countries/index.js';
import { isCalendarDay } from '../reference/fields.js';
import { TARGET_CATEGORIES } from '../facts/model.js';
import { REGIMES } from '../vendors/model.js';
import { queryTokens } from './normalise.js';

const slug = z.string().regex(/^[a-z0-9-]{1,80}$/);
const year = z.coerce.number().int().min(1990).max(2100);
const day = z.string().regex(/^(199\d|20\d\d)-/).refine(isCalendarDay);

/** The /incidents (and /incidents.csv) query: every key optional, each at most once. */
export const incidentQuerySchema = z.strictObject({
  vendor: slug.optional(),
  product: slug.optional(),
  government: slug.optional(),
  country: z.string().toUpperCase().refine(isCountryCode).optional(),
  target: z.enum(TARGET_CATEGORIES).optional(),
  year: year.optional(),
  from: year.optional(),
  to: year.optional(),
  /** Incidents that began on or after this day (their earliest possible date), and incidents wholly before this day. */
  since: day.optional(),
  until: day.optional(),
  confidence: z.enum(['low', 'medium', 'high', 'confirmed']).optional(),
  listing: z.union([z.enum(['listed', 'not-listed']), z.enum(REGIMES)]).optional(),
  q: z.string().trim().max(200).optional(),
  sort: z.enum(['newest', 'oldest']).optional(),
  page: z.coerce.number().int().min(1).max(100_000).optional(),
  after: z.string().regex(/^\d+_[0-9a-f]{24}$/).optional(),
});
export type IncidentQuery = z.infer<typeof incidentQuerySchema>;

export const FILTER_KEYS = ['vendor', 'product', 'government', 'country', 'target', 'year', 'from', 'to', 'since', 'until', 'confidence', 'listing', 'q'] as const;

/** Turns slugs into ids. An unknown slug matches nothing (rather than being ignored). */
export function resolveFilter(c: Catalogue, q: IncidentQuery): ResolvedFilter | 'nothing' {
  const f: ResolvedFilter = {};
  if (q.vendor) {
    const v = c.entities.bySlug('vendor', q.vendor);
    if (!v) return 'nothing';
    f.vendorIds = c.entities.vendorFamily(v.id);
  }
  if (q.product) {
    const p = c.entities.bySlug('product', q.product);
    if (!p) return 'nothing';
    f.productId = p.id;
  }
  if (q.government) {
    const g = c.entities.bySlug('government', q.government);
    if (!g) return 'nothing';
    f.governmentId = g.id;
  }
  if (q.country) f.country = q.country;
  if (q.target) f.category = q.target;
  if (q.year) f.yearFrom = f.yearTo = q.year;
  if (q.from) f.yearFrom = q.from;
  if (q.to) f.yearTo = q.to;
  if (q.since) f.since = Date.parse(`${q.since}T00:00:00Z`);
  if (q.until) f.until = Date.parse(`${q.until}T00:00:00Z`);
  if (q.confidence) f.minRank = CONFIDENCE_RANK[q.confidence];
  if (q.listing === 'listed') f.listedVendors = c.entities.listedVendors();
  else if (q.listing === 'not-listed') f.listedVendors = { notIn: c.entities.listedVendors() };
  else if (q.listing) f.listedVendors = c.entities.listedVendors(q.listing);
  if (q.q) {
    const tokens = queryTokens(q.q);
    if (tokens.length) f.tokens = tokens;
  }
  return f;
}

export const PAGE_SIZE = 20;

/** What a list shows of its page: which rows of how many, and the links to the others. */
export function pageOf(found: RefPage, perPage = PAGE_SIZE) {
  const { refs, total, startAt, next } = found;
  return {
    total,
    // A page past the end shows nothing: 0–0, not "981–980".
    first: refs.length ? startAt + 1 : 0,
    last: refs.length ? startAt + refs.length : 0,
    next,
    page: Math.floor(startAt / perPage) + 1,
    pages: Math.max(1, Math.ceil(total / perPage)),
  };
}

/** The entries of a page's references, as the catalogue holds them (one published meanwhile elsewhere may not be here yet). */
export function entriesOf(c: Catalogue, refs: readonly string[], includeRestricted = false): Entry[] {
  return refs.flatMap((ref) => c.byRef.get(ref) ?? (includeRestricted ? c.restricted().byRef.get(ref) : undefined) ?? []);
}

/** A permalink for the same query with some keys changed (undefined removes a key). */
export function queryUrl(base: string, q: IncidentQuery, changes: Partial<Record<keyof IncidentQuery, string | number | undefined>>): string {
  const params = new URLSearchParams();
  const merged = { ...q, ...changes } as Record<string, string | number | undefined>;
  for (const key of [...FILTER_KEYS, 'sort', 'page', 'after'] as const) {
    const value = merged[key];
    if (value !== undefined && value !== '') params.set(key, typeof value === 'number' ? String(value) : value);
  }
  const text = params.toString();
  return text ? `${base}?${text}` : base;
}

/** Spreadsheet formula injection: a cell starting with = + - @ (or a tab/CR) is prefixed with '. */
export function neutraliseCell(value: string): string {
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}
