import mongoose from 'mongoose';
import { recordAuditEvent, type AuditActor } from '../audit/index.js';
import { changedFields } from '../audit/diff.js';
import { insertWithNextRef } from '../db/sequence.js';
import { Government } from '../governments/model.js';
import { HttpError } from '../http/errors.js';
import { FormValidationError } from '../http/validate.js';
import { Product } from '../products/model.js';
import type { ReportDocument } from '../reports/model.js';
import { claimReportClosure, markLinked } from '../reports/service.js';
import { closeRoundForEdit } from '../verification/service.js';
import { Vendor } from '../vendors/model.js';
import { catalogue } from '../catalogue/index.js';
import { Incident, SUBSTANTIVE_FIELDS, type IncidentDocument, type IncidentRecord } from './model.js';
import type { IncidentInput } from './schema.js';
import { findIncident } from './refs.js';
import { writtenIn } from '../i18n/texts.js';
import { publish } from '../events/index.js';

const AUDITED_FIELDS = ['title', 'summary', 'lang', 'responses', 'indicators', 'reports', ...SUBSTANTIVE_FIELDS] as const;

type Attribution = IncidentInput['attributions'][number] | { kind: string; product?: unknown; vendor?: unknown; government?: unknown };

/** The form's attribution claims as stored (incidents/claims.ts): the editor and the CSV import. */
export function storedClaims(attributions: IncidentInput['attributions']) {
  return attributions.map((a) => ({
    kind: a.kind,
    [a.kind]: new mongoose.Types.ObjectId(a[a.kind]),
    ...(a.kind === 'government' && a.agency ? { agency: a.agency } : {}),
    // What the operator operated, where the source links them (a product, else a vendor).
    ...(a.kind === 'government' && a.product ? { product: new mongoose.Types.ObjectId(a.product) } : a.kind === 'government' && a.vendor ? { vendor: new mongoose.Types.ObjectId(a.vendor) } : {}),
    confidence: a.confidence,
    basis: a.basis,
    sources: a.sources,
  }));
}

/** The vendor of each attributed product (one read of the small products collection). */
export async function vendorsOfProducts(attributions: Attribution[]): Promise<Map<string, string>> {
  const productIds = [...new Set(attributions.filter((a) => a.kind === 'product' && a.product).map((a) => String(a.product)))];
  const vendors = new Map<string, string>();
  if (!productIds.length) return vendors;
  for (const p of await Product.find({ _id: mongoose.trusted({ $in: productIds }) } as never, { vendor: 1 }).lean()) {
    if (p.vendor) vendors.set(String(p._id), String(p.vendor));
  }
  return vendors;
}

/** The fields lists and profiles filter on: a product's vendor counts as attributed too. */
export function derive(attributions: Attribution[], visibility: string, status: string, year: number, vendorOfProduct: Map<string, string>) {
  const productIds = attributions.filter((a) => a.kind === 'product' && a.product).map((a) => String(a.product));
  const vendorIds = new Set(attributions.filter((a) => a.kind === 'vendor' && a.vendor).map((a) => String(a.vendor)));
  for (const p of productIds) if (vendorOfProduct.has(p)) vendorIds.add(vendorOfProduct.get(p)!);
  return {
    productIds,
    vendorIds: [...vendorIds],
    governmentIds: attributions.filter((a) => a.kind === 'government' && a.government).map((a) => String(a.government)),
    published: status === 'verified' && visibility === 'public',
    year,
  };
}

export async function denormalise(attributions: Attribution[], visibility: string, status: string, year: number) {
  return derive(attributions, visibility, status, year, await vendorsOfProducts(attributions));
}

export { findIncident };

/** A draft incident built from a report: its facts copied, its suspicions as low-confidence leads. */
export async function createIncidentFromReport(actor: AuditActor, report: ReportDocument): Promise<IncidentDocument> {
  const release = await claimReportClosure(report, actor);
  try {
    return await buildIncidentFromReport(actor, report);
  } catch (err) {
    await release();
    throw err;
  }
}

async function buildIncidentFromReport(actor: AuditActor, report: ReportDocument): Promise<IncidentDocument> {
  const basis = `Suspected by the submitter of report ${report.ref}; not yet assessed.`;
  const attributions = [
    ...(report.suspected?.products ?? []).map((product) => ({ kind: 'product', product, confidence: 'low', basis })),
    ...(report.suspected?.vendors ?? []).map((vendor) => ({ kind: 'vendor', vendor, confidence: 'low', basis })),
    ...(report.suspected?.governments ?? []).map((government) => ({ kind: 'government', government, confidence: 'low', basis })),
  ];
  const plain = (d: { y: number; m?: number | null; d?: number | null }) => ({ y: d.y, ...(d.m ? { m: d.m } : {}), ...(d.d ? { d: d.d } : {}) });
  const source = report.dates;
  const dates = { from: plain(source.from), ...(source.to ? { to: plain(source.to) } : {}), start: source.start, end: source.end };
  const derived = await denormalise(attributions, 'restricted', 'draft', dates.from.y);
  const incident = (await insertWithNextRef(Incident as never, 'I', () => ({
    title: report.title,
    summary: report.narrative,
    lang: writtenIn(`${report.title} ${report.narrative}`),
    dates,
    countries: [report.country],
    // Only category, pseudonym and consent: the protected identity stays in the report.
    targets: report.targets.map((t) => ({ category: t.category, pseudonym: t.pseudonym, consentToPublish: t.consentToPublish })),
    attributions,
    sources: report.sources.map((s) => ({ kind: s.kind, url: s.url, title: s.title, publisher: s.publisher, date: s.date })),
    indicators: report.indicators.map((i) => ({ type: i.type, value: i.value })),
    reports: [report._id],
    visibility: 'restricted',
    verification: { status: 'draft', round: 1 },
    createdBy: actor.id,
    ...derived,
  }))) as unknown as IncidentDocument;
  await publish({ kind: 'incidents-written', docs: [incident.toObject()] });
  await recordAuditEvent({ actor, action: 'incident.created', subject: { type: 'incident', id: incident.ref }, details: { fromReport: report.ref } });
  await markLinked(actor, report, incident);
  return incident;
}

export async function linkReportToIncident(actor: AuditActor, report: ReportDocument, incidentRef: string): Promise<IncidentDocument> {
  const incident = await findIncident(incidentRef);
  if (!incident) throw new FormValidationError({ incident: 'validation.incidentRef' });
  await claimReportClosure(report, actor);
  await publish({ kind: 'incidents-written', docs: [await Incident.findByIdAndUpdate(incident._id, { $addToSet: { reports: report._id } }, { returnDocument: 'after' }).lean()] });
  await recordAuditEvent({ actor, action: 'incident.report-linked', subject: { type: 'incident', id: incident.ref }, details: { report: report.ref } });
  await markLinked(actor, report, incident);
  return incident;
}

async function assertEntitiesExist(input: IncidentInput): Promise<void> {
  for (const [index, a] of input.attributions.entries()) {
    const model = a.kind === 'product' ? Product : a.kind === 'vendor' ? Vendor : Government;
    if (!(await (model as unknown as mongoose.Model<unknown>).exists({ _id: a[a.kind] }))) {
      throw new FormValidationError({ [`attributions.${index}.${a.kind}`]: 'validation.invalid' });
    }
    // An operator claim may name what it operated (incidents/claims.ts): that product or vendor must exist too.
    if (a.kind === 'government') {
      const operated = a.product ? { field: 'product', model: Product, id: a.product } : a.vendor ? { field: 'vendor', model: Vendor, id: a.vendor } : undefined;
      if (operated && !(await (operated.model as unknown as mongoose.Model<unknown>).exists({ _id: operated.id }))) {
        throw new FormValidationError({ [`attributions.${index}.${operated.field}`]: 'validation.invalid' });
      }
    }
    const bad = a.sources.find((n) => n < 0 || n >= input.sources.length);
    if (bad !== undefined) throw new FormValidationError({ [`attributions.${index}.sources`]: 'validation.sourceNumbers' });
  }
}

/**
 * Saves the editor's form. A substantive change (attributions, dates, countries, targets, sources,
 * visibility) to an incident in review or verified starts a new review round: earlier approvals no
 * longer count, and the page says which fields sent it back.
 */
export async function updateIncident(actor: AuditActor, incident: IncidentDocument, input: IncidentInput): Promise<void> {
  if (incident.verification?.status === 'retracted') throw new HttpError(409, 'incidents.retracted');
  await assertEntitiesExist(input);
  const lang = input.lang ?? incident.lang ?? 'en';
  // The translation is in the other language (incidents/translation.ts): the text cannot be in it too.
  if (incident.translation && incident.translation.lang === lang) throw new FormValidationError({ lang: 'translation.langClash' });
  const next = {
    title: input.title,
    summary: input.summary,
    lang,
    dates: input.dates,
    countries: input.countries,
    targets: input.targets.map((t) => ({ category: t.category, pseudonym: t.pseudonym, consentToPublish: t.consent === 'yes' })),
    attributions: storedClaims(input.attributions),
    sources: input.sources,
    indicators: input.indicators,
    responses: input.responses,
    visibility: input.visibility,
  };
  const current = incident.toObject() as unknown as Record<string, unknown>;
  const changes = changedFields(current, next, AUDITED_FIELDS);
  if (Object.keys(changes).length === 0) return;
  const substantive = SUBSTANTIVE_FIELDS.filter((f) => f in changes);
  const status = incident.verification!.status;
  const reopen = substantive.length > 0 && (status === 'verified' || status === 'in-review');
  const newStatus = reopen ? 'in-review' : status;
  const set: Record<string, unknown> = {
    ...next,
    ...(await denormalise(next.attributions, next.visibility, newStatus, next.dates.from.y)),
  };
  if (reopen) {
    // Won or lost, the edit reopens: lost only means the round was verified or sent back just now.
    await closeRoundForEdit(incident, actor.id ?? actor.type);
    set['verification.status'] = 'in-review';
    set['verification.round'] = incident.verification!.round + 1;
    set['verification.reopened'] = { fields: substantive, at: new Date() };
    set['verification.verifiedAt'] = null;
  }
  await publish({ kind: 'incidents-written', docs: [await Incident.findByIdAndUpdate(incident._id, { $set: set }, { returnDocument: 'after' }).lean()] });
  await recordAuditEvent({ actor, action: 'incident.updated', subject: { type: 'incident', id: incident.ref }, details: { changes } });
  if (reopen) {
    await recordAuditEvent({ actor, action: 'incident.reopened', subject: { type: 'incident', id: incident.ref }, details: { fields: substantive, from: status } });
  }
}

export const WORKING_PAGE_SIZE = 50;

/** A page of the incidents not public, last changed first, and how many there are: from the catalogue's working set (no read). */
export async function listWorkingIncidents(page: number): Promise<{ incidents: IncidentRecord[]; total: number; pages: number }> {
  const { docs, total } = (await catalogue()).working.recent(page, WORKING_PAGE_SIZE);
  return { incidents: docs as unknown as IncidentRecord[], total, pages: Math.max(1, Math.ceil(total / WORKING_PAGE_SIZE)) };
}
