import type { Listing } from '../catalogue/entities.js';
import type { Catalogue } from '../catalogue/index.js';
import type { Entry } from '../catalogue/entry.js';
import { leadEntries, scopeIds } from '../charts/stats.js';
import { formatFuzzyDate } from '../facts/dates.js';
import { operatedBy, type StoredClaim } from '../incidents/claims.js';
import { isoDay } from '../reference/presenter.js';

/** Documents → the API's JSON. Field names and shapes are the ones openapi.ts documents. */

type Named = { _id: unknown; slug: string; name: string; nameAr?: string | null };

/**
 * Aggregates count findings only (incidents/claims.ts): `incidents` from the published incidents per
 * entity (catalogue/queries.ts publishedPer, as the profiles and indexes count them); `leads` counts
 * incidents that name the entity only in leads.
 */
function counts(c: Catalogue, scope: 'vendor' | 'product' | 'government', entity: { _id: unknown; slug: string }, published: ReadonlyMap<string, number>) {
  return {
    incidents: published.get(String(entity._id)) ?? 0,
    leads: c.memo(`api-leads:${scope}:${entity.slug}`, () => leadEntries(c, scopeIds(c, scope, entity.slug)).length),
  };
}

/** A vendor's status under a regime, derived from official actions (catalogue/entities.ts). */
export function listingJson(l: Listing) {
  return { regime: l.regime, status: l.status, date: l.date || null, citation: l.citation || null, url: l.url || null, action: l.action };
}

export function vendorJson(v: Named & { _id: unknown; aliases: string[]; hqCountry?: string | null; parent?: unknown }, c: Catalogue, slugOf: (id: unknown) => string | null, published: ReadonlyMap<string, number>) {
  return {
    slug: v.slug,
    name: v.name,
    nameAr: v.nameAr || null,
    aliases: v.aliases,
    hqCountry: v.hqCountry ?? null,
    parent: v.parent ? slugOf(v.parent) : null,
    listings: c.entities.listingsOf(String(v._id)).map(listingJson),
    ...counts(c, 'vendor', v, published),
  };
}

export function productJson(p: Named & { aliases: string[]; category: string; vendor?: unknown; description?: string }, c: Catalogue, slugOf: (id: unknown) => string | null, published: ReadonlyMap<string, number>) {
  return {
    slug: p.slug,
    name: p.name,
    nameAr: p.nameAr || null,
    aliases: p.aliases,
    category: p.category,
    vendor: p.vendor ? slugOf(p.vendor) : null,
    description: p.description ?? '',
    ...counts(c, 'product', p, published),
  };
}

export function governmentJson(g: Named & { country: string; agencies: { name: string; kind: string }[] }, c: Catalogue, published: ReadonlyMap<string, number>) {
  return {
    slug: g.slug,
    name: g.name,
    nameAr: g.nameAr || null,
    country: g.country,
    agencies: g.agencies.map((a) => ({ name: a.name, kind: a.kind })),
    ...counts(c, 'government', g, published),
  };
}

type IncidentDoc = {
  ref: string;
  title: string;
  summary: string;
  lang?: string;
  translation?: { lang: string; title: string; summary: string; updatedAt: Date } | null;
  visibility: 'public' | 'restricted';
  responses?: string;
  targets: { category: string; pseudonym: string; consentToPublish?: boolean }[];
  sources: { kind: string; title: string; publisher?: string | null; date?: Date | null; url?: string | null }[];
  indicators: { type: string; value: string }[];
  attributions: (StoredClaim & { basis: string; sources: number[] })[];
  verification: { verifiedAt?: Date | null };
};

/**
 * One attribution claim (incidents/claims.ts): the entity it names and, for an operator claim, what
 * the source says it operated (null when it links nothing). `finding` is the one counting rule.
 */
function claimJson(a: StoredClaim, read: Entry['attributions'][number], productVendors: Entry['productVendors'], c: Catalogue) {
  const entity = c.entities.byId.get(read.id);
  const slug = (id: string | undefined) => (id ? (c.entities.byId.get(id)?.slug ?? null) : null);
  const operated = operatedBy(a);
  const operatedVendor = operated.vendor ?? (operated.product ? productVendors[operated.product] : undefined);
  return {
    kind: read.kind,
    slug: entity?.slug ?? null,
    name: entity?.name ?? null,
    confidence: read.confidence,
    finding: read.finding,
    ...(read.kind === 'government' ? { operated: operated.product || operated.vendor ? { product: slug(operated.product), vendor: slug(operatedVendor) } : null } : {}),
  };
}

/** A row of the incidents list. */
export function incidentSummaryJson(e: Entry, c: Catalogue, baseUrl: string) {
  const doc = e.doc as unknown as IncidentDoc;
  return {
    ref: e.ref,
    title: e.title,
    language: doc.lang ?? 'en',
    titles: e.titles,
    visibility: doc.visibility,
    dates: { from: formatFuzzyDate(e.from), to: e.to ? formatFuzzyDate(e.to) : null },
    countries: e.countries,
    targetCategories: e.categories,
    attributions: doc.attributions.map((a, n) => claimJson(a, e.attributions[n]!, e.productVendors, c)),
    url: doc.visibility === 'public' ? `${baseUrl}/incidents/${e.ref}` : null,
  };
}

/** One incident in full: what its public page says (a pseudonym only with consent; never an identity). */
export function incidentJson(e: Entry, c: Catalogue, baseUrl: string) {
  const doc = e.doc as unknown as IncidentDoc;
  const summary = incidentSummaryJson(e, c, baseUrl);
  return {
    ...summary,
    summary: doc.summary,
    translation: doc.translation ? { language: doc.translation.lang, title: doc.translation.title, summary: doc.translation.summary, updatedAt: new Date(doc.translation.updatedAt).toISOString() } : null,
    verifiedAt: doc.verification.verifiedAt ? doc.verification.verifiedAt.toISOString() : null,
    targets: (doc.targets ?? []).map((t) => ({ category: t.category, pseudonym: t.consentToPublish ? t.pseudonym : null })),
    attributions: doc.attributions.map((a, n) => ({ ...summary.attributions[n]!, agency: a.agency ?? null, basis: a.basis, sources: a.sources.map((i) => i + 1) })),
    sources: (doc.sources ?? []).map((s, i) => ({ number: i + 1, kind: s.kind, title: s.title, publisher: s.publisher ?? null, date: isoDay(s.date) || null, url: s.url ?? null })),
    indicators: (doc.indicators ?? []).map((i) => ({ type: i.type, value: i.value })),
    responses: doc.responses ?? '',
  };
}
