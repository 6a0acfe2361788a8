import type { DossierIncident } from './content.js';

export const FRAMINGS = ['us-entity-list', 'eo-14093', 'eu-2021-821-art5', 'none'] as const;
export type Framing = (typeof FRAMINGS)[number];

/** Target categories that are civil society in the regimes' sense (journalists, activists, ...). */
const CIVIL_SOCIETY = new Set(['journalist', 'activist', 'human-rights-defender', 'academic', 'lawyer']);
const OFFICIALS = new Set(['official', 'politician']);
const CYBER_SURVEILLANCE = new Set(['spyware', 'network-injection', 'interception', 'imsi-catcher', 'forensic-extraction', 'social-media-monitoring', 'facial-recognition']);

export interface Criterion {
  key: string;
  /** incident references the statement rests on */
  incidents: string[];
  /** figures the statement quotes (count of incidents, distinct governments, ...) */
  figures: Record<string, number>;
  /** incidents that would support the criterion if their leads (low-confidence claims) were findings: listed, never counted */
  leads: string[];
  /** what the record does not show for this criterion (see GAP_KEYS) */
  gaps: Gap[];
}

/**
 * - none: no finding supports the criterion;
 * - stale: no supporting finding dated in the last STALE_YEARS years (`year`: the latest one);
 * - noForensic: no supporting incident cites a forensic report (only news, testimony ...);
 * - onePublisher: every supporting incident rests on sources of one publisher (`publisher`).
 */
export const GAP_KEYS = ['none', 'stale', 'noForensic', 'onePublisher'] as const;
export interface Gap {
  key: (typeof GAP_KEYS)[number];
  year?: number;
  publisher?: string;
}
export const STALE_YEARS = 2;

/**
 * Which elements of a regime's criteria the record speaks to, each with the incidents behind it.
 * Statements of fact from verified incidents, never legal conclusions: the regime decides.
 */
type Test = (i: DossierIncident) => boolean;

/** Criteria rest on findings only (incidents/claims.ts isFinding): a lead is never cited. */
const findings = (i: DossierIncident) => i.attributions.filter((a) => a.finding);

const tests: Record<string, Test> = {
  product: (i) => findings(i).some((a) => a.kind === 'product' || a.kind === 'vendor'),
  government: (i) => findings(i).some((a) => a.kind === 'government'),
  civilSociety: (i) => i.targetCategories.some((c) => CIVIL_SOCIETY.has(c)),
  officials: (i) => i.targetCategories.some((c) => OFFICIALS.has(c)),
  // A government operating against targets in a country other than its own.
  transnational: (i) => {
    const operatorCountries = findings(i).filter((a) => a.kind === 'government' && a.country).map((a) => a.country!);
    return operatorCountries.length > 0 && i.countries.some((c) => !operatorCountries.includes(c.code));
  },
  // Targets in the operating government's own country.
  domestic: (i) => findings(i).some((a) => a.kind === 'government' && a.country && i.countries.some((c) => c.code === a.country)),
  usTargets: (i) => i.countries.some((c) => c.code === 'US'),
  cyberSurveillance: (i) => findings(i).some((a) => a.kind === 'product' && a.category !== undefined && CYBER_SURVEILLANCE.has(a.category)),
  highConfidence: (i) => findings(i).some((a) => a.confidence === 'confirmed' || a.confidence === 'high'),
};

const REGIME_CRITERIA: Record<Exclude<Framing, 'none'>, string[]> = {
  // 15 CFR 744.11(b): "specific and articulable facts" of activities contrary to US national security
  // or foreign-policy interests; the 2021 spyware listings rested on supply to governments that
  // targeted journalists, activists, officials and others, including transnational repression.
  'us-entity-list': ['product', 'government', 'civilSociety', 'officials', 'transnational', 'highConfidence'],
  // EO 14093, Sec. 2: risk factors of commercial spyware misuse by foreign governments.
  'eo-14093': ['civilSociety', 'transnational', 'officials', 'usTargets', 'government'],
  // Regulation (EU) 2021/821, Art. 5: cyber-surveillance items and use for internal repression or
  // serious violations of human rights.
  'eu-2021-821-art5': ['cyberSurveillance', 'domestic', 'civilSociety', 'government'],
};

function gapsOf(matching: DossierIncident[], asOf: Date): Gap[] {
  if (!matching.length) return [{ key: 'none' }];
  const gaps: Gap[] = [];
  const latestYear = Math.max(...matching.map((i) => Number((i.dates.to || i.dates.from).slice(0, 4))));
  if (latestYear < asOf.getUTCFullYear() - STALE_YEARS) gaps.push({ key: 'stale', year: latestYear });
  if (!matching.some((i) => i.sources.some((s) => s.kind === 'forensic-report'))) gaps.push({ key: 'noForensic' });
  const publishers = new Set(matching.flatMap((i) => i.sources.map((s) => s.publisher.trim()).filter(Boolean)));
  if (publishers.size === 1 && matching.every((i) => i.sources.every((s) => s.publisher.trim()))) gaps.push({ key: 'onePublisher', publisher: [...publishers][0]! });
  return gaps;
}

/** `asOf`: the day the statement is made (a finding older than STALE_YEARS before it is stated as such). */
export function frame(framing: Framing, incidents: DossierIncident[], asOf: Date): Criterion[] {
  if (framing === 'none') return [];
  // The same incidents as if every lead were a finding: what would count, were the leads confirmed.
  const asIfFound = incidents.map((i) => ({ ...i, attributions: i.attributions.map((a) => ({ ...a, finding: true })) }));
  return REGIME_CRITERIA[framing].map((key) => {
    // An incident whose every attribution is a lead supports no criterion.
    const matching = incidents.filter((i) => findings(i).length > 0 && tests[key]!(i));
    const cited = new Set(matching.map((i) => i.ref));
    const leads = asIfFound.filter((i) => !cited.has(i.ref) && tests[key]!(i)).map((i) => i.ref);
    const governments = new Set(matching.flatMap((i) => findings(i).filter((a) => a.kind === 'government').map((a) => a.slug)));
    const countries = new Set(matching.flatMap((i) => i.countries.map((c) => c.code)));
    return { key, incidents: matching.map((i) => i.ref), figures: { incidents: matching.length, governments: governments.size, countries: countries.size }, leads, gaps: gapsOf(matching, asOf) };
  });
}

export const CITATIONS: Record<Framing, string> = {
  'us-entity-list': '15 CFR 744.11',
  'eo-14093': 'Executive Order 14093 of 27 March 2023',
  'eu-2021-821-art5': 'Regulation (EU) 2021/821, Art. 5',
  none: '',
};
