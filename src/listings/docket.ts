import type { ActionInfo, Listing } from '../catalogue/entities.js';
import type { Catalogue, ResolvedFilter } from '../catalogue/index.js';
import { collectDossier, type DossierContent, type DossierIncident } from '../dossiers/content.js';
import { CITATIONS, type Criterion } from '../dossiers/framing.js';

/** The regimes a docket can be framed by: those whose criteria the dossiers state (dossiers/framing.ts). */
export const DOCKET_REGIMES = ['us-entity-list', 'eo-14093', 'eu-2021-821-art5'] as const;
export type DocketRegime = (typeof DOCKET_REGIMES)[number];

/**
 * Which official actions cover a company for a docket's framing: the Entity List's own listings; for
 * EO 14093's risk factors, the US measures against spyware vendors (Entity List and OFAC); for
 * Article 5 of the EU dual-use regulation, EU dual-use and sanctions measures.
 */
export const COVERING: Record<DocketRegime, readonly string[]> = {
  'us-entity-list': ['us-entity-list'],
  'eo-14093': ['us-entity-list', 'us-ofac-sdn'],
  'eu-2021-821-art5': ['eu-dual-use', 'eu-sanctions'],
};

export interface BeforeAfter {
  action: ActionInfo;
  /** incidents wholly before the action's date, wholly on or after it, and those whose dates span it */
  before: number;
  after: number;
  spanning: number;
  beforeQuery: string;
  afterQuery: string;
}

/**
 * Findings before and after each dated action naming the vendor: the same selection as the incident
 * list filtered by vendor and `until` / `since` (so the counts equal the list's), with the incidents
 * whose dates span the action counted apart rather than guessed into one side.
 */
export function beforeAfter(c: Catalogue, vendorId: string, vendorSlug: string): BeforeAfter[] {
  const family = c.entities.vendorFamily(vendorId);
  const all = c.select({ vendorIds: family }).length;
  return c.entities
    .actionsOf(vendorId)
    .filter((a) => a.date)
    .map((action) => {
      const at = Date.parse(`${action.date}T00:00:00Z`);
      const select = (f: Partial<ResolvedFilter>) => c.select({ vendorIds: family, ...f }).length;
      const before = select({ until: at });
      const after = select({ since: at });
      return { action, before, after, spanning: all - before - after, beforeQuery: `vendor=${vendorSlug}&until=${action.date}`, afterQuery: `vendor=${vendorSlug}&since=${action.date}` };
    });
}

export interface FamilyMember {
  slug: string;
  name: string;
  nameAr: string;
  role: DossierContent['identity']['vendors'][number]['role'];
  /** the listings that cover it under the docket's framing (status listed), if any */
  covered: Listing[];
  listings: Listing[];
}

export interface Docket {
  regime: DocketRegime;
  citation: string;
  generatedAt: string;
  subject: { slug: string; name: string; nameAr: string };
  criteria: (Criterion & { findingRows: DossierIncident[]; leadRows: DossierIncident[] })[];
  family: FamilyMember[];
  actions: ActionInfo[];
  beforeAfter: BeforeAfter[];
  incidents: number;
}

/**
 * A vendor's docket under one regime: the dossier's criteria (the same statements, from findings
 * only, with the same gaps) over the public verified incidents of the vendor, its subsidiaries and
 * renamed successors, the corporate family and which of its members existing actions cover.
 */
export async function buildDocket(c: Catalogue, slug: string, regime: DocketRegime, lng: 'en' | 'ar', baseUrl: string, now = new Date()): Promise<Docket | undefined> {
  const content = await collectDossier(
    { subject: { kind: 'vendor', slug }, audience: 'public', framing: regime, language: lng },
    { id: 'docket', version: 0, generatedAt: now, roles: [], baseUrl, statementsOnly: true },
  );
  if (!content) return undefined;
  const byRef = new Map(content.incidents.map((i) => [i.ref, i]));
  const rows = (refs: string[]) => refs.map((r) => byRef.get(r)).filter((i): i is DossierIncident => i !== undefined);
  const family = content.identity.vendors.map((v) => {
    const entity = c.entities.bySlug('vendor', v.slug);
    const listings = entity ? c.entities.listingsOf(entity.id) : [];
    return { slug: v.slug, name: v.name, nameAr: v.nameAr, role: v.role, listings, covered: listings.filter((l) => l.status === 'listed' && COVERING[regime].includes(l.regime)) };
  });
  const subject = c.entities.bySlug('vendor', content.subject.slug)!;
  const actionIds = new Set<string>();
  const actions: ActionInfo[] = [];
  for (const v of family) {
    const entity = c.entities.bySlug('vendor', v.slug);
    for (const a of entity ? c.entities.actionsOf(entity.id) : []) {
      if (actionIds.has(a.id)) continue;
      actionIds.add(a.id);
      actions.push(a);
    }
  }
  actions.sort((a, b) => a.date.localeCompare(b.date) || a.slug.localeCompare(b.slug));
  return {
    regime,
    citation: CITATIONS[regime],
    generatedAt: content.generatedAt,
    subject: { slug: content.subject.slug, name: content.subject.name, nameAr: content.subject.nameAr },
    criteria: content.framing.criteria.map((k) => ({ ...k, findingRows: rows(k.incidents), leadRows: rows(k.leads) })),
    family,
    actions,
    beforeAfter: beforeAfter(c, subject.id, subject.slug),
    incidents: content.incidents.length,
  };
}
