import type { FuzzyDate } from '../facts/dates.js';
import type { IncidentDocument } from '../incidents/model.js';
import { tokenize } from '../search/normalise.js';

export const CONFIDENCE_RANK: Record<string, number> = { low: 1, medium: 2, high: 3, confirmed: 4 };

/** What lists, filters, facets and statistics need of a published incident. */
export interface Entry {
  id: string;
  ref: string;
  title: string;
  start: number;
  from: FuzzyDate;
  to?: FuzzyDate;
  year: number;
  countries: string[];
  categories: string[];
  productIds: string[];
  vendorIds: string[];
  governmentIds: string[];
  attributions: { kind: string; id: string; confidence: string }[];
  confidenceRank: number;
  tokens: string[];
  /** The whole published record, so its public page needs no database read. */
  doc: Record<string, unknown>;
}

type Lean = IncidentDocument & { _id: unknown };

function fuzzy(d: { y: number; m?: number | null; d?: number | null }): FuzzyDate {
  return { y: d.y, ...(d.m ? { m: d.m } : {}), ...(d.d ? { d: d.d } : {}) };
}

export function toEntry(incident: Lean): Entry {
  const attributions = incident.attributions.map((a) => ({
    kind: a.kind,
    id: String(a.kind === 'product' ? a.product : a.kind === 'vendor' ? a.vendor : a.government),
    confidence: a.confidence,
  }));
  const text = [incident.title, incident.summary, ...incident.sources.map((s) => `${s.title} ${s.publisher ?? ''}`)].join(' ');
  const dates = incident.dates;
  return {
    id: String(incident._id),
    ref: incident.ref,
    title: incident.title,
    start: new Date(dates.start).getTime(),
    from: fuzzy(dates.from),
    ...(dates.to ? { to: fuzzy(dates.to) } : {}),
    year: dates.from.y,
    countries: [...incident.countries],
    categories: [...new Set(incident.targets.map((t) => t.category))],
    productIds: incident.productIds.map(String),
    vendorIds: incident.vendorIds.map(String),
    governmentIds: incident.governmentIds.map(String),
    attributions,
    confidenceRank: Math.max(0, ...attributions.map((a) => CONFIDENCE_RANK[a.confidence] ?? 0)),
    tokens: tokenize(text, true),
    doc: incident as unknown as Record<string, unknown>,
  };
}

/** Newest first, then by id: a total order, so pages never overlap or skip. */
export function compareEntries(a: Entry, b: Entry): number {
  return b.start - a.start || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);
}
