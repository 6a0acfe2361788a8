import { isFinding, operatedBy, type StoredClaim } from '../incidents/claims.js';
import { usedEntities, usedIncidents, type UsedEntity } from './status.js';
import mongoose from 'mongoose';
import { User } from '../auth/model.js';
import { HttpError } from '../http/errors.js';
import { catalogue, verifiedEntries } from '../catalogue/index.js';
import { countryName } from '../countries/index.js';
import { Evidence } from '../evidence/model.js';
import { formatFuzzyDate } from '../facts/dates.js';
import { Government } from '../governments/model.js';
import { Product } from '../products/model.js';
import { displayName, isoDay } from '../reference/presenter.js';
import { incidentQuerySchema, resolveFilter } from '../search/query.js';
import type { Catalogue, ResolvedFilter } from '../catalogue/index.js';
import { ProductIndicator } from '../stix/model.js';
import { Review } from '../verification/model.js';
import { Vendor } from '../vendors/model.js';
import { CITATIONS, frame, type Criterion, type Framing } from './framing.js';

export const AUDIENCES = ['public', 'official'] as const;
export type Audience = (typeof AUDIENCES)[number];
export const SUBJECT_KINDS = ['vendor', 'government', 'filter'] as const;

export interface DossierParams {
  subject: { kind: 'vendor'; slug: string } | { kind: 'government'; slug: string } | { kind: 'filter'; query: string };
  audience: Audience;
  framing: Framing;
  language: 'en' | 'ar';
}

export interface Named {
  slug: string;
  name: string;
  nameAr: string;
}

export interface DossierIncident {
  ref: string;
  title: string;
  summary: string;
  /** The language of the title and summary: the text the reviewers verified. */
  language: string;
  /** A reviewer's translation into the other language: a rendering, not itself reviewed. */
  translation: { language: string; title: string; summary: string; updatedAt: string } | null;
  visibility: 'public' | 'restricted';
  url: string;
  dates: { from: string; to: string };
  verifiedAt: string;
  countries: { code: string; name: string }[];
  targetCategories: string[];
  attributions: { kind: 'product' | 'vendor' | 'government'; slug: string; name: string; confidence: string; basis: string; sources: number[]; agency?: string; country?: string; category?: string; finding: boolean; operated?: string }[];
  chains: { product: string; vendor: string; operator: string; confidence: { product: string; vendor: string; operator: string } }[];
  sources: { number: number; kind: string; title: string; publisher: string; date: string; url: string }[];
  indicators: { type: string; value: string }[];
  approvals: { roles: string[]; at: string; checklist: Record<string, boolean> }[];
  evidence: { label: string; mediaType: string; size: number; sha256: string; copy: 'original' | 'working' }[];
  responses: string;
}

export interface SincePrevious {
  id: string;
  version: number;
  generatedAt: string;
  /** Incidents included now and not then, and the reverse (retracted, disputed, no longer matching). */
  added: string[];
  removed: string[];
  /** Incidents verified again in a new round since (substantively edited). */
  reverified: string[];
  /** Vendors, products and governments whose record was edited since (by slug). */
  entitiesEdited: { kind: 'vendor' | 'product' | 'government'; slug: string }[];
}

/** Everything a dossier says, as data: the JSON export is this object, every other format renders it. */
export interface DossierContent {
  format: 'tracker-dossier/1';
  id: string;
  version: number;
  generatedAt: string;
  generatedBy: { roles: string[] };
  language: 'en' | 'ar';
  audience: Audience;
  framing: { regime: Framing; citation: string; criteria: Criterion[] };
  subject: { kind: 'vendor' | 'government' | 'filter'; slug: string; name: string; nameAr: string; query: string };
  summary: {
    incidents: number;
    publicIncidents: number;
    restrictedIncidents: number;
    targetCategories: { key: string; n: number }[];
    targetCountries: { code: string; name: string; n: number }[];
    operators: { slug: string; name: string; country: string; n: number }[];
    period: { from: string; to: string };
  };
  identity: {
    vendors: (Named & { role: 'subject' | 'subsidiary' | 'successor' | 'predecessor' | 'parent'; aliases: string[]; formerNames: { name: string; from: string; to: string }[]; hqCountry: string; parent: string; successor: string; website: string; summary: string })[];
    governments: (Named & { country: string; agencies: { name: string; kind: string }[] })[];
  };
  products: (Named & { vendor: string; category: string; aliases: string[]; description: string; indicators: number })[];
  listings: { vendor: string; regime: string; status: string; date: string; citation: string; url: string }[];
  incidents: DossierIncident[];
  responses: { ref: string; text: string }[];
  auditHead: { seq: number; hash: string };
  /** What changed since the previous version of the same dossier (same subject, audience, framing and language); absent for version 1. */
  previous?: SincePrevious;
}

type LeanIncident = Record<string, unknown> & { _id: mongoose.Types.ObjectId };

/** A dossier of more incidents than it may hold (DOSSIER_MAX_INCIDENTS): refused before anything is read or made. */
export class DossierTooLarge extends HttpError {
  constructor(
    readonly incidents: number,
    readonly max: number,
  ) {
    super(422, 'dossier.tooLarge');
  }
}

/** An entity a dossier would name could not be read in full: nothing is signed (409, the page says why). */
export class DossierIncomplete extends HttpError {
  constructor(readonly missing: string[]) {
    super(409, 'dossier.incomplete');
  }
}

/** A vendor, its subsidiaries (all levels) and the companies it continued as after a rename. */
async function vendorCircle(slug: string) {
  const subject = await Vendor.findOne({ slug }).lean();
  if (!subject) return undefined;
  const all = await Vendor.find({}).lean();
  const byId = new Map(all.map((v) => [String(v._id), v]));
  const role = new Map<string, 'subject' | 'subsidiary' | 'successor' | 'predecessor' | 'parent'>([[String(subject._id), 'subject']]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const v of all) {
      const id = String(v._id);
      if (role.has(id)) continue;
      if (v.parent && role.has(String(v.parent)) && role.get(String(v.parent)) !== 'parent') {
        role.set(id, 'subsidiary');
        grew = true;
      } else if ([...role.entries()].some(([r, kind]) => kind !== 'parent' && kind !== 'predecessor' && byId.get(r)?.successor && String(byId.get(r)!.successor) === id)) {
        role.set(id, 'successor');
        grew = true;
      }
    }
  }
  // Context only (their incidents are not counted): the parent and renamed predecessors of the subject.
  if (subject.parent && !role.has(String(subject.parent))) role.set(String(subject.parent), 'parent');
  for (const v of all) if (v.successor && String(v.successor) === String(subject._id) && !role.has(String(v._id))) role.set(String(v._id), 'predecessor');
  return { subject, byId, role };
}

/**
 * A dossier's subject resolved: the incidents it counts (as a catalogue filter), how it is named, and
 * a vendor's circle. Undefined when the vendor or government does not exist.
 */
async function resolveSubject(of: DossierParams['subject'], c: Catalogue) {
  let filter: ResolvedFilter | 'nothing';
  let subject: DossierContent['subject'];
  let circle: Awaited<ReturnType<typeof vendorCircle>>;
  if (of.kind === 'vendor') {
    circle = await vendorCircle(of.slug);
    if (!circle) return undefined;
    const counted = [...circle.role.entries()].filter(([, r]) => r === 'subject' || r === 'subsidiary' || r === 'successor').map(([id]) => id);
    filter = { vendorIds: new Set(counted) };
    subject = { kind: 'vendor', slug: circle.subject.slug, name: circle.subject.name, nameAr: circle.subject.nameAr ?? '', query: '' };
  } else if (of.kind === 'government') {
    const government = await Government.findOne({ slug: of.slug }).lean();
    if (!government) return undefined;
    filter = { governmentId: String(government._id) };
    subject = { kind: 'government', slug: government.slug, name: government.name, nameAr: government.nameAr ?? '', query: '' };
  } else {
    const q = incidentQuerySchema.parse(Object.fromEntries(new URLSearchParams(of.query)));
    filter = resolveFilter(c, q);
    subject = { kind: 'filter', slug: '', name: '', nameAr: '', query: of.query };
  }
  return { filter, subject, circle };
}

/** How many verified incidents a dossier of this subject would hold, per audience (the builder says so before one is built). */
export async function dossierSizes(of: DossierParams['subject']): Promise<Record<Audience, number> | undefined> {
  const resolved = await resolveSubject(of, await catalogue());
  if (!resolved) return undefined;
  const [publicOnes, withRestricted] = await Promise.all([verifiedEntries(resolved.filter, false), verifiedEntries(resolved.filter, true)]);
  return { public: publicOnes.length, official: withRestricted.length };
}

/**
 * `meta.statementsOnly`: what a docket needs (criteria, identity, incidents' facts), without reading
 * each incident's reviews and evidence or counting indicators: scans of large collections on the
 * embedded engine, for a public page. Approvals, evidence and indicator counts are then empty.
 */
export async function collectDossier(params: DossierParams, meta: { id: string; version: number; generatedAt: Date; roles: string[]; baseUrl: string; statementsOnly?: boolean; maxIncidents?: number }): Promise<DossierContent | undefined> {
  const c = await catalogue();
  const lng = params.language;
  const resolved = await resolveSubject(params.subject, c);
  if (!resolved) return undefined;
  const { filter, subject, circle } = resolved;

  // Public: the verified public incidents (the catalogue). Official: also the verified restricted ones.
  const entries = await verifiedEntries(filter, params.audience === 'official');
  if (meta.maxIncidents !== undefined && entries.length > meta.maxIncidents) throw new DossierTooLarge(entries.length, meta.maxIncidents);
  const docs = entries.map((e) => e.doc as unknown as LeanIncident);
  const ids = docs.map((d) => d._id);

  const [reviews, evidence, products, governments] = await Promise.all([
    ids.length && !meta.statementsOnly ? Review.find({ incident: mongoose.trusted({ $in: ids }), decision: 'approve' } as never).lean() : [],
    ids.length && !meta.statementsOnly ? Evidence.find({ incident: mongoose.trusted({ $in: ids }) } as never).sort({ receivedAt: 1 }).lean() : [],
    Product.find({}).lean(),
    Government.find({}).lean(),
  ]);
  const reviewers = new Map(
    (await User.find({ _id: mongoose.trusted({ $in: [...new Set(reviews.map((r) => String(r.reviewer)))] }) } as never, { roles: 1 }).lean()).map((u) => [String(u._id), u.roles as string[]]),
  );
  const vendors = circle?.byId ?? new Map((await Vendor.find({}).lean()).map((v) => [String(v._id), v]));
  const productById = new Map(products.map((p) => [String(p._id), p]));
  const governmentById = new Map(governments.map((g) => [String(g._id), g]));
  const label = (e: { name: string; nameAr?: string | null } | undefined) => (e ? displayName(e, lng) : '');
  // Nothing is signed with a hole in it: an entity an incident names that cannot be read in full
  // (deleted or changed while the dossier was being assembled) stops generation (see assertComplete).
  const missing: string[] = [];
  const named = <T extends { slug?: string | null; name?: string | null }>(entity: T | undefined, what: string): T | undefined => {
    if (!entity || !entity.slug?.trim() || !entity.name?.trim()) missing.push(what);
    return entity;
  };

  const incidents: DossierIncident[] = docs.map((doc, n) => {
    const d = doc as unknown as {
      ref: string; title: string; summary: string; visibility: 'public' | 'restricted'; responses?: string;
      lang?: string; translation?: { lang: string; title: string; summary: string; updatedAt: Date } | null;
      dates: { from: { y: number; m?: number; d?: number }; to?: { y: number; m?: number; d?: number } };
      countries: string[]; targets: { category: string }[]; sources: { kind: string; title: string; publisher?: string; date?: Date; url?: string }[];
      indicators: { type: string; value: string }[];
      attributions: (StoredClaim & { kind: 'product' | 'vendor' | 'government'; agency?: string; basis: string; sources: number[] })[];
      verification: { round: number; verifiedAt?: Date };
    };
    const attributions = d.attributions.map((a) => {
      const id = String(a.kind === 'product' ? a.product : a.kind === 'vendor' ? a.vendor : a.government);
      const entity = named(a.kind === 'product' ? productById.get(id) : a.kind === 'vendor' ? vendors.get(id) : governmentById.get(id), `${d.ref}: ${a.kind} ${id}`);
      return {
        kind: a.kind,
        slug: entity?.slug ?? '',
        name: label(entity),
        confidence: a.confidence,
        basis: a.basis,
        sources: a.sources.map((n) => n + 1),
        ...(a.agency ? { agency: a.agency } : {}),
        ...(a.kind === 'government' ? { country: governmentById.get(id)?.country ?? '' } : {}),
        ...(a.kind === 'product' ? { category: productById.get(id)?.category ?? '' } : {}),
        finding: isFinding(a.confidence),
        ...(operatedBy(a).product ? { operated: label(productById.get(operatedBy(a).product!)) } : operatedBy(a).vendor ? { operated: label(vendors.get(operatedBy(a).vendor!)) } : {}),
      };
    });
    // product → vendor → operator, one chain per product attributed (or per vendor when no product is);
    // the operator only where an operator claim names that product or its vendor (incidents/claims.ts):
    // never an operator the incident links to another product.
    const operatorsOf = (product: string | undefined, vendor: string | undefined) => {
      const linked = d.attributions.filter((a) => a.kind === 'government' && isFinding(a.confidence) && ((product && operatedBy(a).product === product) || (vendor && operatedBy(a).vendor === vendor)));
      return { text: linked.map((a) => label(governmentById.get(String(a.government)))).join('; '), confidence: linked.map((a) => a.confidence).join('; ') };
    };
    // Chains are made of findings; leads are in the dossier's annex only. A product is in a chain when
    // a finding identified it or an operator finding names it as what was operated.
    const operatorFindings = d.attributions.filter((a) => a.kind === 'government' && isFinding(a.confidence));
    const identified = new Map<string, string>();
    for (const a of d.attributions.filter((x) => x.kind === 'product' && isFinding(x.confidence))) identified.set(String(a.product), a.confidence);
    for (const a of operatorFindings) {
      const product = operatedBy(a).product;
      if (product && !identified.has(product)) identified.set(product, a.confidence);
    }
    const chains = [...identified].map(([id, confidence]) => {
      const product = productById.get(id);
      // The vendor as of the incident's start (the corporate graph then; catalogue/entry.ts).
      const vendorId = entries[n]!.productVendors[id] ?? (product?.vendor ? String(product.vendor) : undefined);
      if (vendorId) named(vendors.get(vendorId), `${d.ref}: vendor ${vendorId} of product ${product?.slug ?? id}`);
      const direct = d.attributions.find((v) => v.kind === 'vendor' && vendorId && String(v.vendor) === vendorId);
      // Only operator claims that name this product: one naming just its vendor did not say which product.
      const operator = operatorsOf(id, undefined);
      return {
        product: label(product),
        vendor: label(vendorId ? vendors.get(vendorId) : undefined),
        operator: operator.text,
        confidence: { product: confidence, vendor: direct ? direct.confidence : 'reference-data', operator: operator.confidence },
      };
    });
    // Vendor chains (no product identified): a vendor finding when no product is in a chain, and
    // every operator finding that names a vendor's unidentified product.
    const byVendor = new Map<string, string>();
    if (!chains.length) for (const v of d.attributions.filter((a) => a.kind === 'vendor' && isFinding(a.confidence))) byVendor.set(String(v.vendor), v.confidence);
    for (const a of operatorFindings) if (operatedBy(a).vendor && !byVendor.has(operatedBy(a).vendor!)) byVendor.set(operatedBy(a).vendor!, a.confidence);
    for (const [vendor, confidence] of byVendor) {
      const operator = operatorsOf(undefined, vendor);
      chains.push({ product: '', vendor: label(vendors.get(vendor)), operator: operator.text, confidence: { product: '', vendor: confidence, operator: operator.confidence } });
    }
    const round = d.verification.round;
    const approvals = reviews
      .filter((r) => String(r.incident) === String(doc._id) && r.round === round)
      .sort((a, b) => a.at.getTime() - b.at.getTime())
      .map((r) => ({ roles: reviewers.get(String(r.reviewer)) ?? [], at: r.at.toISOString(), checklist: { sourceIdentified: Boolean(r.checklist?.sourceIdentified), technicalEvidence: Boolean(r.checklist?.technicalEvidence), corroborated: Boolean(r.checklist?.corroborated), riskConsidered: Boolean(r.checklist?.riskConsidered) } }));
    // Public audience: only evidence reviewers marked public, by its working copy (never an original).
    // Names are left out: a file name can identify a person.
    const files = evidence
      .filter((e) => String(e.incident) === String(doc._id))
      .filter((e) => params.audience === 'official' || (e.classification === 'public' && e.working?.sha256))
      .map((e, n) => {
        const copy = params.audience === 'official' ? e.original : e.working!;
        return { label: `E${n + 1}`, mediaType: copy.mediaType, size: copy.size, sha256: copy.sha256, copy: params.audience === 'official' ? ('original' as const) : ('working' as const) };
      });
    return {
      ref: d.ref,
      title: d.title,
      summary: d.summary,
      language: d.lang ?? 'en',
      translation: d.translation ? { language: d.translation.lang, title: d.translation.title, summary: d.translation.summary, updatedAt: new Date(d.translation.updatedAt).toISOString() } : null,
      visibility: d.visibility,
      url: d.visibility === 'public' ? `${meta.baseUrl}/incidents/${d.ref}` : '',
      dates: { from: formatFuzzyDate(d.dates.from), to: d.dates.to ? formatFuzzyDate(d.dates.to) : '' },
      verifiedAt: d.verification.verifiedAt ? d.verification.verifiedAt.toISOString() : '',
      countries: d.countries.map((code) => ({ code, name: countryName(code, lng) })),
      targetCategories: [...new Set((d.targets ?? []).map((t) => t.category))],
      attributions,
      chains,
      sources: (d.sources ?? []).map((s, i) => ({ number: i + 1, kind: s.kind, title: s.title, publisher: s.publisher ?? '', date: s.date ? isoDay(s.date) : '', url: s.url ?? '' })),
      indicators: (d.indicators ?? []).map((i) => ({ type: i.type, value: i.value })),
      approvals,
      evidence: files,
      responses: d.responses ?? '',
    };
  });

  if (missing.length) throw new DossierIncomplete(missing);

  // Identity, products, listings: the subject's circle, or the entities the incidents name.
  const vendorIds = circle ? [...circle.role.keys()] : [...new Set(entries.flatMap((e) => e.vendorIds))];
  const vendorRows = vendorIds.map((id) => vendors.get(id)).filter((v): v is NonNullable<typeof v> => Boolean(v));
  const roleOf = (id: string) => circle?.role.get(id) ?? 'subject';
  const productRows = circle
    ? products.filter((p) => p.vendor && circle.role.has(String(p.vendor)) && circle.role.get(String(p.vendor)) !== 'parent' && circle.role.get(String(p.vendor)) !== 'predecessor')
    : products.filter((p) => entries.some((e) => e.productIds.includes(String(p._id))));
  const indicatorCounts = meta.statementsOnly ? [] : await Promise.all(productRows.map((p) => ProductIndicator.countDocuments({ product: p._id })));
  const governmentIds = params.subject.kind === 'government' ? [String((await Government.findOne({ slug: params.subject.slug }).lean())!._id)] : [...new Set(entries.flatMap((e) => e.governmentIds))];

  const count = (keys: (i: DossierIncident) => string[]) => {
    const m = new Map<string, number>();
    for (const i of incidents) for (const k of new Set(keys(i))) m.set(k, (m.get(k) ?? 0) + 1);
    return [...m.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  };
  const dates = incidents.flatMap((i) => [i.dates.from, i.dates.to].filter(Boolean)).sort();

  const content: DossierContent = {
    format: 'tracker-dossier/1',
    id: meta.id,
    version: meta.version,
    generatedAt: meta.generatedAt.toISOString(),
    generatedBy: { roles: meta.roles },
    language: lng,
    audience: params.audience,
    framing: { regime: params.framing, citation: CITATIONS[params.framing], criteria: frame(params.framing, incidents, meta.generatedAt) },
    subject,
    summary: {
      incidents: incidents.length,
      publicIncidents: incidents.filter((i) => i.visibility === 'public').length,
      restrictedIncidents: incidents.filter((i) => i.visibility === 'restricted').length,
      targetCategories: count((i) => i.targetCategories).map(([key, n]) => ({ key, n })),
      targetCountries: count((i) => i.countries.map((x) => x.code)).map(([code, n]) => ({ code, name: countryName(code, lng), n })),
      operators: count((i) => i.attributions.filter((a) => a.kind === 'government' && a.finding).map((a) => a.slug)).map(([slug, n]) => {
        const g = governments.find((x) => x.slug === slug);
        return { slug, name: label(g), country: g?.country ?? '', n };
      }),
      period: { from: dates[0] ?? '', to: dates.at(-1) ?? '' },
    },
    identity: {
      vendors: vendorRows.map((v) => ({
        slug: v.slug,
        name: v.name,
        nameAr: v.nameAr ?? '',
        role: roleOf(String(v._id)),
        aliases: v.aliases,
        formerNames: v.formerNames.map((f) => ({ name: f.name, from: isoDay(f.from), to: isoDay(f.to) })),
        hqCountry: v.hqCountry ?? '',
        parent: v.parent ? (vendors.get(String(v.parent))?.name ?? '') : '',
        successor: v.successor ? (vendors.get(String(v.successor))?.name ?? '') : '',
        website: v.website ?? '',
        summary: v.summary,
      })),
      governments: governmentIds.map((id) => governmentById.get(id)).filter((g): g is NonNullable<typeof g> => Boolean(g)).map((g) => ({ slug: g.slug, name: g.name, nameAr: g.nameAr ?? '', country: g.country, agencies: g.agencies.map((a) => ({ name: a.name, kind: a.kind })) })),
    },
    products: productRows.map((p, n) => ({ slug: p.slug, name: p.name, nameAr: p.nameAr ?? '', vendor: p.vendor ? (vendors.get(String(p.vendor))?.name ?? '') : '', category: p.category, aliases: p.aliases, description: p.description, indicators: indicatorCounts[n] ?? 0 })),
    listings: vendorRows.flatMap((v) => c.entities.listingsOf(String(v._id)).map((l) => ({ vendor: v.name, regime: l.regime, status: l.status, date: l.date, citation: l.citation, url: l.url }))),
    incidents,
    responses: incidents.filter((i) => i.responses.trim()).map((i) => ({ ref: i.ref, text: i.responses })),
    auditHead: { seq: 0, hash: '' },
  };
  // Every vendor, product and government the dossier names, with its last edit.
  const usedNow = new Map<string, UsedEntity>();
  const use = (kind: UsedEntity['kind'], e: { _id: unknown; slug: string; name: string; nameAr?: string | null; country?: string | null; createdAt?: Date; updatedAt?: Date } | undefined) => {
    if (e && !usedNow.has(String(e._id))) {
      usedNow.set(String(e._id), { kind, id: String(e._id), slug: e.slug, updatedAt: e.updatedAt ?? new Date(0), name: e.name, nameAr: e.nameAr ?? '', createdAt: e.createdAt ?? new Date(0), ...(kind === 'government' && e.country ? { country: e.country } : {}) });
    }
  };
  for (const v of vendorRows) use('vendor', v);
  for (const p of productRows) use('product', p);
  for (const id of governmentIds) use('government', governmentById.get(id));
  docs.forEach((d, n) => {
    for (const a of (d as unknown as { attributions: StoredClaim[] }).attributions) {
      const product = a.product ? productById.get(String(a.product)) : undefined;
      use('product', product);
      use('vendor', vendors.get(String(a.vendor ?? product?.vendor ?? '')));
      if (a.product) use('vendor', vendors.get(entries[n]!.productVendors[String(a.product)] ?? ''));
      use('government', a.government ? governmentById.get(String(a.government)) : undefined);
    }
  });
  usedEntities.set(content, [...usedNow.values()]);
  usedIncidents.set(
    content,
    docs.map((d) => ({ id: String(d._id), ref: (d as unknown as { ref: string }).ref, round: (d as unknown as { verification: { round: number } }).verification.round, public: (d as unknown as { visibility: string }).visibility === 'public' })),
  );
  return content;
}
