import type { FuzzyDate } from '../facts/dates.js';
import { BSON } from 'mongodb';
import { CONFIDENCE_RANK, isFinding, operationsOf, subjectOf, unlinkedOperators, type Operation } from '../incidents/claims.js';
import type { IncidentDocument } from '../incidents/model.js';
import { tokenize } from '../search/normalise.js';
import { countryName } from '../countries/index.js';
import { LANGUAGES, labelsOf } from '../i18n/index.js';
import { incidentVersions, textIn, type Versions } from '../i18n/texts.js';

export { CONFIDENCE_RANK };

/** What lists, filters, facets and statistics need of a published incident. */
export interface Entry {
  id: string;
  ref: string;
  /** The reference's year and number (db/sequence.ts): the next number at start-up. */
  refYear: number;
  refSeq: number;
  /** The title as written (in `lang`). */
  title: string;
  /** The title in each language it has (as written, and a reviewer's translation): rows pick the page's. */
  titles: Versions;
  start: number;
  from: FuzzyDate;
  to?: FuzzyDate;
  year: number;
  countries: string[];
  categories: string[];
  /**
   * Entities named by findings (claims at medium or above; incidents/claims.ts), including what an
   * operator finding says was operated: every count and filter uses these.
   */
  productIds: string[];
  vendorIds: string[];
  governmentIds: string[];
  /** Entities this incident names only in leads (low-confidence claims): shown as leads, never counted. */
  leadIds: string[];
  attributions: { kind: string; id: string; confidence: string; finding: boolean }[];
  /** Each product the incident names → its vendor as of the incident's start (the corporate graph then). */
  productVendors: Record<string, string>;
  /** Which government operated which product or vendor, as operator claims state it (findings and leads). */
  operations: Operation[];
  confidenceRank: number;
  tokens: string[];
  /** When it was verified (ms; its start if the record has no time): the feeds' order. */
  verifiedAt: number;
  /** Every product its claims name (findings, leads, operators): what `productVendors` is derived from. */
  namedProducts: string[];
  /** Whether an operator claim links nothing although the incident names products or vendors (the reviewers' list). */
  unlinkedOperators: boolean;
  /**
   * The whole published record as BSON (about 1 KB), so its public page needs no database read; held
   * as bytes, not objects, which would take five times the memory at 100,000 incidents.
   */
  bson: Uint8Array;
  /** The whole published record, decoded from `bson` at each use (a new object each time: callers may change it). */
  readonly doc: Record<string, unknown>;
}

type Lean = IncidentDocument & { _id: unknown };

function fuzzy(d: { y: number; m?: number | null; d?: number | null }): FuzzyDate {
  return { y: d.y, ...(d.m ? { m: d.m } : {}), ...(d.d ? { d: d.d } : {}) };
}

/** Every product the incident's claims name (product claims, and operator claims that say what was operated). */
function namedProductsOf(incident: Lean): string[] {
  const products = incident.attributions.map((a) => (a.kind === 'product' || a.kind === 'government' ? a.product : undefined)).filter(Boolean);
  return [...new Set(products.map(String))];
}

/** Each product the incident names → its vendor as of the incident's start (after an acquisition, the vendor of the time). */
export function productVendorsOf(namedProducts: readonly string[], start: number, vendorOf: (productId: string, at?: number) => string | undefined): Record<string, string> {
  const productVendors: Record<string, string> = {};
  for (const product of namedProducts) {
    const vendor = vendorOf(product, start);
    if (vendor) productVendors[product] = vendor;
  }
  return productVendors;
}

/**
 * `vendorOf`: a product's vendor at a time, from the entity index (the corporate graph over time).
 * `bson`: the record's bytes when the caller holds them (a snapshot); otherwise it is encoded here.
 */
export function toEntry(incident: Lean, vendorOf: (productId: string, at?: number) => string | undefined, bson?: Uint8Array): Entry {
  const namedProducts = namedProductsOf(incident);
  const productVendors = productVendorsOf(namedProducts, new Date(incident.dates.start).getTime(), vendorOf);
  const vendorAt = (productId: string) => productVendors[productId];
  const attributions = incident.attributions.map((a) => ({ kind: a.kind, id: subjectOf(a), confidence: a.confidence, finding: isFinding(a.confidence) }));
  const findings = attributions.filter((a) => a.finding);
  const ids = (kind: string, of: typeof attributions) => [...new Set(of.filter((a) => a.kind === kind).map((a) => a.id))];
  const operations = operationsOf(incident.attributions, vendorAt);
  // An operator finding that names what was operated ("Egypt operated Predator", at medium or above)
  // states that the product (or the vendor's product) was used: it is a finding about it too.
  const operated = operations.filter((o) => o.finding);
  const productIds = [...new Set([...ids('product', findings), ...operated.map((o) => o.product).filter((p): p is string => Boolean(p))])];
  const vendorIds = [...new Set([...ids('vendor', findings), ...productIds.map(vendorAt).filter((v): v is string => Boolean(v)), ...operated.map((o) => o.vendor).filter((v): v is string => Boolean(v))])];
  const governmentIds = ids('government', findings);
  const found = new Set([...productIds, ...vendorIds, ...governmentIds]);
  const leads = attributions.filter((a) => !a.finding);
  const leadIds = [...new Set([...leads.map((a) => a.id), ...ids('product', leads).map(vendorAt).filter((v): v is string => Boolean(v))])].filter((id) => !found.has(id));
  // Also the countries' and target categories' names in English and Arabic ("مصر", "صحفي" find them).
  const categories = [...new Set(incident.targets.map((t) => t.category))];
  const text = [
    incident.title,
    incident.summary,
    // A translation is found in its language too ("صحفي" finds an English incident translated into Arabic).
    incident.translation?.title ?? '',
    incident.translation?.summary ?? '',
    ...incident.sources.map((s) => `${s.title} ${s.publisher ?? ''}`),
    ...incident.countries.flatMap((code) => LANGUAGES.map((lng) => countryName(code, lng))),
    ...categories.flatMap((k) => labelsOf(`targetCategories.${k}`)),
  ].join(' ');
  const dates = incident.dates;
  const bytes = bson ?? BSON.serialize(incident, { ignoreUndefined: true });
  const verifiedAt = (incident as { verification?: { verifiedAt?: Date | string | null } }).verification?.verifiedAt;
  const list = (items: readonly string[]) => (items.length ? items.map(shared) : NONE);
  return heldEntry({
    id: String(incident._id),
    ref: incident.ref,
    refYear: incident.refYear,
    refSeq: incident.refSeq,
    title: incident.title,
    titles: incidentVersions(incident, 'title'),
    start: new Date(dates.start).getTime(),
    from: fuzzy(dates.from),
    ...(dates.to ? { to: fuzzy(dates.to) } : {}),
    year: dates.from.y,
    countries: list(incident.countries),
    categories: list(categories),
    productIds: list(productIds),
    vendorIds: list(vendorIds),
    governmentIds: list(governmentIds),
    leadIds: list(leadIds),
    attributions: attributions.map((a) => ({ kind: shared(a.kind), id: shared(a.id), confidence: shared(a.confidence), finding: a.finding })),
    operations: operations.length ? operations.map((o) => ({ ...o, government: shared(o.government), ...(o.product ? { product: shared(o.product) } : {}), ...(o.vendor ? { vendor: shared(o.vendor) } : {}), confidence: shared(o.confidence) })) : (NONE as unknown as Operation[]),
    productVendors: Object.fromEntries(Object.entries(productVendors).map(([p, v]) => [shared(p), shared(v)])),
    confidenceRank: Math.max(0, ...attributions.map((a) => CONFIDENCE_RANK[a.confidence] ?? 0)),
    tokens: tokenize(text, true).map(shared),
    verifiedAt: verifiedAt ? new Date(verifiedAt).getTime() : new Date(dates.start).getTime(),
    namedProducts: list(namedProducts),
    unlinkedOperators: unlinkedOperators(incident.attributions).length > 0,
    bson: bytes,
  });
}

/**
 * Memory at 100,000 incidents: an entry's strings are mostly the same few hundred entity ids, codes
 * and search words, so one copy of each is kept and shared (up to a bound; past it, strings are kept
 * as they come). Empty lists are one shared, frozen list.
 */
const SHARED_MAX = 200_000;
const sharedStrings = new Map<string, string>();
export function shared(text: string): string {
  const held = sharedStrings.get(text);
  if (held !== undefined) return held;
  if (sharedStrings.size < SHARED_MAX) sharedStrings.set(text, text);
  return text;
}
export const NONE: string[] = Object.freeze([]) as unknown as string[];

/** An entry's record, decoded by a getter on the prototype (no function per entry). */
class HeldEntry {
  get doc(): Record<string, unknown> {
    return BSON.deserialize((this as unknown as { bson: Uint8Array }).bson);
  }
}

/** An entry from its fields (derived here, or read back from a snapshot: catalogue/snapshot.ts). */
export function heldEntry(fields: Omit<Entry, 'doc'>): Entry {
  return Object.assign(new HeldEntry(), fields);
}

/** The title a row shows on a page in `lng`, and the language it is in (for `lang` on the element). */
export function entryTitle(e: Entry, lng: string): { title: string; titleLang: string } {
  const shown = textIn(e.titles, lng);
  return { title: shown.text, titleLang: shown.lang };
}

/** Newest first, then by id: a total order, so pages never overlap or skip. */
export function compareEntries(a: Entry, b: Entry): number {
  return b.start - a.start || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);
}
