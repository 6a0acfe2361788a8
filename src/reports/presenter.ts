import { displayIndicator } from '../facts/indicators.js';
import { catalogue } from '../catalogue/index.js';
import { heldPageRead } from '../review/held-reads.js';
import { messagesOf } from './service.js';
import type { ReportRow } from './queue.js';
import { presentCountry, presentDates, presentSources } from '../facts/presenter.js';
import { loadEntities } from '../reference/lookup.js';
import type { ReportRecord } from './model.js';

/** A report for its submitter or a reviewer. Protected identities are never part of it: only
 * whether one was given (revealing it is a separate, audited action). */
export async function presentReport(report: ReportRecord, lng: string) {
  const suspected = report.suspected ?? { products: [], vendors: [], governments: [], other: '' };
  const entities = await loadEntities(suspected, lng);
  return {
    ref: report.ref,
    title: report.title,
    narrative: report.narrative,
    status: report.status,
    submittedAt: report.submittedAt,
    anonymous: !report.submitter?.user,
    hasSubmitterContact: Boolean(report.submitter?.contact?.ct),
    dates: presentDates(report.dates as never),
    country: presentCountry(report.country, lng),
    targets: report.targets.map((t) => ({
      category: t.category,
      pseudonym: t.pseudonym,
      consent: t.consentToPublish,
      hasIdentity: Boolean(t.identity?.ct || t.contact?.ct),
    })),
    suspected: {
      products: suspected.products.map((id) => entities.products.get(String(id))).filter(Boolean),
      vendors: suspected.vendors.map((id) => entities.vendors.get(String(id))).filter(Boolean),
      governments: suspected.governments.map((id) => entities.governments.get(String(id))).filter(Boolean),
      other: suspected.other ?? '',
    },
    vector: { kind: report.infectionVector?.kind ?? 'unknown', detail: report.infectionVector?.detail ?? '' },
    sources: presentSources(report.sources),
    indicators: report.indicators.map((i) => ({ type: i.type, value: displayIndicator(i.type, i.value) })),
    messages: await heldPageRead(`messages:${String(report._id)}`, () => messagesOf(report)),
    rejectionReason: report.rejectionReason ?? '',
    linkedIncident: report.linkedIncident ? String(report.linkedIncident) : '',
    // The incident it became: linked on the page once it is public (before, only that it exists).
    linked: await linkedIncidentOf(report),
  };
}

/** From the read model, which holds every incident (an `_id` read scans on the embedded engine). */
async function linkedIncidentOf(report: Pick<ReportRecord, 'linkedIncident'>): Promise<{ ref: string; title: string; public: boolean } | undefined> {
  if (!report.linkedIncident) return undefined;
  const c = await catalogue();
  const ref = c.refOf(String(report.linkedIncident));
  const incident = ref ? (c.recordOf(ref) as { ref: string; title: string; published?: boolean } | undefined) : undefined;
  return incident ? { ref: incident.ref, title: incident.published ? incident.title : '', public: Boolean(incident.published) } : undefined;
}

export function presentReportRow(report: ReportRow) {
  return { ref: report.ref, title: report.title, status: report.status, submittedAt: report.submittedAt, country: report.country, anonymous: !report.submitter?.user };
}
