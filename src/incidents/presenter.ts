import { presentCountry, presentDates, presentSources } from '../facts/presenter.js';
import { loadEntities } from '../reference/lookup.js';
import { isFinding, operatedBy } from './claims.js';
import type { IncidentDocument } from './model.js';

/**
 * An incident as a page shows it. Public pages pass privileged = false: then a target's pseudonym
 * appears only with consent to publish, and nothing about linked reports is shown.
 */
export async function presentIncident(incident: IncidentDocument, lng: string, privileged: boolean) {
  const attributions = incident.attributions;
  const entities = await loadEntities(
    {
      products: attributions.map((a) => a.product).filter(Boolean),
      vendors: attributions.map((a) => a.vendor).filter(Boolean),
      governments: attributions.map((a) => a.government).filter(Boolean),
    },
    lng,
  );
  const sources = presentSources(incident.sources);
  return {
    ref: incident.ref,
    title: incident.title,
    summary: incident.summary,
    responses: incident.responses ?? '',
    dates: presentDates(incident.dates as never),
    countries: incident.countries.map((c) => presentCountry(c, lng)),
    targets: incident.targets.map((t) => ({
      category: t.category,
      pseudonym: privileged || t.consentToPublish ? t.pseudonym : '',
      consent: t.consentToPublish,
    })),
    attributions: attributions.map((a) => {
      const entity =
        a.kind === 'product' ? entities.products.get(String(a.product)) : a.kind === 'vendor' ? entities.vendors.get(String(a.vendor)) : entities.governments.get(String(a.government));
      const operated = operatedBy(a);
      return {
        kind: a.kind,
        entity,
        // An operator claim names what it operated only where the source links them.
        operated: operated.product ? entities.products.get(operated.product) : operated.vendor ? entities.vendors.get(operated.vendor) : undefined,
        finding: isFinding(a.confidence),
        agency: a.agency ?? '',
        confidence: a.confidence,
        basis: a.basis,
        sources: a.sources.map((n) => sources[n]).filter(Boolean),
      };
    }),
    sources,
    indicators: incident.indicators.map((i) => ({ type: i.type, value: i.value })),
    visibility: incident.visibility,
    status: incident.verification!.status,
    round: incident.verification!.round,
    verifiedAt: incident.verification!.verifiedAt ?? undefined,
    reopened: incident.verification?.reopened?.at ? { fields: incident.verification.reopened.fields, at: incident.verification.reopened.at } : undefined,
    retraction: incident.retraction?.at ? { reason: incident.retraction.reason ?? '', at: incident.retraction.at } : undefined,
    published: incident.published,
    reportCount: privileged ? incident.reports.length : 0,
  };
}

export function presentIncidentRow(incident: IncidentDocument, lng: string) {
  return {
    ref: incident.ref,
    title: incident.title,
    dates: presentDates(incident.dates as never),
    countries: incident.countries.map((c) => presentCountry(c, lng)),
    categories: [...new Set(incident.targets.map((t) => t.category))],
    status: incident.verification!.status,
    visibility: incident.visibility,
  };
}
