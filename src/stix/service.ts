import { createHash } from 'node:crypto';
import mongoose from 'mongoose';
import { catalogue, type Catalogue } from '../catalogue/index.js';
import { recordAuditEvent, type AuditActor } from '../audit/index.js';
import type { IndicatorType } from '../facts/indicators.js';
import { FormValidationError } from '../http/validate.js';
import type { ProductDocument } from '../products/model.js';
import { IndicatorImport, ProductIndicator } from './model.js';
import { parsePattern, patternOf } from './patterns.js';
import { productObject, STIX_MALWARE_CATEGORIES } from './entities.js';
import { stixId, stixTime } from './ids.js';
import { publish } from '../events/index.js';

/** What the publisher said of an indicator, kept as published (only well-formed values). */
export interface Published {
  id?: string;
  pattern: string;
  created?: string;
  modified?: string;
  validFrom?: string;
  validUntil?: string;
  indicatorTypes?: string[];
  labels?: string[];
  createdByRef?: string;
  externalReferences?: Record<string, unknown>[];
}

export interface ParsedBundle {
  bundleId: string;
  malwareNames: string[];
  indicators: { type: IndicatorType; value: string; published: Published }[];
  notUnderstood: { pattern: string; reason: string }[];
  withheld: { pattern: string; reason: WithheldReason }[];
  warnings: { kind: 'duplicate-id' | 'dangling-relationship'; detail: string }[];
  identities: Record<string, unknown>[];
  /** How many objects the bundle holds (so "3 indicators read" is seen against "from 5 objects"). */
  objects: number;
  /** The malware object chosen when the bundle describes several, and how many indicators were left for the others. */
  malware?: { id: string; name: string };
  forOtherMalware: number;
}

/**
 * A bundle that describes several malware (or tool) objects: the reviewer says which of them the
 * product is; the indicators an `indicates` relationship links to it are imported, the others not.
 */
export class ChooseMalware extends FormValidationError {
  constructor(readonly choices: { id: string; name: string; indicators: number }[]) {
    super({ malware: 'stix.chooseMalware' });
  }
}

const STIX_ID = /^[a-z][a-z0-9-]*--[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const time = (v: unknown) => (typeof v === 'string' && v.length <= 40 && !Number.isNaN(Date.parse(v)) ? v : undefined);
const words = (v: unknown) => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string').map((x) => x.slice(0, 100)).slice(0, 20) : undefined);

/** The publisher's own description of an indicator, for exports to carry unchanged. */
function publishedOf(object: Record<string, unknown>, pattern: string): Published {
  const refs = Array.isArray(object.external_references)
    ? (object.external_references as unknown[]).filter((r): r is Record<string, unknown> => Boolean(r) && typeof r === 'object' && typeof (r as { source_name?: unknown }).source_name === 'string').slice(0, 10)
    : [];
  const id = typeof object.id === 'string' && STIX_ID.test(object.id) && object.id.startsWith('indicator--') ? object.id : undefined;
  const createdBy = typeof object.created_by_ref === 'string' && STIX_ID.test(object.created_by_ref) ? object.created_by_ref : undefined;
  const p: Published = { pattern: pattern.slice(0, 2048) };
  if (id) p.id = id;
  for (const [key, from] of [['created', 'created'], ['modified', 'modified'], ['validFrom', 'valid_from'], ['validUntil', 'valid_until']] as const) {
    const v = time(object[from]);
    if (v) p[key] = v;
  }
  const types = words(object.indicator_types);
  if (types?.length) p.indicatorTypes = types;
  const labels = words(object.labels);
  if (labels?.length) p.labels = labels;
  if (createdBy) p.createdByRef = createdBy;
  if (refs.length) p.externalReferences = refs.map((r) => JSON.parse(JSON.stringify(r, (k, v: unknown) => (typeof v === 'string' ? v.slice(0, 2048) : v))) as Record<string, unknown>);
  return p;
}

/** Ids used twice, and relationships whose ends are not in the bundle: said on the result page. */
function structuralWarnings(objects: Record<string, unknown>[]): ParsedBundle['warnings'] {
  const warnings: ParsedBundle['warnings'] = [];
  const ids = new Set<string>();
  for (const o of objects) {
    if (typeof o.id !== 'string') continue;
    if (ids.has(o.id) && warnings.length < 200) warnings.push({ kind: 'duplicate-id', detail: o.id.slice(0, 200) });
    ids.add(o.id);
  }
  for (const o of objects) {
    if (o.type !== 'relationship') continue;
    for (const end of [o.source_ref, o.target_ref]) {
      if (typeof end === 'string' && !ids.has(end) && warnings.length < 200) warnings.push({ kind: 'dangling-relationship', detail: `${(typeof o.id === 'string' ? o.id : '').slice(0, 200)} → ${end.slice(0, 200)}` });
    }
  }
  return warnings;
}

export type WithheldReason = 'revoked' | 'expired' | 'benign';

/**
 * What the publisher said against an indicator: revoked, no longer valid, or benign (an indicator
 * type or label). Such indicators are never republished here as malicious.
 */
function withheldReason(object: Record<string, unknown>, now: number): WithheldReason | undefined {
  if (object.revoked === true) return 'revoked';
  if (typeof object.valid_until === 'string' && Date.parse(object.valid_until) <= now) return 'expired';
  const marks: unknown[] = [...(Array.isArray(object.indicator_types) ? (object.indicator_types as unknown[]) : []), ...(Array.isArray(object.labels) ? (object.labels as unknown[]) : [])];
  if (marks.some((m) => typeof m === 'string' && m.toLowerCase() === 'benign')) return 'benign';
  return undefined;
}

/** Reads a STIX 2.1 bundle: every `indicator` is either understood or listed with the reason. */
export function parseBundle(raw: Buffer, chosenMalware = ''): ParsedBundle {
  let bundle: unknown;
  try {
    bundle = JSON.parse(raw.toString('utf8'));
  } catch {
    throw new FormValidationError({ file: 'stix.notJson' });
  }
  const b = bundle as { type?: unknown; id?: unknown; objects?: unknown };
  if (!b || typeof b !== 'object' || b.type !== 'bundle' || !Array.isArray(b.objects)) throw new FormValidationError({ file: 'stix.notBundle' });
  const seen = new Set<string>();
  const objects = (b.objects as unknown[]).filter((o): o is Record<string, unknown> => Boolean(o) && typeof o === 'object');
  const out: ParsedBundle = { bundleId: typeof b.id === 'string' ? b.id.slice(0, 200) : '', malwareNames: [], indicators: [], notUnderstood: [], withheld: [], warnings: structuralWarnings(objects), identities: [], objects: objects.length, forOtherMalware: 0 };
  // Several malware objects: only the indicators that indicate the chosen one (following `indicates`).
  const families = objects.filter((o) => (o.type === 'malware' || o.type === 'tool') && typeof o.id === 'string').map((o) => ({ id: o.id as string, name: typeof o.name === 'string' ? o.name.slice(0, 200) : (o.id as string) }));
  const indicates = new Map<string, Set<string>>();
  for (const r of objects) {
    if (r.type !== 'relationship' || r.relationship_type !== 'indicates' || typeof r.source_ref !== 'string' || typeof r.target_ref !== 'string') continue;
    indicates.set(r.source_ref, (indicates.get(r.source_ref) ?? new Set()).add(r.target_ref));
  }
  if (families.length > 1) {
    const chosen = families.find((f) => f.id === chosenMalware);
    if (!chosen) {
      throw new ChooseMalware(families.map((f) => ({ ...f, indicators: objects.filter((o) => o.type === 'indicator' && typeof o.id === 'string' && indicates.get(o.id)?.has(f.id)).length })));
    }
    out.malware = chosen;
  }
  const now = Date.now();
  const publishedIds = new Set<string>();
  for (const object of objects) {
    if ((object.type === 'malware' || object.type === 'tool') && typeof object.name === 'string') out.malwareNames.push(object.name.slice(0, 200));
    if (object.type !== 'indicator') continue;
    if (out.malware && !(typeof object.id === 'string' && indicates.get(object.id)?.has(out.malware.id))) {
      out.forOtherMalware++;
      continue;
    }
    const pattern = typeof object.pattern === 'string' ? object.pattern : '';
    if (object.pattern_type !== undefined && object.pattern_type !== 'stix') {
      out.notUnderstood.push({ pattern: pattern.slice(0, 500), reason: 'unsupported-pattern-type' });
      continue;
    }
    const withheld = withheldReason(object, now);
    if (withheld) {
      out.withheld.push({ pattern: pattern.slice(0, 500), reason: withheld });
      continue;
    }
    const parsed = parsePattern(pattern);
    if (!parsed.ok) {
      out.notUnderstood.push({ pattern: pattern.slice(0, 500), reason: parsed.reason });
      continue;
    }
    const key = `${parsed.type}\u0000${parsed.value}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const published = publishedOf(object, pattern);
    // An id the bundle gives twice names the first of them only: the second gets this site's own id.
    if (published.id && publishedIds.has(published.id)) delete published.id;
    if (published.id) publishedIds.add(published.id);
    out.indicators.push({ type: parsed.type, value: parsed.value, published });
  }
  // The authors the kept indicators name, as the bundle describes them (exports carry them along).
  const authors = new Set(out.indicators.map((i) => i.published.createdByRef).filter(Boolean));
  out.identities = objects.filter((o) => o.type === 'identity' && typeof o.id === 'string' && authors.has(o.id)).slice(0, 20).map((o) => JSON.parse(JSON.stringify(o)) as Record<string, unknown>);
  if (!out.indicators.length && !out.notUnderstood.length && !out.withheld.length) throw new FormValidationError({ file: 'stix.noIndicators' });
  return out;
}

function isDuplicateKey(err: unknown): boolean {
  return (err as { code?: number }).code === 11000;
}

/**
 * Attaches a bundle's indicators to a product. Indicators the product already has are counted,
 * not added again (the unique index decides, also between two imports running at once).
 */
export async function importIndicators(props: { actor: AuditActor & { id: string }; product: ProductDocument; file: { buffer: Buffer; originalname: string }; source: string; licence: string; malware?: string }) {
  const parsed = parseBundle(props.file.buffer, props.malware);
  const at = new Date();
  const importId = new mongoose.Types.ObjectId();
  const existing = new Set(
    (await ProductIndicator.find({ product: props.product._id }, { type: 1, value: 1 }).lean()).map((i) => `${i.type}\u0000${i.value}`),
  );
  const fresh = parsed.indicators.filter((i) => !existing.has(`${i.type}\u0000${i.value}`));
  let added = 0;
  // Batches keep each write small; ordered:false lets the rest through when one is a duplicate.
  for (let i = 0; i < fresh.length; i += 500) {
    const docs = fresh.slice(i, i + 500).map((x) => ({ product: props.product._id, type: x.type, value: x.value, import: importId, addedAt: at, published: x.published }));
    try {
      const result = await ProductIndicator.collection.insertMany(docs, { ordered: false });
      added += result.insertedCount;
    } catch (err) {
      if (!isDuplicateKey(err) && !(err as { writeErrors?: unknown }).writeErrors) throw err;
      added += (err as { result?: { insertedCount?: number }; insertedCount?: number }).insertedCount ?? (err as { result?: { insertedCount?: number } }).result?.insertedCount ?? 0;
    }
  }
  const record = await IndicatorImport.create({
    _id: importId,
    product: props.product._id,
    fileName: props.file.originalname.slice(0, 200) || 'bundle.stix2',
    sha256: createHash('sha256').update(props.file.buffer).digest('hex'),
    bundleId: parsed.bundleId,
    source: props.source,
    licence: props.licence,
    malwareNames: parsed.malwareNames.slice(0, 20),
    indicators: parsed.indicators.length,
    added,
    alreadyPresent: parsed.indicators.length - added,
    notUnderstood: parsed.notUnderstood.slice(0, 1_000),
    withheld: parsed.withheld.slice(0, 1_000),
    warnings: parsed.warnings,
    identities: parsed.identities,
    objects: parsed.objects,
    forOtherMalware: parsed.forOtherMalware,
    ...(parsed.malware ? { malwareChosen: parsed.malware.name } : {}),
    by: props.actor.id,
    at,
  });
  await recordAuditEvent({
    actor: props.actor,
    action: 'indicators.import',
    subject: { type: 'product', id: String(props.product._id) },
    details: { import: String(importId), sha256: record.sha256, source: props.source, licence: props.licence, indicators: record.indicators, added, alreadyPresent: record.alreadyPresent, notUnderstood: parsed.notUnderstood.length, withheld: parsed.withheld.length },
  });
  // The product's public page counts its indicators.
  if (added) await publish({ kind: 'public-data-changed' });
  return record;
}

export interface StoredIndicator {
  type: IndicatorType;
  value: string;
  addedAt: Date;
  /** The publisher's description (imports), and the import's source and licence. */
  published?: Published;
  source?: { name: string; licence: string };
}

export async function productIndicators(productId: mongoose.Types.ObjectId): Promise<StoredIndicator[]> {
  const [rows, imports] = await Promise.all([
    ProductIndicator.find({ product: productId }, { type: 1, value: 1, addedAt: 1, published: 1, import: 1 }).lean(),
    IndicatorImport.find({ product: productId }, { source: 1, licence: 1 }).lean(),
  ]);
  const sources = new Map(imports.map((i) => [String(i._id), { name: i.source, licence: i.licence }]));
  return rows
    .map((r) => ({ type: r.type, value: r.value, addedAt: r.addedAt, ...(r.published ? { published: r.published as unknown as Published } : {}), ...(r.import && sources.has(String(r.import)) ? { source: sources.get(String(r.import))! } : {}) }))
    .sort((a, b) => a.type.localeCompare(b.type) || a.value.localeCompare(b.value));
}

/** The identity objects of the publishers whose indicators a product holds (created_by_ref). */
export async function publisherIdentities(productId: mongoose.Types.ObjectId): Promise<Record<string, unknown>[]> {
  const byId = new Map<string, Record<string, unknown>>();
  for (const i of await IndicatorImport.find({ product: productId }, { identities: 1 }).sort({ at: 1 }).lean()) {
    for (const o of (i.identities ?? []) as Record<string, unknown>[]) byId.set(String(o.id), o);
  }
  return [...byId.values()];
}

export async function importHistory(productId: mongoose.Types.ObjectId) {
  return IndicatorImport.find({ product: productId }).sort({ at: -1 }).limit(50).lean();
}

/**
 * Indicator objects and their `indicates` relationships. An imported indicator keeps the publisher's
 * id, dates, types, labels and references, and names its source and licence; `asPublished` also keeps
 * the pattern as written and its author (the full bundle; the MVT file writes patterns as MVT reads them).
 */
export function indicatorObjects(indicators: StoredIndicator[], target: string, asPublished = false) {
  const objects: Record<string, unknown>[] = [];
  for (const i of indicators) {
    const p = i.published;
    const id = p?.id ?? stixId('indicator', i.type, i.value);
    const created = p?.created ?? stixTime(i.addedAt);
    const references = [
      ...(p?.externalReferences ?? []),
      ...(i.source ? [{ source_name: i.source.name, description: `Imported from ${i.source.name}; licence: ${i.source.licence}` }] : []),
    ];
    objects.push({
      type: 'indicator',
      spec_version: '2.1',
      id,
      ...(asPublished && p?.createdByRef ? { created_by_ref: p.createdByRef } : {}),
      created,
      modified: p?.modified ?? created,
      indicator_types: p?.indicatorTypes ?? ['malicious-activity'],
      pattern: asPublished && p?.pattern ? p.pattern : patternOf(i.type, i.value),
      pattern_type: 'stix',
      pattern_version: '2.1',
      valid_from: p?.validFrom ?? created,
      ...(p?.validUntil ? { valid_until: p.validUntil } : {}),
      ...(p?.labels ? { labels: p.labels } : {}),
      ...(references.length ? { external_references: references } : {}),
    });
    const time = created;
    objects.push({ type: 'relationship', spec_version: '2.1', id: stixId('relationship', 'indicates', id, target), created: time, modified: time, relationship_type: 'indicates', source_ref: id, target_ref: target });
  }
  return objects;
}

/**
 * The MVT-compatible export of a product: one `malware` (or `tool`), its `indicator`s and the
 * `indicates` relationships, the structure Amnesty publishes and `mvt-ios check-backup --iocs` loads.
 */
/**
 * A product's indicators: those imported, then those recorded on verified public incidents with a
 * finding naming the product (never a lead's, nor those of restricted or unverified incidents).
 */
export async function productIndicatorsWithIncidents(product: ProductDocument, c: Catalogue) {
  const imported = await productIndicators(product._id);
  const seen = new Set(imported.map((i) => `${i.type}\u0000${i.value}`));
  // The incidents' indicators, gathered once per version of the catalogue (each record is decoded to read them).
  const recorded = c.memo(`product-indicators:${String(product._id)}`, () => {
    const found = new Map<string, (typeof imported)[number]>();
    for (const entry of c.select({ productId: String(product._id) })) {
      const doc = entry.doc as { indicators?: { type: IndicatorType; value: string }[]; verification?: { verifiedAt?: Date } };
      for (const i of doc.indicators ?? []) {
        const key = `${i.type}\u0000${i.value}`;
        if (!found.has(key)) found.set(key, { type: i.type, value: i.value, addedAt: doc.verification?.verifiedAt ?? new Date(entry.start) });
      }
    }
    return [...found.entries()];
  });
  const fromIncidents = recorded.filter(([key]) => !seen.has(key)).map(([, indicator]) => indicator);
  return [...imported, ...fromIncidents.sort((a, b) => a.type.localeCompare(b.type) || a.value.localeCompare(b.value))];
}

/**
 * What MVT's STIX loader (mvt/common/indicators.py, parse_stix2) reads: it keeps `malware` objects
 * only, follows `indicates` relationships to them, splits each pattern at `=` (a second `=` raises and
 * MVT refuses the whole file), compares the key exactly, and strips quotes without unescaping. These
 * are the object paths it files an indicator under; others it skips.
 */
const MVT_READS = new Set<IndicatorType>(['domain', 'process', 'email', 'file-name', 'file-path', 'sha256', 'app-id', 'configuration-profile']);

/** Why an indicator is left out of the MVT file (it stays in the full claims bundle). */
export type MvtLeftOut = 'contains-equals' | 'quote-or-backslash' | 'type-not-read' | 'product-not-malware';

export function mvtLeftOut(product: { category: string }, type: IndicatorType, value: string): MvtLeftOut | undefined {
  if (!STIX_MALWARE_CATEGORIES.has(product.category)) return 'product-not-malware';
  if (value.includes('=')) return 'contains-equals';
  if (value.includes("'") || value.includes('\\')) return 'quote-or-backslash';
  if (!MVT_READS.has(type)) return 'type-not-read';
  return undefined;
}

/**
 * A product's indicators that MVT's loader reads correctly, and how many were left out, by reason
 * (for the product page to say); then the MVT file of them: one `malware`, the indicators and their
 * `indicates` relationships (the structure Amnesty publishes and `mvt-ios check-backup --iocs` loads).
 */
export async function mvtIndicators(product: ProductDocument) {
  const all = await productIndicatorsWithIncidents(product, await catalogue());
  const leftOut: Partial<Record<MvtLeftOut, number>> = {};
  const indicators = all.filter((i) => {
    const reason = mvtLeftOut(product, i.type, i.value);
    if (reason) leftOut[reason] = (leftOut[reason] ?? 0) + 1;
    return !reason;
  });
  return { indicators, leftOut, total: all.length };
}

export async function productBundle(product: ProductDocument) {
  const { indicators } = await mvtIndicators(product);
  const object = productObject(product);
  const bundle = {
    type: 'bundle',
    id: stixId('bundle', 'product-indicators', product.slug, String(indicators.length), indicators.at(-1)?.value ?? ''),
    objects: [object, ...indicatorObjects(indicators, object.id)],
  };
  return bundle;
}
