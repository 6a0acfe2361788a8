import { displayIndicator } from '../facts/indicators.js';
import { presentCountry, presentDates, presentSources } from '../facts/presenter.js';
import { loadEntities } from '../reference/lookup.js';
import { isFinding, operatedBy } from './claims.js';
import type { IncidentDocument, IncidentRecord } from './model.js';
import { directionOf, resolvedLanguage } from '../i18n/index.js';
import { incidentVersions, textIn, type IncidentTexts } from '../i18n/texts.js';

/**
 * An incident as a page shows it. Public pages pass privileged = false: then a target's pseudonym
 * appears only with consent to publish, and nothing about linked reports is shown.
 */
export async function presentIncident(incident: IncidentDocument | IncidentRecord, lng: string, privileged: boolean) {
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
    ...presentTexts(incident, lng),
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
    // A Unicode domain is stored as punycode; pages show both.
    indicators: incident.indicators.map((i) => ({ type: i.type, value: displayIndicator(i.type, i.value) })),
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

/**
 * The title and summary in the page's language where there is a version, saying which language they
 * are in, whether that is a translation (with the text as written, which the reviewers verified), or
 * that the page's language has none yet.
 */
export function presentTexts(incident: IncidentTexts, lng: string) {
  const title = textIn(incidentVersions(incident, 'title'), lng);
  const summary = textIn(incidentVersions(incident, 'summary'), lng);
  const written = resolvedLanguage(incident.lang ?? 'en');
  const translated = title.lang !== written;
  return {
    title: title.text,
    summary: summary.text,
    text: {
      lang: title.lang,
      dir: title.dir,
      translated,
      fallback: title.fallback,
      written: { lang: written, dir: directionOf(written), title: incident.title, summary: incident.summary },
      translation: incident.translation?.updatedAt ? { lang: resolvedLanguage(incident.translation.lang ?? ''), at: incident.translation.updatedAt } : undefined,
    },
  };
}

export function presentIncidentRow(incident: IncidentDocument | IncidentRecord, lng: string) {
  const title = textIn(incidentVersions(incident, 'title'), lng);
  return {
    ref: incident.ref,
    title: title.text,
    titleLang: title.lang,
    dates: presentDates(incident.dates as never),
    countries: incident.countries.map((c) => presentCountry(c, lng)),
    categories: [...new Set(incident.targets.map((t) => t.category))],
    status: incident.verification!.status,
    visibility: incident.visibility,
  };
}
